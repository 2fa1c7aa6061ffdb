"""Scrapy's side of the page pipeline: a response becomes a plain :class:`Page` for
:func:`crawler.page.pipeline.page_result`; a failure (no response) becomes its observation.
No I/O beyond reading the response already in memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.components.dns import failure_reason, refusal
from crawler.core.addresses import REFUSED_REASON
from crawler.core.items import FetchResult, Probe, Verdict
from crawler.core.urls import canonicalize
from crawler.page.extract import extract_article
from crawler.page.liveness import Observation, classify, page_signals
from crawler.page.pipeline import Page, page_result

FAILURE_KINDS = {
    "CannotResolveHostError": "dns",
    "DNSLookupError": "dns",
    "DownloadTimeoutError": "timeout",
    "TimeoutError": "timeout",
    "TCPTimedOutError": "timeout",
    "UserTimeoutError": "timeout",
    "DownloadConnectionRefusedError": "connection",
    "ConnectionRefusedError": "connection",
    "ConnectError": "connection",
    "ConnectionLost": "connection",
    "ConnectionDone": "connection",
    "ResponseNeverReceived": "connection",
    "ResponseFailed": "connection",
    "ResponseDataLossError": "truncated",
    "DownloadCancelledError": "cancelled",
    "SSLError": "tls",
    "Error": "tls",  # OpenSSL.SSL.Error
}
# failures that say nothing about the article: neither a removal nor a site failure of the kind liveness
# classifies (the address policy refused the connection; robots.txt is unreachable, RFC 9309: disallow)
NEUTRAL_FAILURES = {
    "address-private": (Verdict.BLOCKED, REFUSED_REASON),
    "robots-unreachable": (Verdict.TRANSIENT, "robots:unreachable"),
}
# what an empty exception message means
FAILURE_DETAILS = {
    "truncated": "the connection closed before the whole body arrived",
    "cancelled": "the download was cancelled",
    "connection": "the connection failed",
}


def failure_kind(exc: BaseException) -> str:
    """A short, stable name for why no response arrived."""
    kind = getattr(exc, "morgue_kind", None)  # crawler.components.guards' exceptions name themselves
    if isinstance(kind, str):
        return kind
    message = str(exc).lower()
    if "nxdomain:" in message:
        return "nxdomain"
    if "max redirections" in message:
        return "redirect-loop"
    if "max size" in message or "maxsize" in message:  # Scrapy's download and decompression limits
        return "too-large"
    name = type(exc).__name__
    if name == "Error" and type(exc).__module__.split(".")[0] != "OpenSSL":
        return "error"
    return FAILURE_KINDS.get(name, name)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def page_of(response: Response) -> Page:
    """The plain values :func:`page_result` needs of a Scrapy response."""
    return Page(
        url=response.url,
        status=response.status,
        body=response.body,
        is_text=isinstance(response, TextResponse),
        content_type=_header(response, "Content-Type"),
        etag=_header(response, "ETag"),
        last_modified=_header(response, "Last-Modified"),
        redirect_chain=tuple(response.meta.get("redirect_urls", ())),
        warc=response.meta.get("morgue_warc"),  # set by crawler.components.warc.WarcMiddleware
    )


def response_result(response: Response, **kwargs: Any) -> FetchResult:
    """:func:`page_result` of a Scrapy response (same keyword arguments)."""
    return page_result(page_of(response), **kwargs)


def probe_result(response: Response, *, host: str, pattern: str, now: datetime) -> Probe:
    """The fingerprint of what the site answers for a URL that cannot exist."""
    text = title = None
    if isinstance(response, TextResponse) and 200 <= response.status < 300:
        try:
            html = response.text
        except (UnicodeDecodeError, LookupError):
            html = ""
        if html:
            text = extract_article(html, url=response.url, fetched_at=now).main_text
            title = page_signals(html).title
    chain = response.meta.get("redirect_urls", ())
    return Probe(
        url=chain[0] if chain else response.url,
        status=response.status,
        final_url=response.url,
        redirected=bool(chain),
        title=title,
        text=(text or "")[:20_000],
        host=host,
        pattern=pattern,
        fetched_at=now,
    )


def failure_result(
    url: str, failure: Failure, *, source: str, kind: str, now: datetime, redirect_chain: tuple[str, ...] = ()
) -> FetchResult:
    name = failure_kind(failure.value)
    host = urlsplit(url).hostname or ""
    if name == "dns":  # the resolver (crawler.components.dns) kept why the lookup failed
        why = failure_reason(host) or ""
        name = why if why in ("nxdomain", "address-private") else "dns"
    hops = [canonicalize(u) for u in (*redirect_chain, url)]
    if name == "redirect-loop" and len(set(hops)) == len(hops):  # no URL came back: a long chain, not a loop
        name = "too-many-redirects"
    detail = str(failure.value) or FAILURE_DETAILS.get(name, type(failure.value).__name__)
    if name == "address-private" and failure_kind(failure.value) == "dns":
        detail = refusal(host) or detail  # the endpoint's error only says the lookup gave nothing
    if name in NEUTRAL_FAILURES:
        verdict, reasons = NEUTRAL_FAILURES[name][0], NEUTRAL_FAILURES[name][1:]
    else:
        classified = classify(Observation(url=url, status=None, error=name))
        verdict, reasons = classified.verdict, classified.reasons
    return FetchResult(
        url=redirect_chain[0] if redirect_chain else url,
        source=source,
        kind=kind,
        fetched_at=now,
        verdict=verdict,
        reasons=reasons,
        redirect_chain=redirect_chain,
        error=f"{name}: {detail}"[:2000],
    )


def error_result(failure: Failure, *, stats: Any, now: datetime) -> FetchResult | None:
    """The observation of a request that got no response; None when robots.txt forbade it (never fetched).

    A request that robots.txt could not decide on (5xx, unreachable: :mod:`crawler.components.robots`) is
    recorded, ``transient``: the site is not answering as it should, which says nothing about the article.
    """
    request = failure.request  # type: ignore[attr-defined]
    named = getattr(failure.value, "morgue_kind", None) is not None  # morgue's own refusals name themselves
    if "robots.txt" in str(failure.value) and not named:
        stats.inc_value("morgue/robots_forbidden")
        return None
    stats.inc_value(f"morgue/fetch_errors/{type(failure.value).__name__}")
    return failure_result(
        request.url,
        failure,
        source=request.meta.get("morgue_source", ""),
        kind=request.meta.get("morgue_kind", "article"),
        now=now,
        redirect_chain=tuple(request.meta.get("redirect_urls", ())),
    )
