"""``python -m crawler``: the morgue CLI (what the scheduler re-invokes in subprocesses)."""

from crawler.cli import main

if __name__ == "__main__":  # not when a worker process (crawler.offload) imports it
    main()
