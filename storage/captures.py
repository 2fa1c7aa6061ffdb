"""The archive's pointers to its raw captures (WARC records), and re-extraction of stored captures.

- :func:`current_captures`: the WARC record of each article's current version, which a crawl
  hands to its WARC writer so that a 304 or an identical body becomes a ``revisit`` record of it
  (:mod:`crawler.components.warc`).
- :func:`apply_extraction`: new extracted fields for a current version, written in place (never a
  new version), each changed field recorded as an ``article_events`` row of kind ``reextract``
  whose verdict names the field. The extraction itself is the caller's (``morgue reextract``,
  :mod:`crawler.app.reextract`): storage never imports the crawler.

Functions never commit: the caller frames the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.core.items import Article as ArticleItem
from crawler.core.items import WarcRef
from storage import models
from storage.archive import content_hash, version_values

REEXTRACT_EVENT = "reextract"
# the fields re-extraction may change: every extracted field but the URL (which says where it was fetched)
FIELDS = (
    "title", "lead", "body", "section", "tags", "authors", "images", "published_at", "published_raw",
    "published_source", "modified_at", "modified_raw", "modified_source", "language", "site_name",
    "is_paywalled", "access", "access_evidence", "body_complete", "alternative_titles",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class CurrentCapture:
    """The current version of one article and where its raw capture is."""

    article_id: int
    version_id: int
    source: str
    canonical_url: str  # the article's own URL
    url: str  # the URL the version was fetched from (after redirects)
    first_seen_at: datetime  # when the capture was fetched
    published_at: datetime | None
    published_raw: str | None
    published_source: str | None  # "feed": the date came from a feed or sitemap, not from the page
    ref: WarcRef


def current_captures(
    session: Session, *, sources: tuple[str, ...] = (), since: datetime | None = None
) -> list[CurrentCapture]:
    """The current version of every article of ``sources`` (all when empty) that has a WARC record;
    with ``since``, only versions first seen then or later."""
    V = models.ArticleVersion  # noqa: N806 - a table alias
    latest = (
        select(V.article_id.label("article_id"), func.max(V.number).label("number")).group_by(V.article_id).subquery()
    )
    q = (
        select(
            V.article_id,
            V.id,
            models.Source.name,
            models.Article.canonical_url,
            V.url,
            V.first_seen_at,
            V.published_at,
            V.published_raw,
            V.published_source,
            V.warc_file,
            V.warc_offset,
            V.warc_length,
        )
        .join(latest, (latest.c.article_id == V.article_id) & (latest.c.number == V.number))
        .join(models.Article, models.Article.id == V.article_id)
        .join(models.Source, models.Source.id == models.Article.source_id)
        .where(V.warc_file.is_not(None), V.warc_offset.is_not(None), V.warc_length.is_not(None))
        .order_by(V.article_id)
    )
    if sources:
        q = q.where(models.Source.name.in_(sources))
    if since is not None:
        q = q.where(V.first_seen_at >= since)
    return [
        CurrentCapture(
            article_id=row.article_id,
            version_id=row.id,
            source=row.name,
            canonical_url=row.canonical_url,
            url=row.url,
            first_seen_at=row.first_seen_at,
            published_at=row.published_at,
            published_raw=row.published_raw,
            published_source=row.published_source,
            ref=WarcRef(row.warc_file, row.warc_offset, row.warc_length),
        )
        for row in session.execute(q.execution_options(yield_per=5000))
    ]


def apply_extraction(session: Session, version_id: int, item: ArticleItem, *, now: datetime) -> tuple[str, ...]:
    """Write the fields of ``item`` (a new extraction of the version's own capture) over version
    ``version_id``; returns the names of the fields that changed, each recorded as a ``reextract``
    event at ``now``. The content hash follows the fields, so the next crawl of the same page finds
    it unchanged. No new version, whatever changed."""
    version = session.get(models.ArticleVersion, version_id)
    if version is None:
        raise LookupError(f"no version {version_id}")
    values = version_values(item)
    changed = tuple(name for name in FIELDS if _differs(getattr(version, name), values[name]))
    for name in changed:
        setattr(version, name, values[name])
        session.add(models.ArticleEvent(article_id=version.article_id, kind=REEXTRACT_EVENT, verdict=name, at=now))
    if changed:
        version.content_hash = content_hash(item)
        article = session.get(models.Article, version.article_id)
        if article is not None and "access" in changed and item.access is not None:
            article.access = item.access
    return changed


def _differs(stored: Any, new: Any) -> bool:
    if isinstance(stored, list | tuple) or isinstance(new, list | tuple):
        return list(stored or []) != list(new or [])
    return stored != new
