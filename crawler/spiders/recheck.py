"""The ``recheck`` spider: fetch archived article URLs again and classify what came back.

It is given its targets (what is due, chosen by ``storage.queries.due_for_recheck``) and
the cached site probes. For each host and directory without a fresh probe it first
fetches a random URL of the same shape (:mod:`crawler.page.probe`), yields it as a
:class:`~crawler.core.items.Probe` item, then re-checks that group's URLs against it. Requests
are conditional (``If-None-Match`` / ``If-Modified-Since``) when validators are known,
never retried (each attempt is its own observation) and never followed for links.
``scopes`` (source name -> allowed domains, from the config) keeps redirects in scope, as
in a crawl (:class:`crawler.components.guards.ScopeMiddleware`); a source missing from it is not checked.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.components.guards import SCOPE_KEY
from crawler.components.offload import PagePool
from crawler.components.warc import PRIOR_KEY
from crawler.core.items import FetchResult, Probe, WarcRef
from crawler.page.liveness import Known
from crawler.page.probe import probe_key, probe_url
from crawler.spiders.observe import error_result, page_of, probe_result


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One archived article to look at again."""

    url: str  # the URL to request (where it was last seen alive)
    source: str
    archived_title: str | None = None
    archived_text: str | None = None
    archived_lead: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    warc: WarcRef | None = None  # the current version's capture: a 304 or the same body is a revisit of it


class RecheckSpider(scrapy.Spider):
    name = "recheck"
    custom_settings = {  # noqa: RUF012 - Scrapy's API
        "RETRY_ENABLED": False,
        # a re-check follows no link: the spider middlewares that look after followed links only cost time
        "SPIDER_MIDDLEWARES": {
            "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
            "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
            "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
        },
    }

    def __init__(
        self,
        targets: list[Target] | tuple[Target, ...] = (),
        probes: dict[tuple[str, str], Probe] | None = None,
        sinks: frozenset[str] = frozenset(),
        seed: int | None = None,
        scopes: dict[str, tuple[str, ...]] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.scopes = dict(scopes or {})
        self.targets = tuple(targets)
        self.probes = dict(probes or {})
        self.sinks = frozenset(sinks)
        self.rng = random.Random(seed)
        self.pages = PagePool(processes=0)  # responses -> results; from_crawler gives it worker processes

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> RecheckSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.pages = PagePool.from_crawler(crawler)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        groups: dict[tuple[str, str], list[Target]] = defaultdict(list)
        for target in self.targets:
            groups[probe_key(target.url)].append(target)
        for key, targets in groups.items():
            if key in self.probes:
                for request in self._checks(targets):
                    yield request
            else:
                yield scrapy.Request(
                    probe_url(targets[0].url, self.rng),
                    callback=self.parse_probe,
                    errback=self.probe_failed,
                    cb_kwargs={"key": key, "targets": targets},
                    dont_filter=True,
                    priority=10,
                    meta={"morgue_probe": True},
                )

    def _checks(self, targets: list[Target]) -> Iterator[scrapy.Request]:
        for target in targets:
            headers = {}
            if target.etag:
                headers["If-None-Match"] = target.etag
            if target.last_modified:
                headers["If-Modified-Since"] = target.last_modified
            yield scrapy.Request(
                target.url,
                headers=headers,
                callback=self.parse_article,
                errback=self.on_error,
                cb_kwargs={"target": target},
                dont_filter=True,
                meta={
                    "morgue_source": target.source,
                    "morgue_kind": "article",
                    **({SCOPE_KEY: self.scopes[target.source]} if target.source in self.scopes else {}),
                    **({PRIOR_KEY: target.warc} if target.warc is not None else {}),
                },
            )

    def parse_probe(self, response: Response, key: tuple[str, str], targets: list[Target]) -> Iterator[Any]:
        probe = probe_result(response, host=key[0], pattern=key[1], now=_now())
        self.probes[key] = probe
        yield probe
        yield from self._checks(targets)

    def probe_failed(self, failure: Failure) -> Iterator[Any]:
        key, targets = failure.request.cb_kwargs["key"], failure.request.cb_kwargs["targets"]  # type: ignore[attr-defined]
        self.logger.info("probe for %s%s failed: %s", key[0], key[1], failure.value)
        yield from self._checks(targets)  # without a probe: the other rules still apply

    async def parse_article(self, response: Response, target: Target) -> AsyncIterator[FetchResult]:
        known = Known(
            archived_title=target.archived_title,
            archived_text=target.archived_text,
            archived_lead=target.archived_lead,
            probe=self.probes.get(probe_key(target.url)),
            sinks=self.sinks,
        )
        result = await self.pages.result(
            page_of(response), source=target.source, kind="article", now=_now(), known=known
        )
        if result.url != target.url:  # keep the requested URL as the key even after redirects
            result = replace(result, url=target.url)
        yield result

    def on_error(self, failure: Failure) -> Iterator[FetchResult]:
        result = error_result(failure, stats=self.crawler.stats, now=_now())
        if result is not None:
            yield result


def _now() -> datetime:
    return datetime.now(UTC)
