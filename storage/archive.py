"""The write side of the archive. Functions take a session and never commit: the caller
frames the transaction (``with Session.begin() as session: record_fetch(session, ...)``).

``record_fetch`` stores one :class:`~crawler.core.items.FetchResult`: always a ``fetches`` row;
for an alive article, the article (found by any of its URL variants, or created) and a
new version only when the normalised content hash differs from the latest version.

What a hostile page puts in a result never makes the database refuse it (:func:`storable`):
NUL characters (PostgreSQL text cannot hold them) are removed, lone surrogates (not UTF-8)
become U+FFFD, and values longer than their column (PostgreSQL refuses them where SQLite
would not) are cut (Content-Type, fetch URLs) or left out (validators, URL variants).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from dataclasses import asdict, fields, is_dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crawler.core.items import Article as ArticleItem
from crawler.core.items import FetchResult, Probe
from crawler.core.lifecycle import Policy, UrlState, advance, next_check
from crawler.core.urls import MAX_URL_LENGTH, canonicalize
from storage import models

_SURROGATES = re.compile("[\ud800-\udfff]")


def _scrub(value: Any) -> Any:
    """``value`` with NUL characters removed and lone surrogates replaced, in every string it holds."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "")
        return _SURROGATES.sub("\ufffd", value) if _SURROGATES.search(value) else value
    if isinstance(value, tuple):
        return tuple(_scrub(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        changed = {}
        for f in fields(value):
            old = getattr(value, f.name)
            new = _scrub(old)
            if new is not old:
                changed[f.name] = new
        return replace(value, **changed) if changed else value
    return value


def storable(result: FetchResult) -> FetchResult:
    """``result`` as any database accepts it (see the module docstring); unchanged when it already is."""
    result = _scrub(result)
    changes: dict[str, Any] = {}
    if result.content_type and len(result.content_type) > 255:
        changes["content_type"] = result.content_type[:255]
    if result.etag and len(result.etag) > 255:  # a cut validator would be a wrong one
        changes["etag"] = None
    if result.last_modified and len(result.last_modified) > 64:
        changes["last_modified"] = None
    article = result.article
    if article is not None:
        if len(article.url) > MAX_URL_LENGTH or len(result.url) > MAX_URL_LENGTH:
            changes["article"] = None  # cannot be keyed by its URL: the fetch row says why
            changes["reasons"] = (*result.reasons, "url:too-long")
        elif article.canonical_url and len(canonicalize(article.canonical_url)) > MAX_URL_LENGTH:
            changes["article"] = replace(article, canonical_url=None)  # keyed by its own URL instead
        if article.language and len(article.language) > 8 and "article" not in changes:
            changes["article"] = replace(changes.get("article", article), language=None)
    return replace(result, **changes) if changes else result


def _clip_url(url: str | None) -> str | None:
    return url[:MAX_URL_LENGTH] if url else url


class Outcome(enum.StrEnum):
    NEW = "new"  # a new article
    UPDATED = "updated"  # a new version of a known article
    UNCHANGED = "unchanged"  # same content as the latest version
    DEAD = "dead"  # a removal-type verdict
    OTHER = "other"  # transient, blocked, or a non-article page


def content_hash(item: ArticleItem) -> str:
    """SHA-256 of the normalised content (not of fetch metadata like url or modified date)."""
    content = {
        "title": item.title,
        "lead": item.lead,
        "body": item.body,
        "section": item.section,
        "tags": list(item.tags),
        "authors": [a.name for a in item.authors],
        "images": [(i.url, i.caption, i.credit) for i in item.images],
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "language": item.language,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def get_or_create_source(session: Session, name: str, *, now: datetime) -> models.Source:
    """The source row named ``name`` (created when new); remembered for the rest of the session's
    transaction (sources are never deleted), so a batch of pages looks its source up once."""
    cache = session.info.setdefault("morgue_sources", {})
    source = cache.get(name)
    if source is not None and source in session:
        return source
    source = session.scalar(select(models.Source).where(models.Source.name == name))
    if source is None:
        source = models.Source(name=name, created_at=now)
        session.add(source)
        session.flush()
    cache[name] = source
    return source


def start_run(session: Session, *, kind: str, command: str | None, now: datetime) -> models.CrawlRun:
    run = models.CrawlRun(kind=kind, status="running", started_at=now, command=command)
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, *, status: str, now: datetime, message: str | None = None) -> None:
    run = session.get(models.CrawlRun, run_id)
    if run is None:
        return
    run.status = status
    run.finished_at = now
    run.message = message


def find_article(session: Session, urls: list[str]) -> models.Article | None:
    """The article that any of ``urls`` (canonicalised) already leads to."""
    keys = [canonicalize(u) for u in urls if u]
    if not keys:
        return None
    return session.scalar(
        select(models.Article)
        .join(models.ArticleUrl, models.ArticleUrl.article_id == models.Article.id)
        .where(models.ArticleUrl.url.in_(keys))
        .limit(1)
    )


def _link_urls(session: Session, article: models.Article, urls: list[str], *, new: bool = False) -> None:
    """Record ``urls`` as leading to ``article``; ``new``: no URL of them is recorded yet (the article was
    just created because none led anywhere), so the database need not be asked."""
    keys = {k for k in (canonicalize(u) for u in urls if u) if len(k) <= MAX_URL_LENGTH}
    known = set() if new else set(session.scalars(select(models.ArticleUrl.url).where(models.ArticleUrl.url.in_(keys))))
    for key in sorted(keys - known):
        session.add(models.ArticleUrl(url=key, article_id=article.id))


def version_values(item: ArticleItem) -> dict[str, Any]:
    return {
        "url": item.url,
        "title": item.title,
        "lead": item.lead,
        "body": item.body,
        "section": item.section,
        "tags": list(item.tags),
        "authors": [asdict(a) for a in item.authors],
        "images": [asdict(i) for i in item.images],
        "published_at": item.published_at,
        "published_raw": item.published_raw,
        "published_source": item.published_source,
        "modified_at": item.modified_at,
        "modified_raw": item.modified_raw,
        "modified_source": item.modified_source,
        "language": item.language,
        "site_name": item.site_name,
        "is_paywalled": item.is_paywalled,
        "access": item.access,
        "access_evidence": list(item.access_evidence),
        "body_complete": item.body_complete,
        "alternative_titles": list(item.alternative_titles),
    }


def latest_version(session: Session, article_id: int) -> models.ArticleVersion | None:
    return session.scalar(
        select(models.ArticleVersion)
        .where(models.ArticleVersion.article_id == article_id)
        .order_by(models.ArticleVersion.number.desc())
        .limit(1)
    )


def _store_article(
    session: Session, result: FetchResult, item: ArticleItem, source: models.Source
) -> tuple[models.Article, Outcome, models.ArticleVersion]:
    """The article ``item`` belongs to (found or created), what storing it did, and its latest version."""
    now = result.fetched_at
    urls = [item.canonical_url or "", item.url, result.url, result.final_url or ""]
    article = find_article(session, urls)
    outcome = Outcome.UNCHANGED
    if article is None:
        article = models.Article(
            source_id=source.id,
            canonical_url=canonicalize(item.canonical_url or item.url),
            status="alive",
            first_seen_at=now,
            last_seen_at=now,
            last_checked_at=now,
            last_verdict=result.verdict.value,
        )
        session.add(article)
        session.flush()
        outcome = Outcome.NEW
    _link_urls(session, article, urls, new=outcome is Outcome.NEW)
    digest = content_hash(item)
    latest = None if outcome is Outcome.NEW else latest_version(session, article.id)
    _note_access(session, article, item, now)
    if latest is not None and item.body_complete is False and latest.body_complete is not False:
        # a wall now hides what the archive holds whole: an access change, never a new (truncated) version
        latest.last_seen_at = max(latest.last_seen_at, now)
    elif latest is not None and latest.content_hash == digest:
        latest.last_seen_at = max(latest.last_seen_at, now)
        if latest.url != item.url and canonicalize(item.url) == article.canonical_url:
            # the article's own URL wins over an alias (AMP, tracking variant) that happened to be fetched first:
            # re-checks request the version's URL, with the validators of the article's own URL
            latest.url = item.url
    else:
        latest = models.ArticleVersion(
            article_id=article.id,
            number=(latest.number + 1) if latest else 1,
            content_hash=digest,
            first_seen_at=now,
            last_seen_at=now,
            warc_file=result.warc_file,
            warc_offset=result.warc_offset,
            warc_length=result.warc_length,
            **version_values(item),
        )
        session.add(latest)
        if outcome is not Outcome.NEW:
            outcome = Outcome.UPDATED
    article.last_seen_at = max(article.last_seen_at, now)
    return article, outcome, latest


def _note_access(session: Session, article: models.Article, item: ArticleItem, now: datetime) -> None:
    """Keep the article's current access; a change on an archived article is an ``access`` event
    (``"free->subscription"``), shown by ``morgue report changed``: never a removal."""
    new = item.access
    if new is None or new == article.access:
        return
    if article.access is not None:
        change = f"{article.access}->{new}"
        session.add(models.ArticleEvent(article_id=article.id, kind="access", verdict=change, at=now))
    article.access = new


def _state_of(article: models.Article) -> UrlState:
    return UrlState(
        status=article.status,
        removal_reason=article.removal_reason,
        streak=article.streak,
        last_counted_at=article.last_counted_at,
        suspect_since=article.suspect_since,
        removed_at=article.removed_at,
        transient_streak=article.transient_streak,
        transient_since=article.transient_since,
    )


def _apply_observation(
    session: Session,
    article: models.Article,
    result: FetchResult,
    fetch: models.Fetch,
    policy: Policy,
    current: models.ArticleVersion | None = None,
) -> None:
    """Advance the article's liveness state machine by one observation; record its events.
    ``current``: the article's latest version, when the caller has it (else it is looked up)."""
    if result.fetched_at < article.last_checked_at:
        return  # an older observation arriving late never overrides a newer one
    article.last_checked_at = result.fetched_at
    article.last_verdict = result.verdict.value
    if (
        result.verdict.is_alive
        and result.status != 304
        and canonicalize(result.final_url or result.url) == (article.canonical_url)
    ):  # validators of the article's own URL, not of an alias (AMP, tracking variant)
        article.etag, article.last_modified = result.etag, result.last_modified
    if current is None:
        current = latest_version(session, article.id)
    if result.verdict.is_alive:
        article.last_seen_at = max(article.last_seen_at, result.fetched_at)
        if result.status == 304 and current is not None:  # "not modified": the current version was seen again
            current.last_seen_at = max(current.last_seen_at, result.fetched_at)
    state, events = advance(_state_of(article), result.verdict, result.fetched_at, policy)
    article.status = state.status
    article.removal_reason = state.removal_reason
    article.streak = state.streak
    article.last_counted_at = state.last_counted_at
    article.suspect_since = state.suspect_since
    article.removed_at = state.removed_at
    article.transient_streak = state.transient_streak
    article.transient_since = state.transient_since
    article.next_check_at = next_check(
        state,
        url=article.canonical_url,
        published_at=current.published_at if current is not None else None,
        first_seen_at=article.first_seen_at,
        now=result.fetched_at,
        policy=policy,
    )
    for kind in events:
        session.add(
            models.ArticleEvent(
                article_id=article.id,
                fetch_id=fetch.id,
                kind=kind,
                verdict=result.verdict.value,
                at=result.fetched_at,
            )
        )


def record_fetch(
    session: Session, result: FetchResult, *, run_id: int | None = None, policy: Policy | None = None
) -> Outcome:
    """Store one fetch; returns what it did to the archive. Never commits."""
    result = storable(result)
    source = get_or_create_source(session, result.source, now=result.fetched_at)
    article: models.Article | None = None
    current: models.ArticleVersion | None = None
    outcome = Outcome.OTHER
    if result.kind == "article" and result.article is not None and result.verdict.is_alive:
        article, outcome, current = _store_article(session, result, result.article, source)
    else:
        article = find_article(session, [result.url])
        if result.verdict.is_dead:
            outcome = Outcome.DEAD
    fetch = models.Fetch(
        run_id=run_id,
        source_id=source.id,
        article_id=article.id if article is not None else None,
        kind=result.kind,
        url=_clip_url(result.url),
        final_url=_clip_url(result.final_url),
        redirect_chain=list(result.redirect_chain),
        status=result.status,
        verdict=result.verdict.value,
        reasons=list(result.reasons),
        error=result.error,
        content_type=result.content_type,
        body_sha256=result.body_sha256,
        etag=result.etag,
        last_modified=result.last_modified,
        fetched_at=result.fetched_at,
        evidence=result.evidence,
        warc_file=result.warc_file,
        warc_offset=result.warc_offset,
        warc_length=result.warc_length,
    )
    session.add(fetch)
    session.flush()
    if article is not None:
        _apply_observation(session, article, result, fetch, policy or Policy(), current)
    return outcome


def count_outcome(session: Session, run_id: int, outcome: Outcome, *, error: bool = False) -> None:
    """Add one outcome to the run's counters."""
    count_outcomes(session, run_id, [(outcome, error)])


def count_outcomes(session: Session, run_id: int, outcomes: list[tuple[Outcome, bool]]) -> None:
    """Add outcomes (each with whether its fetch failed) to the run's counters, in one update."""
    run = session.get(models.CrawlRun, run_id)
    if run is None or not outcomes:
        return
    run.pages_fetched += len(outcomes)
    run.errors += sum(1 for _, error in outcomes if error)
    run.articles_new += sum(1 for outcome, _ in outcomes if outcome is Outcome.NEW)
    run.articles_updated += sum(1 for outcome, _ in outcomes if outcome is Outcome.UPDATED)
    run.dead_found += sum(1 for outcome, _ in outcomes if outcome is Outcome.DEAD)


PROBE_TTL = timedelta(days=30)


def save_probe(session: Session, probe: Probe, *, ttl: timedelta = PROBE_TTL) -> None:
    """Store (or replace) the probe fingerprint of one host and directory, valid for ``ttl``."""
    if probe.fetched_at is None:
        raise ValueError("a probe needs its fetched_at time")
    existing = session.scalar(
        select(models.SiteProbe).where(models.SiteProbe.host == probe.host, models.SiteProbe.pattern == probe.pattern)
    )
    row = existing or models.SiteProbe(host=probe.host, pattern=probe.pattern)
    row.url, row.status, row.final_url, row.redirected = probe.url, probe.status, probe.final_url, probe.redirected
    row.title, row.text = probe.title, probe.text
    row.fetched_at, row.expires_at = probe.fetched_at, probe.fetched_at + ttl
    if existing is None:
        session.add(row)
