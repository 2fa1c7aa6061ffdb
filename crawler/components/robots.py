"""robots.txt as RFC 9309 says: a server error means "complete disallow", not "allow everything".

:class:`RobotsMiddleware` replaces Scrapy's ``RobotsTxtMiddleware`` (``DOWNLOADER_MIDDLEWARES``
priority 100, the same place). What robots.txt answers decides for every request to that host
(scheme, host and port, as Scrapy keys it):

- 2xx: its rules (Scrapy's ``ROBOTSTXT_PARSER``); a disallowed request is dropped unrecorded, as before.
- 4xx other than 429 (RFC 9309 "unavailable" status): no rules, everything allowed.
- 5xx or 429, or no answer at all (timeout, connection refused or reset, TLS failure) (RFC 9309
  "unreachable" status): complete disallow. Every request to the host fails with :class:`RobotsUnreachable`,
  recorded as ``transient`` with the reason ``robots:unreachable`` (never evidence of removal), until
  robots.txt answers again: it is asked again once ``MORGUE_ROBOTS_RETRY`` seconds (default 300) have
  passed since the failed answer, at the next request for that host.
- a failed DNS lookup (no such name, a DNS server failure), or the host's address refused by the
  address policy (:mod:`crawler.components.addresses`): no rules. No connection can be made to a
  host without an address, so nothing is sent against the site's rules; the page's own request fails
  the same way and is recorded with its precise reason (``net:nxdomain``, ``address:private``...).
  robots.txt is asked again after ``MORGUE_ROBOTS_RETRY`` seconds, in case the host came back.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object
from twisted.internet.defer import Deferred

from crawler.components.addresses import DNS_FAILURES, AddressRefused

logger = logging.getLogger(__name__)



class RobotsUnreachable(IgnoreRequest):
    """robots.txt of the request's host answered 5xx/429 or not at all: complete disallow (RFC 9309)."""

    morgue_kind = "robots-unreachable"


class _Unreachable:
    """The decision "complete disallow" for a host (until robots.txt is asked again)."""

    def __init__(self, why: str) -> None:
        self.why = why


class RobotsMiddleware:
    DOWNLOAD_PRIORITY = 1000  # robots.txt goes before the pages waiting for it

    def __init__(self, crawler: Any) -> None:
        settings = crawler.settings
        if not settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.useragent = settings.get("ROBOTSTXT_USER_AGENT") or None
        self.default_useragent = settings.get("USER_AGENT")
        self.retry_after = settings.getfloat("MORGUE_ROBOTS_RETRY", 300.0)
        self.parser_class = load_object(settings.get("ROBOTSTXT_PARSER"))
        build_from_crawler(self.parser_class, crawler, b"")  # fails now if the parser's library is missing
        # netloc -> parser | None (allow all) | _Unreachable | Deferred while robots.txt is being fetched
        self.decisions: dict[str, Any] = {}
        self.ask_again: dict[str, float] = {}  # netloc -> when (monotonic) to ask a robots.txt that did not answer

    @classmethod
    def from_crawler(cls, crawler: Any) -> RobotsMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt") or not request.url.startswith(("http:", "https:")):
            return
        decision = await self.decision(request)
        if isinstance(decision, _Unreachable):
            self.crawler.stats.inc_value("morgue/robots_unreachable")
            raise RobotsUnreachable(f"{decision.why}: complete disallow until it answers again (RFC 9309)")
        if decision is None:
            return
        useragent = self.useragent or request.headers.get(b"User-Agent", self.default_useragent)
        if not decision.allowed(request.url, useragent):
            self.crawler.stats.inc_value("robotstxt/forbidden")
            raise IgnoreRequest("Forbidden by robots.txt")

    async def decision(self, request: Request) -> Any:
        """The parser of the host's robots.txt, None (allow all) or :class:`_Unreachable` (disallow all)."""
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc in self.ask_again and time.monotonic() >= self.ask_again[netloc]:
            del self.decisions[netloc], self.ask_again[netloc]  # time to ask again
        if netloc not in self.decisions:
            fetching: Deferred[Any] = Deferred()
            self.decisions[netloc] = fetching
            try:
                decision, lasting = await self._fetch(f"{url.scheme}://{netloc}/robots.txt")
            except Exception as exc:  # the requests waiting for it must not hang
                logger.exception("robots.txt of %s: cannot decide: complete disallow", netloc)
                decision, lasting = _Unreachable(f"robots.txt unreadable: {exc}"[:500]), False
            self.decisions[netloc] = decision
            if not lasting:
                self.ask_again[netloc] = time.monotonic() + self.retry_after
            fetching.callback(decision)  # the requests that waited for it
            return decision
        known = self.decisions[netloc]
        if isinstance(known, Deferred):
            waiting: Deferred[Any] = Deferred()
            known.addCallback(lambda result: (waiting.callback(result), result)[1])
            return await maybe_deferred_to_future(waiting)
        return known

    async def _fetch(self, robots_url: str) -> tuple[Any, bool]:
        """(the decision, whether it lasts the whole run: not when robots.txt did not answer)."""
        stats = self.crawler.stats
        request = Request(
            robots_url, priority=self.DOWNLOAD_PRIORITY, meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK
        )
        stats.inc_value("robotstxt/request_count")
        try:
            response: Response = await self.crawler.engine.download_async(request)
        except Exception as exc:  # any failure is an answer about robots.txt
            name = type(exc).__name__
            stats.inc_value(f"robotstxt/exception_count/{type(exc)}")
            refused_host = getattr(exc, "host", None) if isinstance(exc, AddressRefused) else None
            if name in DNS_FAILURES or refused_host == urlparse_cached(request).hostname:
                return None, False  # the host itself cannot be reached: the page's own request says why
            logger.warning("robots.txt %s unreachable (%s: %s): complete disallow", robots_url, name, exc)
            return _Unreachable(f"robots.txt unreachable: {name}: {exc}"[:500]), False
        stats.inc_value("robotstxt/response_count")
        stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        if response.status >= 500 or response.status == 429:
            logger.warning("robots.txt %s answered %d: complete disallow", robots_url, response.status)
            return _Unreachable(f"robots.txt answered {response.status}"), False
        if response.status >= 400:
            return None, True
        return build_from_crawler(self.parser_class, self.crawler, response.body), True
