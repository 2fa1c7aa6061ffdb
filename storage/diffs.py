"""Versions compared: the unified diff of two versions of an article, and the report of
articles whose headline or text changed.

A version is one distinct normalised content (``storage.archive`` adds one only when the
content hash changes), so two versions always differ in something, though maybe only in
fields other than title, lead and body (section, authors, images, dates).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage import models
from storage.queries import get_article

DIFF_FIELDS = ("title", "lead", "body")


class DiffError(LookupError):
    """No such article or version, or nothing to compare; the message says which."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionDiff:
    url: str  # the article's canonical URL
    old: int  # version numbers compared
    new: int
    old_seen_at: datetime  # when each version was first seen
    new_seen_at: datetime
    title_changed: bool
    words_added: int
    words_removed: int
    diff: str  # unified diff of title, lead and body ("" when only other fields differ)


def _words(v: models.ArticleVersion) -> list[str]:
    return " ".join(getattr(v, f) or "" for f in DIFF_FIELDS).split()


def word_changes(old: list[str], new: list[str]) -> tuple[int, int]:
    """(words added, words removed) turning ``old`` into ``new``."""
    added = removed = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op in ("replace", "delete"):
            removed += i2 - i1
        if op in ("replace", "insert"):
            added += j2 - j1
    return added, removed


def unified_diff(old: models.ArticleVersion, new: models.ArticleVersion) -> str:
    """The unified diff of title, lead and body (one hunk set per field; lines = paragraphs)."""
    parts: list[str] = []
    for field in DIFF_FIELDS:
        a, b = (getattr(old, field) or "").splitlines(), (getattr(new, field) or "").splitlines()
        parts.extend(
            difflib.unified_diff(
                a,
                b,
                fromfile=f"v{old.number}/{field}",
                tofile=f"v{new.number}/{field}",
                fromfiledate=old.first_seen_at.isoformat(),
                tofiledate=new.first_seen_at.isoformat(),
                lineterm="",
            )
        )
    return "\n".join(parts) + ("\n" if parts else "")


def diff_versions(session: Session, url: str, old: int | None = None, new: int | None = None) -> VersionDiff:
    """Compare versions ``old`` and ``new`` of the article ``url`` leads to (default: the last two)."""
    article = get_article(session, url)
    if article is None:
        raise DiffError(f"no archived article for {url}")
    versions = {v.number: v for v in article.versions}
    numbers = sorted(versions)
    if old is None and new is None:
        if len(numbers) < 2:
            raise DiffError(f"{article.canonical_url} has only one version")
        old, new = numbers[-2], numbers[-1]
    elif old is None or new is None:
        raise DiffError("give both version numbers, or neither for the last two")
    for n in (old, new):
        if n not in versions:
            raise DiffError(f"{article.canonical_url} has no version {n} (versions: {', '.join(map(str, numbers))})")
    a, b = versions[old], versions[new]
    added, removed = word_changes(_words(a), _words(b))
    return VersionDiff(
        url=article.canonical_url,
        old=old,
        new=new,
        old_seen_at=a.first_seen_at,
        new_seen_at=b.first_seen_at,
        title_changed=(a.title or "") != (b.title or ""),
        words_added=added,
        words_removed=removed,
        diff=unified_diff(a, b),
    )


def changed_articles(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: tuple[str, ...] = (),
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Articles whose headline or text (title, lead, body) changed in a new version first seen
    on or after ``since``, or whose access changed then (``access_changed``: "free->subscription",
    a paywall going up or down is never a removal and never a new version), latest change first.

    Each record compares the version current before the period (the first version when
    ``since`` is None) with the current one: ``headline_changed``, ``words_added``,
    ``words_removed``, ``changes`` (new versions in the period), ``previous_title``. With
    ``until``, the archive is read as it stood then: later versions and access changes are left out.
    """
    V = models.ArticleVersion  # noqa: N806 - a table alias
    E = models.ArticleEvent  # noqa: N806 - a table alias
    changed = select(V.article_id).where(V.number > 1)
    access_events = select(E).where(E.kind == "access").order_by(E.at)
    if since is not None:
        changed = changed.where(V.first_seen_at >= since)
        access_events = access_events.where(E.at >= since)
    if until is not None:
        changed = changed.where(V.first_seen_at < until)
        access_events = access_events.where(E.at < until)
    access_changes: dict[int, list[models.ArticleEvent]] = defaultdict(list)
    for event in session.scalars(access_events):
        access_changes[event.article_id].append(event)
    q = (
        select(models.Article, models.Source.name)
        .join(models.Source, models.Source.id == models.Article.source_id)
        .where(or_(models.Article.id.in_(changed.distinct()), models.Article.id.in_(list(access_changes))))
    )
    if sources:
        q = q.where(models.Source.name.in_(sources))
    rows = session.execute(q).all()
    by_article: dict[int, list[models.ArticleVersion]] = defaultdict(list)
    ids = [a.id for a, _ in rows]
    for chunk in range(0, len(ids), 500):
        for v in session.scalars(select(V).where(V.article_id.in_(ids[chunk : chunk + 500])).order_by(V.number)):
            by_article[v.article_id].append(v)
    records = []
    for article, source in rows:
        versions = [v for v in by_article[article.id] if until is None or v.first_seen_at < until]
        if not versions:
            continue
        current = versions[-1]
        before = [v for v in versions if since is None or v.first_seen_at < since]
        baseline = before[-1] if before and since is not None else versions[0]
        in_period = [v for v in versions if v.number > baseline.number]
        added, removed = word_changes(_words(baseline), _words(current))
        headline_changed = (baseline.title or "") != (current.title or "")
        events = access_changes.get(article.id, [])
        if not (headline_changed or added or removed or events):
            continue  # only other fields changed (authors, images, section...)
        changed_at = max([*(e.at for e in events), current.first_seen_at]) if in_period else None
        changed_at = changed_at or (events[-1].at if events else current.first_seen_at)
        records.append(
            {
                "changed_at": changed_at,
                "source": source,
                "url": current.url,
                "canonical_url": article.canonical_url,
                "title": current.title,
                "previous_title": baseline.title,
                "headline_changed": headline_changed,
                "words_added": added,
                "words_removed": removed,
                "access_changed": ", ".join(e.verdict for e in events) or None,
                "changes": len(in_period),
                "from_version": baseline.number,
                "to_version": current.number,
                "versions": len(versions),
                "status": article.status,
            }
        )
    records.sort(key=lambda r: (r["changed_at"], r["canonical_url"]), reverse=True)
    return records[:limit] if limit is not None else records
