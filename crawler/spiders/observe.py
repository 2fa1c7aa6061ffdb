"""Turn a Scrapy response or failure into a :class:`FetchResult`: observation ->
liveness verdict -> (alive articles only) normalised article. No I/O beyond reading the
response already in memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.dns import failure_reason
from crawler.extract import extract_article
from crawler.items import FetchResult, Probe
from crawler.liveness import Known, Observation, classify, page_signals
from crawler.normalize import parse_datetime

HTML_TYPES = ("text/html", "application/xhtml+xml")
EVIDENCE_BYTES = 256 * 1024

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


def failure_kind(exc: BaseException) -> str:
    """A short, stable name for why no response arrived."""
    message = str(exc)
    if "nxdomain:" in message:
        return "nxdomain"
    if "max redirections" in message:
        return "redirect-loop"
    if "max size" in message or "maxsize" in message:
        return "too-large"
    name = type(exc).__name__
    if name == "Error" and type(exc).__module__.split(".")[0] != "OpenSSL":
        return "error"
    return FAILURE_KINDS.get(name, name)


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def response_result(
    response: Response,
    *,
    source: str,
    kind: str,
    now: datetime,
    listed_date: str | None = None,
    error: str | None = None,
    known: Known | None = None,
    overrides: Mapping[str, str] | None = None,
) -> FetchResult:
    """One response → :class:`FetchResult`: the observation, its verdict and, for alive article pages, the
    article (``overrides``: the source's per-field selectors, see :func:`crawler.extract.extract_article`)."""
    chain = tuple(response.meta.get("redirect_urls", ()))
    requested = chain[0] if chain else response.url
    content_type = _header(response, "Content-Type")
    html: str | None = None
    if isinstance(response, TextResponse) and (
        content_type is None or content_type.split(";")[0].strip().lower() in HTML_TYPES
    ):
        try:
            html = response.text
        except (UnicodeDecodeError, LookupError) as exc:  # a charset Python does not know
            error = error or f"undecodable body: {exc}"
    article = None
    if kind == "article" and html and 200 <= response.status < 300:
        article = extract_article(html, url=response.url, fetched_at=now, overrides=overrides)
    observation = Observation(
        url=requested,
        status=response.status,
        final_url=response.url,
        redirect_chain=chain,
        html=html if kind == "article" else None,
        body_length=len(response.body),
        headers={"content-type": content_type or ""},
    )
    verdict = classify(observation, main_text=article.main_text if article else None, known=known)
    if article is not None and verdict.verdict.is_alive and article.published_at is None and listed_date:
        published = parse_datetime(listed_date, not_after=now)
        if published is not None:
            article = replace(article, published_at=published, published_raw=listed_date, published_source="feed")
    reasons = verdict.reasons
    warc = response.meta.get("morgue_warc")  # a crawler.warc.WarcRef, set by the WARC middleware
    if kind == "article" and html is None and 200 <= response.status < 300:
        reasons = (*reasons, f"not-html:{(content_type or 'unknown').split(';')[0]}")
    return FetchResult(
        url=requested,
        source=source,
        kind=kind,
        fetched_at=now,
        verdict=verdict.verdict,
        reasons=reasons,
        final_url=response.url,
        status=response.status,
        redirect_chain=chain,
        content_type=content_type,
        body_sha256=hashlib.sha256(response.body).hexdigest(),
        error=error,
        article=article if verdict.verdict.is_alive else None,
        etag=_header(response, "ETag"),
        last_modified=_header(response, "Last-Modified"),
        evidence=response.body[:EVIDENCE_BYTES] if verdict.verdict.is_dead else None,
        warc_file=warc.file if warc else None,
        warc_offset=warc.offset if warc else None,
        warc_length=warc.length if warc else None,
    )


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
    if name == "dns":
        name = {"nxdomain": "nxdomain"}.get(failure_reason(urlsplit(url).hostname or "") or "", "dns")
    verdict = classify(Observation(url=url, status=None, error=name))
    return FetchResult(
        url=redirect_chain[0] if redirect_chain else url,
        source=source,
        kind=kind,
        fetched_at=now,
        verdict=verdict.verdict,
        reasons=verdict.reasons,
        redirect_chain=redirect_chain,
        error=f"{name}: {failure.value}"[:2000],
    )
