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

from crawler.core.items import DEAD_VERDICTS, Probe, WarcRef
from crawler.core.urls import canonicalize
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
    "access",
    "body_complete",
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
    accesses: tuple[str, ...] = ()  # free | metered | subscription | registration, as last seen
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
    """Articles with their current version, filtered by ``f``, newest first."""
    q = filtered_query(f)
    when = func.coalesce(models.ArticleVersion.published_at, models.Article.first_seen_at)
    q = q.order_by(when.desc(), models.Article.id.desc())
    if f.limit is not None:
        q = q.limit(f.limit)
    return q


def filtered_query(f: ArticleFilter) -> Select[Any]:
    """``(Article, ArticleVersion, source name, version count)`` rows for the current version of
    each article matching ``f`` (all but ``limit``), unordered: for :mod:`storage.search` too."""
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
    if f.accesses:
        q = q.where(func.coalesce(models.Article.access, V.access).in_(f.accesses))
    when = func.coalesce(V.published_at, models.Article.first_seen_at)
    if f.since is not None:
        q = q.where(when >= f.since)
    if f.until is not None:
        q = q.where(when < f.until)
    return q


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def article_record(article: models.Article, v: models.ArticleVersion, source: str, versions: int) -> dict[str, Any]:
    """The export record of ``article`` at version ``v`` (see ``EXPORT_FIELDS``)."""
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
        "access": article.access or v.access,
        "body_complete": v.body_complete,
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
        yield article_record(article, version, source, versions)


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
    record = article_record(article, latest, article.source.name, len(versions))
    record["aliases"] = sorted(u.url for u in article.urls)
    record["version_history"] = [
        {
            "number": v.number,
            "first_seen_at": v.first_seen_at,
            "last_seen_at": v.last_seen_at,
            "title": v.title,
            "content_hash": v.content_hash,
            "words": len((v.body or "").split()),
            "warc_file": v.warc_file,
            "warc_offset": v.warc_offset,
            "warc_length": v.warc_length,
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


def warc_records(session: Session, f: ArticleFilter) -> list[tuple[str, int, int]]:
    """``(file, offset, length)`` of the WARC response records of every fetch of the articles
    matching ``f`` (their versions and their removal evidence), oldest first."""
    ids = filtered_query(f).with_only_columns(models.Article.id)
    q = (
        select(models.Fetch.warc_file, models.Fetch.warc_offset, models.Fetch.warc_length)
        .where(models.Fetch.article_id.in_(ids), models.Fetch.warc_file.is_not(None))
        .order_by(models.Fetch.fetched_at, models.Fetch.id)
    )
    return [(file, offset, length) for file, offset, length in session.execute(q)]


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
    lead: str | None = None  # the lead alone (liveness reads the body apart from it)
    etag: str | None
    last_modified: str | None
    status: str
    warc: WarcRef | None = None  # the latest version's WARC record (a 304 or same body becomes a revisit of it)


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
        select(
            models.Article,
            V.url,
            V.title,
            V.lead,
            V.body,
            V.warc_file,
            V.warc_offset,
            V.warc_length,
            models.Source.name,
        )
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
            lead=lead,
            etag=a.etag,
            last_modified=a.last_modified,
            status=a.status,
            warc=WarcRef(file, offset, length) if file and offset is not None and length is not None else None,
        )
        for a, url, title, lead, body, file, offset, length, source in session.execute(q)
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class KnownUrl:
    url: str  # a canonicalised URL that leads to an archived article (its own or an alias)
    last_seen_at: datetime  # the article's last alive observation
    status: str
    etag: str | None  # the article's validators, only when ``url`` is its canonical URL
    last_modified: str | None


def known_urls(session: Session, *, sources: tuple[str, ...] = ()) -> list[KnownUrl]:
    """Every URL of the archived articles of ``sources`` (all when empty), with what an
    incremental crawl needs: when each was last seen alive and its HTTP validators."""
    q = (
        select(
            models.ArticleUrl.url,
            models.Article.canonical_url,
            models.Article.last_seen_at,
            models.Article.status,
            models.Article.etag,
            models.Article.last_modified,
        )
        .join(models.Article, models.Article.id == models.ArticleUrl.article_id)
        .join(models.Source, models.Source.id == models.Article.source_id)
    )
    if sources:
        q = q.where(models.Source.name.in_(sources))
    return [
        KnownUrl(
            url=url,
            last_seen_at=seen,
            status=status,
            etag=etag if url == canonical else None,
            last_modified=modified if url == canonical else None,
        )
        for url, canonical, seen, status, etag, modified in session.execute(q.execution_options(yield_per=5000))
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


RUN_FIELDS = (
    "id",
    "kind",
    "status",
    "started_at",
    "finished_at",
    "seconds",
    "pages_fetched",
    "articles_new",
    "articles_updated",
    "dead_found",
    "errors",
    "host",
    "pid",
    "message",
    "command",
)


def list_runs(session: Session, *, limit: int | None = 20) -> list[dict[str, Any]]:
    """Crawl and re-check runs, newest first."""
    q = select(models.CrawlRun).order_by(models.CrawlRun.id.desc())
    if limit is not None:
        q = q.limit(limit)
    out = []
    for run in session.scalars(q):
        record = {name: getattr(run, name, None) for name in RUN_FIELDS if name != "seconds"}
        end = run.finished_at or run.heartbeat_at
        record["seconds"] = round((end - run.started_at).total_seconds(), 1) if end else None
        out.append(record)
    return out


SINK_MIN_URLS = 5


def redirect_sinks(session: Session, *, min_urls: int = SINK_MIN_URLS) -> frozenset[str]:
    """Final URLs where redirects of at least ``min_urls`` different archived articles ended
    (a "sink": a search page, a section, a generic landing page), canonicalised."""
    q = (
        select(models.Fetch.final_url, func.count(func.distinct(models.Fetch.article_id)))
        .where(
            models.Fetch.article_id.is_not(None),
            models.Fetch.final_url.is_not(None),
            models.Fetch.final_url != models.Fetch.url,
        )
        .group_by(models.Fetch.final_url)
        .having(func.count(func.distinct(models.Fetch.article_id)) >= min_urls)
    )
    return frozenset(canonicalize(url) for url, _ in session.execute(q))
