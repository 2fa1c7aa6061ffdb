"""``python -m crawler``: the morgue CLI (what the scheduler re-invokes in subprocesses)."""

from crawler.app.cli import main

if __name__ == "__main__":  # not when a worker process (crawler.components.offload) imports it
    main()
