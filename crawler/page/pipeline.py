"""The page pipeline: one fetched response, as plain values, becomes one :class:`FetchResult`.

Pure: no I/O, no settings. The body is decoded once and, for 2xx article pages, parsed once: the
article is extracted from that tree, then liveness decides over the observation and the extracted
article, reading the page's title, h1 and wall markers from the same tree when the text is short or
the archive is compared
(docs/architecture.md, docs/liveness.md). Runs in the crawl process or in a page process
(:mod:`crawler.components.offload`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from crawler.core.items import FetchResult, WarcRef
from crawler.page.extract import decode_html, extract_article, parse_html
from crawler.page.liveness import Known, Observation, classify
from crawler.page.normalize import parse_datetime

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
    (:func:`crawler.page.extract.decode_html`), so a page whose charset lies still reads right."""
    declared = _CHARSET.search(content_type or "")
    return decode_html(body, declared.group(1) if declared else None)


@dataclass(frozen=True, slots=True)
class Page:
    """What :func:`page_result` needs of a response, as plain picklable values (a worker process
    classifies and extracts it: :mod:`crawler.components.offload`)."""

    url: str  # where the body came from (after redirects)
    status: int
    body: bytes
    is_text: bool  # Scrapy saw a text type (HTML, XML, plain text), not a binary one
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    redirect_chain: tuple[str, ...] = ()  # the URLs redirected from, first requested first
    warc: WarcRef | None = None


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
    article (``overrides``: the source's per-field selectors, see :func:`crawler.page.extract.extract_article`)."""
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
    tree = None  # a 2xx article page is parsed once: extraction and liveness read the same tree
    if kind == "article" and html and 200 <= page.status < 300:
        tree = parse_html(html)
        article = extract_article(html, url=page.url, fetched_at=now, overrides=overrides, tree=tree)
    observation = Observation(
        tree=tree,
        url=requested,
        status=page.status,
        final_url=page.url,
        redirect_chain=chain,
        html=html if kind == "article" else None,
        body_length=len(page.body),
        headers={"content-type": content_type or ""},
    )
    verdict = classify(observation, main_text=article.main_text if article else None, known=known, article=article)
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
