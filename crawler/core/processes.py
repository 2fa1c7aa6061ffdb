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
from collections import deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
OFFLOAD_AFTER = 48  # pages handled in the crawl process before helper processes may start
OFFLOAD_BUSY = 0.5  # ... and the share of the time that work kept the crawl process busy


class BusyMeter:
    """How busy some work keeps this process: the share of wall time its last ``window`` runs took.

    Helpers start only when the work they would take over is what limits the crawl: a polite crawl
    (one page a second per host) extracts a page in about 1 % of its time and never pays the
    memory of more processes; a crawl of a fast server is busy extracting most of the time."""

    def __init__(self, window: int = 16) -> None:
        self.spans: deque[tuple[float, float]] = deque(maxlen=max(1, window))

    def add(self, started: float, seconds: float) -> None:
        """One run of the work: when it started (``time.monotonic()``) and how long it took."""
        self.spans.append((started, seconds))

    def share(self, now: float) -> float:
        if not self.spans:
            return 0.0
        elapsed = now - self.spans[0][0]
        return min(1.0, sum(d for _, d in self.spans) / elapsed) if elapsed > 0 else 1.0

    def measure(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``work(*args, **kwargs)``, its run added to the meter when it returns."""
        started, clock = time.monotonic(), time.perf_counter()
        result = work(*args, **kwargs)
        self.add(started, time.perf_counter() - clock)
        return result

    def busy(self, threshold: float, now: float | None = None) -> bool:
        """True when the work took at least ``threshold`` of the time (always, for a threshold <= 0)."""
        return threshold <= 0 or self.share(time.monotonic() if now is None else now) >= threshold


def cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


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


def pool(
    workers: int, initializer: Callable[..., None] = ignore_stop_signals, initargs: tuple[Any, ...] = ()
) -> ProcessPoolExecutor:
    """``workers`` helper processes, spawned, running ``initializer(*initargs)`` (which must call
    :func:`ignore_stop_signals`; the default does nothing else)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=initializer,
        initargs=initargs,
    )
