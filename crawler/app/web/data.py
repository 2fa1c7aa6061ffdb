"""What the pages read that the storage layer does not already shape: the choices of the search
form, an article with the ids of its versions and fetches (for the capture links), and the
search itself with the section filter applied on top of ``storage``'s filters.

Read-only: nothing here writes or commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import models
from storage.queries import ArticleFilter, article_detail, article_record, filtered_query, find_articles, get_article
from storage.search import search_articles

PAGE_SIZE = 50
SECTION_POOL = 1000  # full-text matches the section filter looks through


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchForm:
    text: str = ""
    source: str = ""
    status: str = ""
    section: str = ""
    since: datetime | None = None
    until: datetime | None = None


def choices(session: Session) -> dict[str, list[str]]:
    """The sources and sections the search form offers."""
    sources = session.scalars(select(models.Source.name).order_by(models.Source.name)).all()
    sections = session.scalars(
        select(models.ArticleVersion.section)
        .where(models.ArticleVersion.section.is_not(None))
        .distinct()
        .order_by(models.ArticleVersion.section)
    ).all()
    return {"sources": list(sources), "sections": [s for s in sections if s]}


def search(session: Session, form: SearchForm, *, limit: int = PAGE_SIZE) -> list[dict[str, Any]]:
    """Full-text matches (best first, with snippets) or, without text, the newest articles;
    filtered by source, status, publication date and (current) section."""
    sources = (form.source,) if form.source else ()
    statuses = (form.status,) if form.status else ()
    if not form.text.strip():
        f = ArticleFilter(sources=sources, statuses=statuses, since=form.since, until=form.until, limit=limit)
        if not form.section:
            return find_articles(session, f)
        return _newest_in_section(session, f, form.section)
    # storage's search has no section filter: it is applied to the best SECTION_POOL matches
    rows = search_articles(
        session,
        form.text,
        sources=sources,
        statuses=statuses,
        since=form.since,
        until=form.until,
        limit=SECTION_POOL if form.section else limit,
    )
    if form.section:
        rows = [r for r in rows if r["section"] == form.section]
    return rows[:limit]


def _newest_in_section(session: Session, f: ArticleFilter, section: str) -> list[dict[str, Any]]:
    V = models.ArticleVersion  # noqa: N806 - a table alias
    when = func.coalesce(V.published_at, models.Article.first_seen_at)
    q = filtered_query(f).where(V.section == section).order_by(when.desc(), models.Article.id.desc()).limit(f.limit)
    return [article_record(*row) for row in session.execute(q)]


def article_page(session: Session, url: str) -> dict[str, Any] | None:
    """``storage.queries.article_detail`` plus, for the captures, the id and WARC pointer of each
    version and of each fetch (oldest first), and whether a fetch kept its body as evidence."""
    detail = article_detail(session, url)
    if detail is None:
        return None
    article = get_article(session, url)
    assert article is not None
    ids = {v.number: v.id for v in article.versions}
    for v in detail["version_history"]:
        v["id"] = ids[v["number"]]
    fetches = session.execute(
        select(
            models.Fetch.id,
            models.Fetch.fetched_at,
            models.Fetch.url,
            models.Fetch.final_url,
            models.Fetch.status,
            models.Fetch.verdict,
            models.Fetch.reasons,
            models.Fetch.redirect_chain,
            models.Fetch.error,
            models.Fetch.warc_file,
            models.Fetch.warc_offset,
            models.Fetch.evidence.is_not(None).label("has_evidence"),
        )
        .where(models.Fetch.article_id == article.id)
        .order_by(models.Fetch.fetched_at, models.Fetch.id)
    )
    detail["fetches"] = [
        {**row._asdict(), "reasons": list(row.reasons or []), "redirect_chain": list(row.redirect_chain or [])}
        for row in fetches
    ]
    detail["article_id"] = article.id
    return detail


def version_texts(session: Session, article_id: int) -> dict[int, dict[str, str]]:
    """Title, lead and body of every version of an article, by version number."""
    V = models.ArticleVersion  # noqa: N806 - a table alias
    rows = session.execute(select(V.number, V.title, V.lead, V.body).where(V.article_id == article_id))
    return {n: {"title": t or "", "lead": lead or "", "body": b or ""} for n, t, lead, b in rows}


@dataclass(frozen=True, slots=True, kw_only=True)
class CaptureRef:
    kind: str  # "version" | "fetch"
    id: int
    url: str | None
    fetched_at: datetime | None
    status: int | None
    warc_file: str | None
    warc_offset: int | None
    warc_length: int | None
    evidence: bytes | None  # the body kept in the database for a removal-type verdict
    content_type: str | None


def capture_ref(session: Session, kind: str, ident: int) -> CaptureRef | None:
    """Where the raw capture of a version or a fetch is (its WARC record, or the body kept)."""
    if kind == "version":
        v = session.get(models.ArticleVersion, ident)
        if v is None:
            return None
        return CaptureRef(
            kind=kind,
            id=ident,
            url=v.url,
            fetched_at=v.first_seen_at,
            status=200,
            warc_file=v.warc_file,
            warc_offset=v.warc_offset,
            warc_length=v.warc_length,
            evidence=None,
            content_type=None,
        )
    if kind == "fetch":
        f = session.get(models.Fetch, ident)
        if f is None:
            return None
        return CaptureRef(
            kind=kind,
            id=ident,
            url=f.final_url or f.url,
            fetched_at=f.fetched_at,
            status=f.status,
            warc_file=f.warc_file,
            warc_offset=f.warc_offset,
            warc_length=f.warc_length,
            evidence=f.evidence,
            content_type=f.content_type,
        )
    return None
