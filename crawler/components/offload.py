"""Classify and extract pages in worker processes, so a crawl uses every core.

Normalising an article costs far more CPU than fetching or storing it, and Scrapy runs
everything else in one thread. :class:`PagePool` sends each fetched page, as a plain
picklable :class:`~crawler.page.pipeline.Page`, to a pool of processes running the pure
:func:`~crawler.page.pipeline.page_result`, and the spider awaits the result while the
reactor goes on downloading and storing.

Settings (read in :meth:`PagePool.from_crawler`):

- ``MORGUE_PAGE_PROCESSES``: worker processes; ``None`` (the default) means one per CPU core
  when the machine has more than one, ``0`` means none (every page in the crawl process).
- ``MORGUE_OFFLOAD_AFTER``: pages handled in the crawl process before the pool may start
  (default 48): starting processes costs about half a second, which a small crawl (the demo,
  a site with a dozen new articles) would never win back.
- ``MORGUE_OFFLOAD_BUSY``: and only when handling those pages took at least this share of the
  time (default 0.5, measured over the last ``MORGUE_OFFLOAD_AFTER`` pages; 0: always). A polite
  crawl spends about 1 % of its time extracting and never starts the pool (nor pays its memory).

Small bodies (a 304, an error page) are always handled in the crawl process: sending them costs
more than handling them.

How the processes start and stop: :mod:`crawler.core.processes`. If a worker process dies (killed, out
of memory), the pool is dropped and every later page is handled in the crawl process: the crawl
goes on. Results are the same either way; only where the CPU time is spent changes.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler.core.items import FetchResult
from crawler.core.processes import OFFLOAD_AFTER, OFFLOAD_BUSY, BusyMeter, cores, pool
from crawler.page.pipeline import Page, page_result

logger = logging.getLogger(__name__)

MIN_BYTES = 4096  # smaller bodies are handled in the crawl process


class PagePool:
    """``await pool.result(page, **kwargs)`` is ``page_result(page, **kwargs)``, computed in a worker process
    once ``after`` pages have been handled here (and ``processes`` > 0, and an asyncio loop is running)."""

    def __init__(self, processes: int | None = None, after: int = OFFLOAD_AFTER, busy: float = OFFLOAD_BUSY) -> None:
        self.processes = (cores() if cores() > 1 else 0) if processes is None else max(0, processes)
        self.after = max(0, after)
        self.busy = busy  # share of the time extraction must take here before the pool starts
        self.meter = BusyMeter(window=max(1, self.after))
        self.handled = 0  # pages seen so far, here or in the pool
        self.offloaded = 0  # of which computed in the pool
        self.executor: ProcessPoolExecutor | None = None
        self.broken = False
        self.crawler: Any = None  # the Scrapy crawler running this pool, for its stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> PagePool:
        from scrapy import signals

        settings = crawler.settings
        raw = settings.get("MORGUE_PAGE_PROCESSES")
        pool = cls(
            processes=None if raw in (None, "") else int(raw),
            after=settings.getint("MORGUE_OFFLOAD_AFTER", OFFLOAD_AFTER),
            busy=settings.getfloat("MORGUE_OFFLOAD_BUSY", OFFLOAD_BUSY),
        )
        pool.crawler = crawler
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    def _use_pool(self, page: Page) -> bool:
        if self.broken or self.processes == 0 or self.handled <= self.after:
            return False
        if self.executor is None and not self.meter.busy(self.busy):
            return False  # extraction is not what limits this crawl (politeness, the network): no processes
        if not (200 <= page.status < 300 and len(page.body) >= MIN_BYTES):
            return False  # a 304, an error page, a redirect: nothing to extract, cheaper here than a round trip
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # not under the asyncio reactor: nothing to await on
            return False
        return True

    def _executor(self) -> ProcessPoolExecutor:
        if self.executor is None:
            logger.info("starting %d page processes", self.processes)
            self.executor = pool(self.processes)
        return self.executor

    async def result(self, page: Page, **kwargs: Any) -> FetchResult:
        self.handled += 1
        if not self._use_pool(page):
            return self.meter.measure(page_result, page, **kwargs)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor(), functools.partial(page_result, page, **kwargs))
        except (BrokenProcessPool, OSError) as exc:  # a process died, or none could be started
            if not self.broken:
                logger.error("page processes unusable (%s): handling pages in the crawl process from now on", exc)
                self.broken = True
                if self.crawler is not None:
                    self.crawler.stats.set_value("morgue/page_pool_broken", str(exc)[:200])
            return page_result(page, **kwargs)
        self.offloaded += 1
        if self.crawler is not None:
            self.crawler.stats.inc_value("morgue/pages_offloaded")
        return result

    def close(self) -> None:
        executor, self.executor = self.executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
