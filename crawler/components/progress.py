"""A live progress line on the terminal while a crawl runs (Scrapy extension).

Enabled by ``MORGUE_PROGRESS = True`` (``morgue crawl`` sets it when stderr is a terminal
and ``--quiet`` is not given). Every second it rewrites one line on stderr: pages fetched,
articles new, dead pages found, errors, and the rate.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task


class ProgressLine:
    def __init__(self, stats: Any, out: TextIO = sys.stderr, every: float = 1.0) -> None:
        self.stats = stats
        self.out = out
        self.every = every
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLine:
        if not crawler.settings.getbool("MORGUE_PROGRESS"):
            raise NotConfigured("MORGUE_PROGRESS is off")
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def line(self) -> str:
        get = self.stats.get_value
        pages = get("morgue/pages", 0)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return (
            f"{pages} pages, {get('morgue/articles_new', 0)} new articles, {get('morgue/dead', 0)} dead, "
            f"{get('morgue/errors', 0)} errors, {pages / elapsed:.1f} pages/s"
        )

    def show(self) -> None:
        self.out.write("\r\033[K" + self.line())
        self.out.flush()

    def spider_opened(self, spider: Any) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.every, now=False)

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.out.write("\r\033[K")
        self.out.flush()
