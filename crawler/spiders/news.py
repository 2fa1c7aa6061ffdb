"""The ``news`` spider: sources' start pages, feeds and sitemaps -> one FetchResult per URL.

Settings: ``MORGUE_CONFIG`` (path of morgue.toml), ``MORGUE_SOURCES`` (names to crawl,
all when empty), ``MORGUE_MAX_SITEMAP_DEPTH`` (nested sitemap indexes followed, default 3).
Requests carry ``dont_filter=True``: the spider deduplicates by canonical URL itself, so a
redirect loop reaches the errback (and is recorded) instead of vanishing in the dupefilter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from crawler.config import Source, load_config
from crawler.discovery import DiscoveryError, Link, page_links, parse_feed, parse_sitemap
from crawler.items import FetchResult
from crawler.spiders.observe import failure_result, response_result
from crawler.urls import canonicalize, in_domains, strip_tracking


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(self, sources: list[Source] | tuple[Source, ...] = (), max_sitemap_depth: int = 3, **kw: Any):
        super().__init__(**kw)
        self.sources = tuple(sources)
        self.max_sitemap_depth = max_sitemap_depth
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        settings = crawler.settings
        if "sources" not in kwargs:
            config = load_config(settings.get("MORGUE_CONFIG") or None)
            names = settings.getlist("MORGUE_SOURCES")
            kwargs["sources"] = config.select(names)
        kwargs.setdefault("max_sitemap_depth", settings.getint("MORGUE_MAX_SITEMAP_DEPTH", 3))
        return super().from_crawler(crawler, *args, **kwargs)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            for url in source.sitemaps:
                yield self._request(url, source, self.parse_sitemap, depth=0, first=True)
            for url in source.feeds:
                yield self._request(url, source, self.parse_feed, first=True)
            for url in source.start_urls:
                yield self._request(url, source, self.parse_listing, first=True)

    def _request(self, url: str, source: Source, callback: Any, first: bool = False, **cb: Any) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs={"source": source, **cb},
            dont_filter=True,
            priority=10 if first else 0,
            meta={"morgue_kind": _KINDS.get(callback.__name__, "article"), "morgue_source": source.name},
        )

    def _article_requests(self, links: list[Link] | Iterator[str], source: Source) -> Iterator[scrapy.Request]:
        for link in links:
            link = link if isinstance(link, Link) else Link(url=link)
            if not in_domains(link.url, source.allowed_domains) or not source.is_article_url(link.url):
                continue
            key = canonicalize(link.url)
            if key in self.seen:
                continue
            self.seen.add(key)
            yield self._request(strip_tracking(link.url), source, self.parse_article, listed_date=link.published_raw)

    # -- callbacks -----------------------------------------------------------------------

    def parse_listing(self, response: Response, source: Source) -> Iterator[Any]:
        yield response_result(response, source=source.name, kind="listing", now=_now())
        if isinstance(response, TextResponse) and 200 <= response.status < 300:
            links = page_links(
                response.text, response.url, domains=source.allowed_domains, pattern=source.article_pattern
            )
            yield from self._article_requests(links, source)

    def parse_feed(self, response: Response, source: Source) -> Iterator[Any]:
        try:
            links = parse_feed(response.body, response.url) if response.status < 300 else []
        except DiscoveryError as exc:
            self.logger.warning("feed %s: %s", response.url, exc)
            self.crawler.stats.inc_value("morgue/feed_errors")
            yield response_result(response, source=source.name, kind="feed", now=_now(), error=str(exc))
            return
        yield response_result(response, source=source.name, kind="feed", now=_now())
        yield from self._article_requests(links, source)

    def parse_sitemap(self, response: Response, source: Source, depth: int) -> Iterator[Any]:
        body = response.body
        try:
            if body[:2] == b"\x1f\x8b":
                body = gunzip(body, max_size=self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))
            sitemap = parse_sitemap(body, response.url) if response.status < 300 else None
        except (DiscoveryError, OSError, ValueError) as exc:
            self.logger.warning("sitemap %s: %s", response.url, exc)
            self.crawler.stats.inc_value("morgue/sitemap_errors")
            yield response_result(response, source=source.name, kind="sitemap", now=_now(), error=str(exc))
            return
        yield response_result(response, source=source.name, kind="sitemap", now=_now())
        if sitemap is None:
            return
        if not sitemap.is_index:
            yield from self._article_requests(sitemap.links, source)
            return
        if depth >= self.max_sitemap_depth:
            self.logger.warning("sitemap %s: nested deeper than %d, not followed", response.url, depth)
            return
        for link in sitemap.links:
            key = "sitemap:" + canonicalize(link.url)
            if key not in self.seen and in_domains(link.url, source.allowed_domains):
                self.seen.add(key)
                yield self._request(link.url, source, self.parse_sitemap, depth=depth + 1)

    def parse_article(self, response: Response, source: Source, listed_date: str | None = None) -> Iterator[Any]:
        yield response_result(response, source=source.name, kind="article", now=_now(), listed_date=listed_date)

    def on_error(self, failure: Failure) -> Iterator[FetchResult]:
        request = failure.request  # type: ignore[attr-defined]
        if "robots.txt" in str(failure.value):
            self.crawler.stats.inc_value("morgue/robots_forbidden")
            return
        self.crawler.stats.inc_value(f"morgue/fetch_errors/{type(failure.value).__name__}")
        yield failure_result(
            request.url,
            failure,
            source=request.meta.get("morgue_source", ""),
            kind=request.meta.get("morgue_kind", "article"),
            now=_now(),
            redirect_chain=tuple(request.meta.get("redirect_urls", ())),
        )


_KINDS = {
    "parse_listing": "listing",
    "parse_feed": "feed",
    "parse_sitemap": "sitemap",
    "parse_article": "article",
}


def _now() -> datetime:
    return datetime.now(UTC)
