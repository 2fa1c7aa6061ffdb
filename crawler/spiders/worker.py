"""The ``news_worker`` spider: the ``news`` spider for distributed crawls on scrapy-redis.

Requests travel through a Redis queue (``scrapy_redis.scheduler.Scheduler``), so any number
of workers on any number of machines share one crawl. What changes from :class:`NewsSpider`:

- ``start()`` yields nothing: ``morgue crawl --enqueue`` pushes the seed requests
  (:func:`enqueue`, below); workers only take requests from the queue.
- a request carries its source's *name* (``cb_kwargs["source"]``), never the Source object:
  every worker loads the same morgue.toml and looks the source up, so the queue holds plain,
  picklable values and a config edit applies to requests already queued.
- "seen this canonical URL already" is one Redis set shared by all workers (``SADD``), so
  every article is requested once per crawl, whichever worker found the link.
- the worker does not close when the queue is empty, only when it has stayed empty (and the
  worker idle) for ``idle_timeout`` seconds; ``0`` means never (a long-lived service).

Settings: ``REDIS_URL``, ``MORGUE_REDIS_PREFIX`` (key prefix, default ``morgue``),
``MORGUE_IDLE_TIMEOUT`` (seconds, default 60).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from crawler.components.distributed import Keys, connect
from crawler.config import Source
from crawler.spiders.news import Archived, NewsSpider


class WorkerSpider(NewsSpider):
    name = "news_worker"

    def __init__(
        self,
        sources: list[Source] | tuple[Source, ...] = (),
        max_sitemap_depth: int = 3,
        known: Mapping[str, Archived] | None = None,
        redis: Any = None,
        keys: Keys | None = None,
        idle_timeout: float = 60.0,
        **kw: Any,
    ):
        super().__init__(sources=sources, max_sitemap_depth=max_sitemap_depth, known=known, **kw)
        self.by_name = {s.name: s for s in self.sources}
        self.redis = redis
        self.keys = keys or Keys()
        self.idle_timeout = idle_timeout
        self.last_activity = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> WorkerSpider:
        settings = crawler.settings
        kwargs.setdefault("keys", Keys(settings.get("MORGUE_REDIS_PREFIX") or "morgue"))
        if kwargs.get("redis") is None:
            kwargs["redis"] = connect(settings.get("REDIS_URL"))
        kwargs.setdefault("idle_timeout", settings.getfloat("MORGUE_IDLE_TIMEOUT", 60.0))
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.on_activity, signal=signals.response_received)
        return spider  # type: ignore[return-value]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return
        yield  # an async generator that yields nothing: seeds come from the queue

    def seed_requests(self) -> Iterator[scrapy.Request]:
        """The seed requests of every source (what ``morgue crawl --enqueue`` pushes)."""
        for source in self.sources:
            for url in source.sitemaps:
                yield self._request(url, source, self.parse_sitemap, depth=0, first=True)
            for url in source.feeds:
                yield self._request(url, source, self.parse_feed, first=True)
            for url in source.start_urls:
                yield self._request(url, source, self.parse_listing, first=True)

    def _request(self, url: str, source: Source, callback: Any, first: bool = False, **kw: Any) -> scrapy.Request:
        request = super()._request(url, source, callback, first=first, **kw)
        request.cb_kwargs["source"] = source.name
        return request

    def first_sight(self, key: str) -> bool:
        return bool(self.redis.sadd(self.keys.seen, key))

    def _source(self, name: str | Source) -> Source:
        if isinstance(name, Source):
            return name
        try:
            return self.by_name[name]
        except KeyError:
            raise ValueError(f"source {name!r} is not in this worker's config") from None

    def on_activity(self, *args: Any, **kwargs: Any) -> None:
        self.last_activity = time.monotonic()

    def on_idle(self) -> None:
        if self.idle_timeout <= 0 or time.monotonic() - self.last_activity < self.idle_timeout:
            raise DontCloseSpider

    # -- callbacks: the request names its source; the parent's callbacks take the Source ---------

    def parse_listing(self, response: Response, source: Any) -> Iterator[Any]:
        return super().parse_listing(response, self._source(source))

    def parse_feed(self, response: Response, source: Any) -> Iterator[Any]:
        return super().parse_feed(response, self._source(source))

    def parse_sitemap(self, response: Response, source: Any, depth: int) -> Iterator[Any]:
        return super().parse_sitemap(response, self._source(source), depth)

    def parse_article(self, response: Response, source: Any, listed_date: str | None = None) -> AsyncIterator[Any]:
        return super().parse_article(response, self._source(source), listed_date)


def enqueue(url: str, keys: Keys, sources: tuple[Source, ...]) -> int:
    """Start a round: forget what was seen, push the seed requests of ``sources``; returns how many."""
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy_redis.queue import PriorityQueue

    client = connect(url)
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    # the spider builds requests as a worker would (it reads settings, e.g. size limits, from its crawler)
    spider = WorkerSpider.from_crawler(Crawler(WorkerSpider, settings), sources=sources, redis=client, keys=keys)
    queue = PriorityQueue(server=client, spider=spider, key=keys.requests)
    client.delete(keys.seen, keys.dupefilter)
    count = 0
    for request in spider.seed_requests():
        queue.push(request)
        count += 1
    return count
