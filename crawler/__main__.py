"""``python -m crawler``: the morgue CLI (what the scheduler re-invokes in subprocesses)."""

from crawler.cli import main

main()
