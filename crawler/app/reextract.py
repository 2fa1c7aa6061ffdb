"""Re-extraction: the current extractor over the archive's stored captures, without fetching.

:func:`reextract` reads the raw capture (WARC record) of each article's current version, extracts
the article again (:func:`crawler.page.extract.extract_article`, with the source's selector
overrides from the config) and writes the fields that changed over that version
(:func:`storage.captures.apply_extraction`): recorded as ``reextract`` events, never as a new
content version. So an improved extractor reaches the whole archive. Versions are written in
batches, one transaction each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from crawler.components.warc import WarcDirError, read_capture
from crawler.core.items import Article
from crawler.page.extract import extract_article
from crawler.page.pipeline import HTML_TYPES, decode_body, sniff_binary
from storage.captures import CurrentCapture, apply_extraction, current_captures

BATCH = 200  # versions per transaction


@dataclass(slots=True)
class ReextractReport:
    captures: int = 0  # current versions with a capture
    changed: int = 0  # versions (articles) with at least one changed field
    fields: Counter[str] = field(default_factory=Counter)  # field -> articles where it changed
    unreadable: list[str] = field(default_factory=list)  # "url: why" for captures that could not be read


def reextract(
    session_factory: Any,
    warc_dir: str | Path,
    *,
    now: datetime,
    sources: tuple[str, ...] = (),
    since: datetime | None = None,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
) -> ReextractReport:
    """Re-extract the current version of every article of ``sources`` (all when empty) whose
    capture was fetched on or after ``since``; ``overrides``: source name -> its field selectors."""
    overrides = overrides or {}
    with session_factory() as session:
        captures = current_captures(session, sources=sources, since=since)
    report = ReextractReport(captures=len(captures))
    for start in range(0, len(captures), BATCH):
        items: list[tuple[CurrentCapture, Article]] = []
        for capture in captures[start : start + BATCH]:
            try:
                item = extract_capture(warc_dir, capture, overrides.get(capture.source))
            except (OSError, WarcDirError, ValueError, LookupError) as exc:
                report.unreadable.append(f"{capture.canonical_url}: {exc}")
                continue
            if item is None:
                report.unreadable.append(f"{capture.canonical_url}: not an HTML page")
                continue
            items.append((capture, item))
        with session_factory.begin() as session:
            for capture, item in items:
                changed = apply_extraction(session, capture.version_id, item, now=now)
                if changed:
                    report.changed += 1
                    report.fields.update(changed)
    return report


def extract_capture(
    warc_dir: str | Path, capture: CurrentCapture, overrides: Mapping[str, str] | None = None
) -> Article | None:
    """The article in one stored capture, as a crawl would extract it now (None: not an HTML page)."""
    _, original, payload = read_capture(warc_dir, capture.ref)
    content_type = original.http_headers.get_header("Content-Type") if original.http_headers else None
    if content_type and content_type.split(";")[0].strip().lower() not in HTML_TYPES:
        return None
    if sniff_binary(payload):
        return None
    html = decode_body(payload, content_type)
    item = extract_article(html, url=capture.url, fetched_at=capture.first_seen_at, overrides=overrides)
    # the pipeline's own fallback: a page without a date keeps the date its feed or sitemap gave
    if item.published_at is None and capture.published_at is not None and capture.published_source == "feed":
        item = replace(
            item,
            published_at=capture.published_at,
            published_raw=capture.published_raw,
            published_source="feed",
        )
    return item
