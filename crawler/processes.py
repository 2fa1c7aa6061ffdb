"""Helper processes of a crawl (page processes, the writer process): how many, how started.

They are started with ``spawn`` (a fork of a process running Twisted's threads is unsafe) and
ignore SIGINT and SIGTERM: Ctrl-C reaches the whole process group, and systemd stops a service
by signalling every process of it, but only the crawl process should react: it stops Scrapy
gracefully, writes what is pending, and then shuts its helpers down itself.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from multiprocessing.context import BaseContext


def cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def context() -> BaseContext:
    return multiprocessing.get_context("spawn")


def ignore_stop_signals() -> None:
    """Initializer of a helper process: leave SIGINT and SIGTERM to the crawl process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
