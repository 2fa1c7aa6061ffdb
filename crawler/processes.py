"""Helper processes of a crawl (page processes, the writer process): how many, how started.

They are started with ``spawn`` (a fork of a process running Twisted's threads is unsafe) and
ignore SIGINT and SIGTERM: Ctrl-C reaches the whole process group, and systemd stops a service
by signalling every process of it, but only the crawl process should react: it stops Scrapy
gracefully, writes what is pending, and then shuts its helpers down itself. A helper whose crawl
process died exits on its own.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from multiprocessing.context import BaseContext


def cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def context() -> BaseContext:
    return multiprocessing.get_context("spawn")


PARENT_CHECK_EVERY = 1.0  # seconds


def ignore_stop_signals() -> None:
    """Initializer of a helper process: leave SIGINT and SIGTERM to the crawl process, and exit when it
    is gone. A pool's processes share its queue's pipe, so a crawl process killed with ``kill -9`` would
    leave them waiting on it for ever; a thread notices the new parent and ends this process. A
    transaction the writer process had open is then rolled back by the database."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_EVERY)
        os._exit(1)

    threading.Thread(target=watch, name="morgue-parent-watch", daemon=True).start()
