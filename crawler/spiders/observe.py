"""Turn a Scrapy response or failure into a :class:`FetchResult`: observation ->
liveness verdict -> (alive articles only) normalised article. No I/O beyond reading the
response already in memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.dns import failure_reason
from crawler.extract import decode_html, extract_article
from crawler.guards import RefusedRedirect
from crawler.items import FetchResult, Probe
from crawler.liveness import Known, Observation, classify, page_signals
from crawler.normalize import parse_datetime
from crawler.urls import canonicalize
from crawler.warc import WarcRef

HTML_TYPES = ("text/html", "application/xhtml+xml")
EVIDENCE_BYTES = 256 * 1024
# binary bodies recognised by their first bytes, whatever their Content-Type claims
BINARY_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_BINARY_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])  # WHATWG "binary data bytes"
_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)

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
# what an empty exception message means
FAILURE_DETAILS = {
    "truncated": "the connection closed before the whole body arrived",
    "cancelled": "the download was cancelled",
    "connection": "the connection failed",
}


def failure_kind(exc: BaseException) -> str:
    """A short, stable name for why no response arrived."""
    kind = getattr(exc, "morgue_kind", None)  # crawler.guards' exceptions name themselves
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


def sniff_binary(body: bytes) -> str | None:
    """The media type of a binary body, from its magic number ("application/octet-stream" when more
    than a tenth of its first KiB are control bytes that text never holds); None for text. A page
    with a stray NUL character is still text."""
    head = body[:1024]
    for magic, media_type in BINARY_MAGIC:
        if head.startswith(magic):
            return media_type
    if not head.startswith(_TEXT_BOMS) and len(head.translate(None, _BINARY_BYTES)) < 0.9 * len(head):
        return "application/octet-stream"
    return None


def decode_body(body: bytes, content_type: str | None) -> str:
    """The page as text: valid UTF-8 wins, then the declared charsets, then a guess
    (:func:`crawler.extract.decode_html`), so a page whose charset lies still reads right."""
    declared = _CHARSET.search(content_type or "")
    return decode_html(body, declared.group(1) if declared else None)


@dataclass(frozen=True, slots=True)
class Page:
    """What :func:`page_result` needs of a response, as plain picklable values (a worker process
    classifies and extracts it: :mod:`crawler.offload`)."""

    url: str  # where the body came from (after redirects)
    status: int
    body: bytes
    is_text: bool  # Scrapy saw a text type (HTML, XML, plain text), not a binary one
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirect_chain: tuple[str, ...] = ()  # the URLs redirected from, first requested first
    warc: WarcRef | None = None

    @classmethod
    def of(cls, response: Response) -> Page:
        return cls(
            url=response.url,
            status=response.status,
            body=response.body,
            is_text=isinstance(response, TextResponse),
            content_type=_header(response, "Content-Type"),
            etag=_header(response, "ETag"),
            last_modified=_header(response, "Last-Modified"),
            redirect_chain=tuple(response.meta.get("redirect_urls", ())),
            warc=response.meta.get("morgue_warc"),  # set by crawler.warc.WarcMiddleware
        )


def response_result(response: Response, **kwargs: Any) -> FetchResult:
    """:func:`page_result` of a Scrapy response (same keyword arguments)."""
    return page_result(Page.of(response), **kwargs)


def page_result(
    page: Page,
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
    chain = page.redirect_chain
    requested = chain[0] if chain else page.url
    content_type = page.content_type
    html: str | None = None
    binary: str | None = None
    if page.is_text and (content_type is None or content_type.split(";")[0].strip().lower() in HTML_TYPES):
        binary = sniff_binary(page.body)
        try:
            html = None if binary else decode_body(page.body, content_type)
        except (UnicodeDecodeError, LookupError) as exc:  # a charset Python does not know
            error = error or f"undecodable body: {exc}"
    article = None
    if kind == "article" and html and 200 <= page.status < 300:
        article = extract_article(html, url=page.url, fetched_at=now, overrides=overrides)
    observation = Observation(
        url=requested,
        status=page.status,
        final_url=page.url,
        redirect_chain=chain,
        html=html if kind == "article" else None,
        body_length=len(page.body),
        headers={"content-type": content_type or ""},
    )
    verdict = classify(observation, main_text=article.main_text if article else None, known=known)
    if article is not None and verdict.verdict.is_alive and article.published_at is None and listed_date:
        published = parse_datetime(listed_date, not_after=now)
        if published is not None:
            article = replace(article, published_at=published, published_raw=listed_date, published_source="feed")
    reasons = verdict.reasons
    warc = page.warc
    if kind == "article" and html is None and 200 <= page.status < 300:
        reasons = (*reasons, f"not-html:{binary or (content_type or 'unknown').split(';')[0]}")
    return FetchResult(
        url=requested,
        source=source,
        kind=kind,
        fetched_at=now,
        verdict=verdict.verdict,
        reasons=reasons,
        final_url=page.url,
        status=page.status,
        redirect_chain=chain,
        content_type=content_type,
        body_sha256=hashlib.sha256(page.body).hexdigest(),
        error=error,
        article=article if verdict.verdict.is_alive else None,
        etag=page.etag,
        last_modified=page.last_modified,
        evidence=page.body[:EVIDENCE_BYTES] if verdict.verdict.is_dead else None,
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
    hops = [canonicalize(u) for u in (*redirect_chain, url)]
    if name == "redirect-loop" and len(set(hops)) == len(hops):  # no URL came back: a long chain, not a loop
        name = "too-many-redirects"
    detail = str(failure.value) or FAILURE_DETAILS.get(name, type(failure.value).__name__)
    verdict = classify(Observation(url=url, status=None, error=name))
    return FetchResult(
        url=redirect_chain[0] if redirect_chain else url,
        source=source,
        kind=kind,
        fetched_at=now,
        verdict=verdict.verdict,
        reasons=verdict.reasons,
        redirect_chain=redirect_chain,
        error=f"{name}: {detail}"[:2000],
    )


def error_result(failure: Failure, *, stats: Any, now: datetime) -> FetchResult | None:
    """The observation of a request that got no response; None when robots.txt forbade it (never fetched)."""
    request = failure.request  # type: ignore[attr-defined]
    if "robots.txt" in str(failure.value) and not isinstance(failure.value, RefusedRedirect):
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
