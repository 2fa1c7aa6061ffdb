"""The ``news`` spider: sources' start pages, feeds and sitemaps -> one FetchResult per URL.

Arguments: ``sources`` (the configured sources to crawl, given by ``crawler.app.runner``: the
spider never reads the configuration file). Settings: ``MORGUE_MAX_SITEMAP_DEPTH`` (nested sitemap
indexes followed, default 3).
Requests carry ``dont_filter=True``: the spider deduplicates by canonical URL itself, so a
redirect loop reaches the errback (and is recorded) instead of vanishing in the dupefilter.

Incremental crawls: the ``known`` argument (canonical URL -> :class:`Archived`, loaded from
the archive by ``crawler.app.runner.run_crawl``; the spider never opens the database) makes
article requests for archived URLs conditional (``If-None-Match`` / ``If-Modified-Since``;
a 304 is an alive observation that adds no version), and skips an alive archived article
outright when its sitemap ``lastmod``, news ``publication_date`` or feed date is not newer
than the last time it was seen alive (counted in the stat ``morgue/skipped_unchanged``).

Bounds: links longer than :data:`crawler.core.urls.MAX_URL_LENGTH` are not requested, and a source
with ``max_articles`` gets at most that many article requests per crawl; the page that listed
what was left out says so in its reasons (``links:too-long:N``, ``links:over-max-articles:N``).
Sitemaps may be as large as the protocol allows (:data:`crawler.page.discovery.SITEMAP_MAX_BYTES`,
compressed or not) and are read up to :data:`crawler.page.discovery.MAX_SITEMAP_URLS` entries
(``sitemap:truncated:N`` when there were more). A sitemap is fetched once per crawl, even
when an index lists itself. Every request carries its source's ``allowed_domains`` for
:class:`crawler.components.guards.ScopeMiddleware`: a redirect out of them is not followed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from crawler.components.guards import SCOPE_KEY
from crawler.components.offload import PagePool
from crawler.components.warc import PRIOR_KEY
from crawler.config import Source
from crawler.core.items import FetchResult, WarcRef
from crawler.core.urls import MAX_URL_LENGTH, canonicalize, in_domains, strip_tracking
from crawler.page.discovery import SITEMAP_MAX_BYTES, DiscoveryError, Link, page_links, parse_feed, parse_sitemap
from crawler.page.normalize import parse_datetime
from crawler.spiders.observe import error_result, page_of, response_result


@dataclass(frozen=True, slots=True, kw_only=True)
class Archived:
    """What the archive knows about one (canonicalised) article URL."""

    last_seen_at: datetime  # last alive observation, aware UTC
    status: str  # alive | suspect | removed | unreachable | blocked
    etag: str | None = None  # validators of the article's own URL (None for its aliases)
    last_modified: str | None = None
    warc: WarcRef | None = None  # the current version's capture (its own URL only): a 304 is a revisit of it

    def headers(self) -> dict[str, str]:
        """Conditional request headers from the stored validators."""
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out

    def unchanged_since(self, link: Link) -> bool:
        """True if the alive article has been seen since the dates ``link`` gives (if any)."""
        if self.status != "alive":
            return False
        dates = [parse_datetime(raw) for raw in (link.modified_raw, link.published_raw) if raw]
        dates = [d for d in dates if d is not None]
        return bool(dates) and max(dates) <= self.last_seen_at


class NewsSpider(scrapy.Spider):
    name = "news"

    def __init__(
        self,
        sources: list[Source] | tuple[Source, ...] = (),
        max_sitemap_depth: int = 3,
        known: Mapping[str, Archived] | None = None,
        **kw: Any,
    ):
        super().__init__(**kw)
        self.sources = tuple(sources)
        self.max_sitemap_depth = max_sitemap_depth
        self.known = dict(known or {})
        self.seen: set[str] = set()
        self.article_requests: Counter[str] = Counter()  # source name -> article requests made
        self.pages = PagePool(processes=0)  # article pages -> results; from_crawler gives it worker processes

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        settings = crawler.settings
        if not kwargs.get("sources"):
            raise ValueError("the news spider crawls the sources it is given: run it with `morgue crawl`")
        kwargs.setdefault("max_sitemap_depth", settings.getint("MORGUE_MAX_SITEMAP_DEPTH", 3))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.pages = PagePool.from_crawler(crawler)
        return spider

    def first_sight(self, key: str) -> bool:
        """True the first time ``key`` (a canonical URL) comes up in this crawl; remembers it.

        In memory here; the distributed worker (:mod:`crawler.spiders.worker`) shares it through Redis.
        """
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.sources:
            for url in source.sitemaps:
                self.first_sight("sitemap:" + canonicalize(url))  # an index that lists itself is not fetched again
                yield self._request(url, source, self.parse_sitemap, depth=0, first=True)
            for url in source.feeds:
                yield self._request(url, source, self.parse_feed, first=True)
            for url in source.start_urls:
                yield self._request(url, source, self.parse_listing, first=True)

    def _request(
        self,
        url: str,
        source: Source,
        callback: Any,
        first: bool = False,
        headers: dict[str, str] | None = None,
        **cb: Any,
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            headers=headers,
            cb_kwargs={"source": source, **cb},
            dont_filter=True,
            priority=10 if first else 0,
            meta={
                "morgue_kind": _KINDS.get(callback.__name__, "article"),
                "morgue_source": source.name,
                SCOPE_KEY: source.allowed_domains,
                **({"download_maxsize": self._sitemap_max_bytes()} if callback.__name__ == "parse_sitemap" else {}),
            },
        )

    def _sitemap_max_bytes(self) -> int:
        return max(SITEMAP_MAX_BYTES, self.crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def _article_requests(
        self, links: list[Link] | Iterator[str], source: Source, skipped: Counter[str] | None = None
    ) -> Iterator[scrapy.Request]:
        """Requests for the in-scope, not yet seen article ``links``; ``skipped`` counts what bounds left out."""
        skipped = Counter() if skipped is None else skipped
        for link in links:
            link = link if isinstance(link, Link) else Link(url=link)
            if not in_domains(link.url, source.allowed_domains) or not source.is_article_url(link.url):
                continue
            if len(link.url) > MAX_URL_LENGTH:
                skipped["too-long"] += 1
                continue
            key = canonicalize(link.url)
            if not self.first_sight(key):
                continue
            archived = self.known.get(key)
            if archived is not None and archived.unchanged_since(link):
                self.crawler.stats.inc_value("morgue/skipped_unchanged")
                continue
            if source.max_articles is not None and self.article_requests[source.name] >= source.max_articles:
                skipped["over-max-articles"] += 1
                continue
            self.article_requests[source.name] += 1
            headers = archived.headers() if archived is not None else {}
            if headers:
                self.crawler.stats.inc_value("morgue/conditional_requests")
            request = self._request(
                strip_tracking(link.url), source, self.parse_article, headers=headers, listed_date=link.published_raw
            )
            if archived is not None and archived.warc is not None:
                request.meta[PRIOR_KEY] = archived.warc
            yield request

    # -- callbacks -----------------------------------------------------------------------

    def _with_links(self, result: FetchResult, links: Any, source: Source, *extra: str) -> Iterator[Any]:
        """``result`` (with reasons saying which links were left out, and why), then the article requests."""
        skipped: Counter[str] = Counter()
        requests = list(self._article_requests(links, source, skipped))
        for why, n in sorted(skipped.items()):
            self.crawler.stats.inc_value(f"morgue/links_skipped/{why}", n)
        notes = (*extra, *(f"links:{why}:{n}" for why, n in sorted(skipped.items())))
        yield replace(result, reasons=(*result.reasons, *notes)) if notes else result
        yield from requests

    def parse_listing(self, response: Response, source: Source) -> Iterator[Any]:
        result = response_result(response, source=source.name, kind="listing", now=_now())
        links: Any = ()
        if isinstance(response, TextResponse) and 200 <= response.status < 300:
            links = page_links(
                response.text, response.url, domains=source.allowed_domains, pattern=source.article_pattern
            )
        yield from self._with_links(result, links, source)

    def parse_feed(self, response: Response, source: Source) -> Iterator[Any]:
        try:
            links = parse_feed(response.body, response.url) if response.status < 300 else []
        except DiscoveryError as exc:
            self.logger.warning("feed %s: %s", response.url, exc)
            self.crawler.stats.inc_value("morgue/feed_errors")
            yield response_result(response, source=source.name, kind="feed", now=_now(), error=str(exc))
            return
        result = response_result(response, source=source.name, kind="feed", now=_now())
        yield from self._with_links(result, links, source)

    def parse_sitemap(self, response: Response, source: Source, depth: int) -> Iterator[Any]:
        body = response.body
        try:
            if body[:2] == b"\x1f\x8b":
                try:
                    body = gunzip(body, max_size=self._sitemap_max_bytes())
                except ValueError:  # Scrapy's decompression limit: a gzip bomb
                    raise DiscoveryError(
                        f"too-large: decompresses to more than {self._sitemap_max_bytes()} bytes"
                    ) from None
            sitemap = parse_sitemap(body, response.url) if response.status < 300 else None
        except (DiscoveryError, OSError, ValueError) as exc:
            self.logger.warning("sitemap %s: %s", response.url, exc)
            self.crawler.stats.inc_value("morgue/sitemap_errors")
            yield response_result(response, source=source.name, kind="sitemap", now=_now(), error=str(exc))
            return
        result = response_result(response, source=source.name, kind="sitemap", now=_now())
        truncated = (f"sitemap:truncated:{len(sitemap.links)}",) if sitemap is not None and sitemap.truncated else ()
        if sitemap is None or sitemap.is_index:
            yield replace(result, reasons=(*result.reasons, *truncated)) if truncated else result
        if sitemap is None:
            return
        if not sitemap.is_index:
            yield from self._with_links(result, sitemap.links, source, *truncated)
            return
        if depth >= self.max_sitemap_depth:
            self.logger.warning("sitemap %s: nested deeper than %d, not followed", response.url, depth)
            return
        for link in sitemap.links:
            key = "sitemap:" + canonicalize(link.url)
            if in_domains(link.url, source.allowed_domains) and self.first_sight(key):
                yield self._request(link.url, source, self.parse_sitemap, depth=depth + 1)

    async def parse_article(
        self, response: Response, source: Source, listed_date: str | None = None
    ) -> AsyncIterator[Any]:
        # the expensive part (extraction) runs in a worker process: see crawler.components.offload
        yield await self.pages.result(
            page_of(response),
            source=source.name,
            kind="article",
            now=_now(),
            listed_date=listed_date,
            overrides=source.override_map,
        )

    def on_error(self, failure: Failure) -> Iterator[FetchResult]:
        result = error_result(failure, stats=self.crawler.stats, now=_now())
        if result is not None:
            yield result


_KINDS = {
    "parse_listing": "listing",
    "parse_feed": "feed",
    "parse_sitemap": "sitemap",
    "parse_article": "article",
}


def _now() -> datetime:
    return datetime.now(UTC)
