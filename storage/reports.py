"""Reports over the archive: what was removed, when, how, with the evidence."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.core.items import DEAD_VERDICTS
from storage import models
from storage.queries import latest_versions

DEAD = [v.value for v in DEAD_VERDICTS]


@dataclass(frozen=True, slots=True, kw_only=True)
class RemovedReport:
    items: list[dict[str, Any]] = field(default_factory=list)  # one per removed article, newest first
    counts: list[dict[str, Any]] = field(default_factory=list)  # {source, reason, count}
    by_day: list[tuple[date, int]] = field(default_factory=list)  # removals per day (removed_at)


def removed_report(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    sources: tuple[str, ...] = (),
) -> RemovedReport:
    """Articles whose removal is confirmed (status ``removed``) in [since, until), with the
    evidence that confirmed it."""
    q = (
        select(models.Article, models.Source.name)
        .join(models.Source, models.Source.id == models.Article.source_id)
        .where(models.Article.status == "removed")
    )
    if since is not None:
        q = q.where(models.Article.removed_at >= since)
    if until is not None:
        q = q.where(models.Article.removed_at < until)
    if sources:
        q = q.where(models.Source.name.in_(sources))
    rows = session.execute(q.order_by(models.Article.removed_at.desc(), models.Article.id.desc())).all()
    versions = latest_versions(session, [a.id for a, _ in rows])
    items = []
    for article, source in rows:
        evidence = session.scalars(
            select(models.Fetch)
            .where(
                models.Fetch.article_id == article.id,
                models.Fetch.verdict.in_(DEAD),
                models.Fetch.fetched_at >= (article.suspect_since or article.removed_at),
            )
            .order_by(models.Fetch.fetched_at)
        ).all()
        version = versions.get(article.id)
        items.append(
            {
                "url": version.url if version else article.canonical_url,
                "canonical_url": article.canonical_url,
                "title": version.title if version else None,
                "source": source,
                "first_seen_at": article.first_seen_at,
                "last_seen_at": article.last_seen_at,
                "removed_at": article.removed_at,
                "reason": article.removal_reason,
                "evidence": [
                    {
                        "fetch_id": f.id,
                        "fetched_at": f.fetched_at,
                        "status": f.status,
                        "verdict": f.verdict,
                        "reasons": list(f.reasons or []),
                        "final_url": f.final_url,
                        "body_sha256": f.body_sha256,
                        "body_kept": f.evidence is not None,
                    }
                    for f in evidence
                ],
            }
        )
    counts = Counter((i["source"], i["reason"]) for i in items)
    per_day = Counter(i["removed_at"].date() for i in items if i["removed_at"])
    return RemovedReport(
        items=items,
        counts=[{"source": s, "reason": r, "count": n} for (s, r), n in sorted(counts.items())],
        by_day=sorted(per_day.items()),
    )
