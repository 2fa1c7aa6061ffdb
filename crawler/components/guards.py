"""Downloader guards against hostile servers: two Scrapy downloader middlewares.

:class:`ScopeMiddleware` (``DOWNLOADER_MIDDLEWARES`` priority 50, before robots.txt is fetched)
refuses to follow a redirect (HTTP 3xx or meta refresh) to a host outside the source's
``allowed_domains`` (``request.meta["morgue_scope"]``, set by the spiders; a request without
it is not checked), or to a URL longer than :data:`crawler.core.urls.MAX_URL_LENGTH`. The
redirected request is never sent, not even its robots.txt: the request's errback gets
:class:`RefusedRedirect`, recorded as ``blocked`` with the reason ``redirect:out-of-scope`` or
``redirect:url-too-long`` (a neutral verdict: never evidence of removal). Scope is by host
name: a subdomain of an allowed domain is in scope, and so is the requested URL's own host
with or without ``www.`` (a site moving from ``www.x.org`` to ``x.org``); the port is not
part of it. Hosts are compared as names; where a name leads (a private address, DNS rebinding) is
the address policy's business (:mod:`crawler.components.addresses`, checked before the scope).

:class:`SizeLimitMiddleware` (priority 900) makes ``DOWNLOAD_MAXSIZE`` visible. When a body
without a Content-Length passes the limit, Scrapy cancels the download and reports a bare
cancellation; this middleware counts the bytes received for each request (signal
``bytes_received``) and turns that cancellation into :class:`ResponseTooLargeError` (recorded as
``too-large``, with the limit in the message). A request's ``download_maxsize`` meta wins.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from twisted.internet.defer import CancelledError

from crawler.core.urls import MAX_URL_LENGTH, host_of, in_domains

SCOPE_KEY = "morgue_scope"  # request.meta: the allowed domains of the request's source
RECEIVED_KEY = "morgue_received"  # request.meta: bytes received so far by this download


class RefusedRedirect(IgnoreRequest):
    """A redirect morgue did not follow; ``morgue_kind`` is ``out-of-scope`` or ``url-too-long``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.morgue_kind = kind


class ResponseTooLargeError(Exception):
    """The body passed the download size limit and was cut."""

    morgue_kind = "too-large"


class ScopeMiddleware:
    def process_request(self, request: Any) -> None:
        chain = request.meta.get("redirect_urls")
        if not chain:
            return None  # only redirects are checked: what the spider asks for is in scope by construction
        if len(request.url) > MAX_URL_LENGTH:
            raise RefusedRedirect(
                "url-too-long", f"redirect to a URL of {len(request.url)} characters (limit {MAX_URL_LENGTH})"
            )
        scope = request.meta.get(SCOPE_KEY)
        if scope is not None and not in_domains(request.url, scope) and not _same_site(chain[0], request.url):
            raise RefusedRedirect(
                "out-of-scope", f"redirect to {request.url[:300]} (allowed_domains: {', '.join(scope) or 'none'})"
            )
        return None


def _same_site(a: str, b: str) -> bool:
    """Same host, give or take a leading ``www.``."""
    return host_of(a).removeprefix("www.") == host_of(b).removeprefix("www.")


class SizeLimitMiddleware:
    def __init__(self, max_size: int) -> None:
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler: Any) -> SizeLimitMiddleware:
        middleware = cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))
        crawler.signals.connect(middleware.bytes_received, signal=signals.bytes_received)
        return middleware

    def bytes_received(self, data: bytes, request: Any, **_: Any) -> None:
        request.meta[RECEIVED_KEY] = request.meta.get(RECEIVED_KEY, 0) + len(data)

    def process_request(self, request: Any) -> None:
        request.meta[RECEIVED_KEY] = 0  # a retry or a redirect starts counting again
        return None

    def process_exception(self, request: Any, exception: BaseException) -> None:
        limit = request.meta.get("download_maxsize", self.max_size)
        received = request.meta.get(RECEIVED_KEY, 0)
        if limit and received > limit and isinstance(exception, DownloadCancelledError | CancelledError):
            raise ResponseTooLargeError(
                f"received {received} bytes, more than the limit of {limit} bytes (DOWNLOAD_MAXSIZE): download cut"
            ) from exception
        return None
