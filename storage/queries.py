"""The read side of the archive: find articles, show one, export records, list runs.

Records are plain dicts with aware UTC datetimes, ready for the CLI's formatters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from crawler.items import DEAD_VERDICTS, Probe
from crawler.urls import canonicalize
from storage import models

EXPORT_FIELDS = (
    "url",
    "canonical_url",
    "source",
    "status",
    "title",
    "lead",
    "body",
    "section",
    "tags",
    "authors",
    "published_at",
    "modified_at",
    "language",
    "images",
    "site_name",
    "is_paywalled",
    "first_seen_at",
    "last_seen_at",
    "last_checked_at",
    "versions",
    "removed_at",
    "removal_reason",
    "last_verdict",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArticleFilter:
    text: str | None = None  # substring of title, lead or body (case-insensitive)
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    since: datetime | None = None  # published (or first seen) at or after
    until: datetime | None = None  # published (or first seen) before
    limit: int | None = None


def _latest_numbers() -> Any:
    return (
        select(
            models.ArticleVersion.article_id.label("article_id"),
            func.max(models.ArticleVersion.number).label("number"),
            func.count(models.ArticleVersion.id).label("versions"),
        )
        .group_by(models.ArticleVersion.article_id)
        .subquery()
    )


def _base_query(f: ArticleFilter) -> Select[Any]:
    latest = _latest_numbers()
    V = models.ArticleVersion  # noqa: N806 - a table alias
    q = (
        select(models.Article, V, models.Source.name, latest.c.versions)
        .join(models.Source, models.Source.id == models.Article.source_id)
        .join(latest, latest.c.article_id == models.Article.id)
        .join(V, (V.article_id == models.Article.id) & (V.number == latest.c.number))
    )
    if f.text:
        like = f"%{_escape_like(f.text.lower())}%"
        q = q.where(
            or_(
                func.lower(V.title).like(like, escape="\\"),
                func.lower(V.lead).like(like, escape="\\"),
                func.lower(V.body).like(like, escape="\\"),
            )
        )
    if f.sources:
        q = q.where(models.Source.name.in_(f.sources))
    if f.statuses:
        q = q.where(models.Article.status.in_(f.statuses))
    when = func.coalesce(V.published_at, models.Article.first_seen_at)
    if f.since is not None:
        q = q.where(when >= f.since)
    if f.until is not None:
        q = q.where(when < f.until)
    q = q.order_by(when.desc(), models.Article.id.desc())
    if f.limit is not None:
        q = q.limit(f.limit)
    return q


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _record(article: models.Article, v: models.ArticleVersion, source: str, versions: int) -> dict[str, Any]:
    return {
        "url": v.url,
        "canonical_url": article.canonical_url,
        "source": source,
        "status": article.status,
        "title": v.title,
        "lead": v.lead,
        "body": v.body,
        "section": v.section,
        "tags": list(v.tags or []),
        "authors": [a.get("name") for a in (v.authors or [])],
        "published_at": v.published_at,
        "modified_at": v.modified_at,
        "language": v.language,
        "images": list(v.images or []),
        "site_name": v.site_name,
        "is_paywalled": v.is_paywalled,
        "first_seen_at": article.first_seen_at,
        "last_seen_at": article.last_seen_at,
        "last_checked_at": article.last_checked_at,
        "versions": versions,
        "removed_at": article.removed_at,
        "removal_reason": article.removal_reason,
        "last_verdict": article.last_verdict,
    }


def find_articles(session: Session, f: ArticleFilter) -> list[dict[str, Any]]:
    """Articles matching ``f``, newest first, as export records."""
    return list(iter_articles(session, f))


def iter_articles(session: Session, f: ArticleFilter) -> Iterator[dict[str, Any]]:
    """Like :func:`find_articles`, streamed (for exports of the whole archive)."""
    for article, version, source, versions in session.execute(_base_query(f).execution_options(yield_per=500)):
        yield _record(article, version, source, versions)


def get_article(session: Session, url: str) -> models.Article | None:
    """The article ``url`` (any variant of it) leads to."""
    key = canonicalize(url)
    return session.scalar(
        select(models.Article)
        .outerjoin(models.ArticleUrl, models.ArticleUrl.article_id == models.Article.id)
        .where(or_(models.Article.canonical_url == key, models.ArticleUrl.url == key))
        .limit(1)
    )


def article_detail(session: Session, url: str) -> dict[str, Any] | None:
    """One article with all its versions and its fetch history, or None."""
    article = get_article(session, url)
    if article is None:
        return None
    versions = list(article.versions)
    latest = versions[-1]
    record = _record(article, latest, article.source.name, len(versions))
    record["aliases"] = sorted(u.url for u in article.urls)
    record["version_history"] = [
        {
            "number": v.number,
            "first_seen_at": v.first_seen_at,
            "last_seen_at": v.last_seen_at,
            "title": v.title,
            "content_hash": v.content_hash,
            "words": len((v.body or "").split()),
        }
        for v in versions
    ]
    fetches = session.scalars(
        select(models.Fetch).where(models.Fetch.article_id == article.id).order_by(models.Fetch.fetched_at)
    )
    record["fetches"] = [
        {
            "fetched_at": x.fetched_at,
            "url": x.url,
            "final_url": x.final_url,
            "status": x.status,
            "verdict": x.verdict,
            "reasons": list(x.reasons or []),
            "redirect_chain": list(x.redirect_chain or []),
            "error": x.error,
        }
        for x in fetches
    ]
    return record


def dead_fetches(session: Session, *, run_id: int | None = None) -> list[dict[str, Any]]:
    """Fetches with a removal-type verdict (latest first), optionally of one run."""
    q = select(models.Fetch).where(models.Fetch.verdict.in_([v.value for v in DEAD_VERDICTS]))
    if run_id is not None:
        q = q.where(models.Fetch.run_id == run_id)
    return [
        {
            "url": x.url,
            "status": x.status,
            "verdict": x.verdict,
            "reasons": list(x.reasons or []),
            "final_url": x.final_url,
            "fetched_at": x.fetched_at,
        }
        for x in session.scalars(q.order_by(models.Fetch.fetched_at.desc(), models.Fetch.id.desc()))
    ]


def run_summary(session: Session, run_id: int) -> dict[str, Any] | None:
    run = session.get(models.CrawlRun, run_id)
    if run is None:
        return None
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "pages_fetched": run.pages_fetched,
        "articles_new": run.articles_new,
        "articles_updated": run.articles_updated,
        "dead_found": run.dead_found,
        "errors": run.errors,
        "message": run.message,
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class DueArticle:
    url: str  # where it was last seen alive (latest version's URL)
    source: str
    title: str | None
    text: str  # lead and body of the latest version
    etag: str | None
    last_modified: str | None
    status: str


def due_for_recheck(
    session: Session,
    *,
    now: datetime,
    limit: int | None = None,
    sources: tuple[str, ...] = (),
    everything: bool = False,
) -> list[DueArticle]:
    """Articles whose next check is due (all of them with ``everything``), most overdue first."""
    latest = _latest_numbers()
    V = models.ArticleVersion  # noqa: N806 - a table alias
    q = (
        select(models.Article, V.url, V.title, V.lead, V.body, models.Source.name)
        .join(models.Source, models.Source.id == models.Article.source_id)
        .join(latest, latest.c.article_id == models.Article.id)
        .join(V, (V.article_id == models.Article.id) & (V.number == latest.c.number))
    )
    if not everything:
        q = q.where(or_(models.Article.next_check_at.is_(None), models.Article.next_check_at <= now))
    if sources:
        q = q.where(models.Source.name.in_(sources))
    q = q.order_by(models.Article.next_check_at.asc(), models.Article.id)
    if limit is not None:
        q = q.limit(limit)
    return [
        DueArticle(
            url=url,
            source=source,
            title=title,
            text="\n\n".join(part for part in (lead, body) if part),
            etag=a.etag,
            last_modified=a.last_modified,
            status=a.status,
        )
        for a, url, title, lead, body, source in session.execute(q)
    ]


def fresh_probes(session: Session, *, now: datetime) -> dict[tuple[str, str], Probe]:
    """Cached site probes that have not expired, by (host, directory)."""
    rows = session.scalars(select(models.SiteProbe).where(models.SiteProbe.expires_at > now))
    return {
        (r.host, r.pattern): Probe(
            url=r.url,
            status=r.status,
            final_url=r.final_url,
            redirected=r.redirected,
            title=r.title,
            text=r.text,
            host=r.host,
            pattern=r.pattern,
            fetched_at=r.fetched_at,
        )
        for r in rows
    }


def latest_versions(session: Session, article_ids: list[int]) -> dict[int, models.ArticleVersion]:
    """The newest version of each article in ``article_ids``."""
    if not article_ids:
        return {}
    latest = _latest_numbers()
    V = models.ArticleVersion  # noqa: N806 - a table alias
    q = select(V).join(latest, (latest.c.article_id == V.article_id) & (latest.c.number == V.number))
    return {v.article_id: v for v in session.scalars(q.where(V.article_id.in_(article_ids)))}
