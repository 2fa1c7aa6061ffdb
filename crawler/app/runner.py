"""Run one crawl or re-check in this process: open a crawl_runs row, run the spider with
Scrapy's CrawlerProcess, close the row with the outcome.

The Twisted reactor cannot restart, so call :func:`run_crawl` or :func:`run_recheck` once
per process (the CLI does; the scheduler starts a fresh ``morgue`` subprocess per run).

Database trouble: before the crawl starts (unreachable, SQLite locked by another writer) it
is a :class:`~storage.db.DatabaseError` and nothing was crawled; at the end, closing the run
row is retried for :data:`FINISH_RETRY_SECONDS` (a restarting PostgreSQL, a writer holding
SQLite) before :class:`RunNotClosedError` (the row stays ``running`` until the next run marks
it ``interrupted``).
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from sqlalchemy.exc import OperationalError

from crawler.components.distributed import Keys, scrapy_settings
from crawler.config import Source, address_policy
from crawler.core.addresses import AddressPolicy
from crawler.core.lifecycle import Policy
from crawler.spiders.news import Archived, NewsSpider
from crawler.spiders.recheck import RecheckSpider, Target
from storage.archive import finish_run, start_run
from storage.captures import current_captures
from storage.db import DatabaseError, check_schema, explain, make_engine, make_sessionmaker
from storage.locks import acquire, bind_run, mark_interrupted
from storage.queries import due_for_recheck, fresh_probes, known_urls, redirect_sinks, run_summary

FINISH_RETRY_SECONDS = 60.0  # how long closing the run row is retried while the database is away


class RunNotClosedError(RuntimeError):
    """The run's row could not be closed: the database stayed away after the crawl ended."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    run: dict[str, Any]
    finish_reason: str
    stats: dict[str, Any]


def crawl_settings(
    database_url: str,
    run_id: int | None,
    policy: Policy,
    overrides: dict[str, Any] | None = None,
    addresses: AddressPolicy | None = None,
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("MORGUE_DATABASE_URL", database_url, priority="cmdline")
    settings.set("MORGUE_POLICY", policy, priority="cmdline")
    settings.set("MORGUE_ADDRESS_POLICY", addresses or AddressPolicy(), priority="cmdline")
    if run_id is not None:
        settings.set("MORGUE_RUN_ID", run_id, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def _stop_crawl(crawler: Any) -> None:
    """Close the crawl from another thread (the lock's heartbeat), like a database error does."""
    from scrapy.utils.defer import deferred_from_coro
    from twisted.internet import reactor

    def close() -> None:
        if crawler.engine is not None:
            deferred_from_coro(crawler.engine.close_spider_async(reason="lock_lost"))

    reactor.callFromThread(close)  # type: ignore[attr-defined]


def _run(
    *,
    database_url: str,
    spider: type[Any],
    spider_kwargs: dict[str, Any] | Any,
    kind: str,
    policy: Policy,
    addresses: AddressPolicy,
    overrides: dict[str, Any] | None,
    command: str | None,
    exclusive: bool = True,
) -> RunSummary:
    engine = make_engine(database_url)
    check_schema(engine)
    Session = make_sessionmaker(engine)  # noqa: N806 - a class factory
    # raises LockHeld: one run at a time per archive; distributed workers share the archive instead
    try:
        lock = acquire(engine) if exclusive else None
    except OperationalError as exc:
        raise DatabaseError(f"cannot take the archive's lock: {explain(exc)}") from None
    try:
        try:
            with Session.begin() as session:
                if lock is not None:
                    mark_interrupted(session, now=datetime.now(UTC))
                run = start_run(session, kind=kind, command=command or shlex.join(sys.argv), now=datetime.now(UTC))
                run.host, run.pid, run.heartbeat_at = socket.gethostname(), os.getpid(), run.started_at
                run_id = run.id
                kwargs = spider_kwargs(session) if callable(spider_kwargs) else spider_kwargs
            if lock is not None:
                bind_run(lock, run_id)
        except OperationalError as exc:
            raise DatabaseError(f"cannot record the run: {explain(exc)}") from None
        if lock is not None:
            lock.start_heartbeat()
        status, message, stats, reason = "failed", None, {}, "unknown"
        try:
            process = CrawlerProcess(crawl_settings(database_url, run_id, policy, overrides, addresses))
            crawler = process.create_crawler(spider)
            if lock is not None:
                lock.on_lost = lambda _why: _stop_crawl(crawler)
            process.crawl(crawler, **kwargs)
            process.start()
            stats = crawler.stats.get_stats() if crawler.stats else {}
            reason = str(stats.get("finish_reason", "unknown"))
            status = {"finished": "succeeded", "shutdown": "interrupted", "closespider_timeout": "interrupted"}.get(
                reason, "failed"
            )
            message = {
                "finished": None,
                "shutdown": "stopped by a signal (SIGTERM or Ctrl-C)",
                "closespider_timeout": "time limit reached",
            }.get(reason, f"finish reason: {reason}")
            if stats.get("morgue/database_error"):
                message = f"database error: {stats['morgue/database_error']}"
            if stats.get("morgue/warc_error"):
                message = f"cannot write WARC files: {stats['morgue/warc_error']}"
            if lock is not None and lock.lost:
                status, message = "failed", lock.lost
        except KeyboardInterrupt:
            status, message, reason = "interrupted", "interrupted by the user", "interrupted"
        finally:
            _finish(Session, run_id, status=status, message=message)
    finally:
        if lock is not None:
            lock.release()
    try:
        with Session() as session:
            summary = run_summary(session, run_id) or {}
    except OperationalError:  # the database went away after the run was closed: the caller says so
        summary = {}
    engine.dispose()
    return RunSummary(run=summary, finish_reason=reason, stats=stats)


def _finish(Session: Any, run_id: int, *, status: str, message: str | None) -> None:  # noqa: N803
    """Close the run's row, retrying while the database is unreachable or locked."""
    deadline = time.monotonic() + FINISH_RETRY_SECONDS
    pause = 0.5
    while True:
        try:
            with Session.begin() as session:
                finish_run(session, run_id, status=status, now=datetime.now(UTC), message=message)
            return
        except OperationalError as exc:
            if time.monotonic() >= deadline:
                raise RunNotClosedError(
                    f"run {run_id} ({status}{': ' + message if message else ''}) could not be recorded, the database "
                    f"stayed away for {FINISH_RETRY_SECONDS:g} s: {explain(exc)}; the next run marks it interrupted"
                ) from None
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def run_crawl(
    *,
    database_url: str,
    sources: tuple[Source, ...],
    policy: Policy | None = None,
    kind: str = "crawl",
    overrides: dict[str, Any] | None = None,
    command: str | None = None,
    incremental: bool = True,
) -> RunSummary:
    """Crawl ``sources`` into the archive; returns the run's counters and Scrapy's stats.

    ``incremental`` (the default): archived articles are requested conditionally, and skipped
    when their sitemap or feed date is not newer than when they were last seen alive.
    """

    return _run(
        database_url=database_url,
        spider=NewsSpider,
        spider_kwargs=_news_kwargs(sources, incremental),
        kind=kind,
        policy=policy or Policy(),
        addresses=address_policy(sources),
        overrides=overrides,
        command=command,
    )


def _news_kwargs(sources: tuple[Source, ...], incremental: bool) -> Any:
    def spider_kwargs(session: Any) -> dict[str, Any]:
        if not incremental:
            return {"sources": sources}
        names = tuple(s.name for s in sources)
        known = known_urls(session, sources=names)
        captures = {c.canonical_url: c.ref for c in current_captures(session, sources=names)}
        return {
            "sources": sources,
            "known": {
                k.url: Archived(
                    last_seen_at=k.last_seen_at,
                    status=k.status,
                    etag=k.etag,
                    last_modified=k.last_modified,
                    warc=captures.get(k.url),
                )
                for k in known
            },
        }

    return spider_kwargs


def run_worker(
    *,
    database_url: str,
    sources: tuple[Source, ...],
    redis_url: str,
    keys: Keys,
    idle_timeout: float = 60.0,
    policy: Policy | None = None,
    kind: str = "worker",
    overrides: dict[str, Any] | None = None,
    command: str | None = None,
    incremental: bool = True,
) -> RunSummary:
    """Take requests from the Redis queue until it stays empty for ``idle_timeout`` seconds.

    ``sources`` are the ones a queued request may name (all of the config). The run is recorded
    (kind ``worker``) without the archive's exclusive lock: any number of workers run at once.
    """
    from crawler.spiders.worker import WorkerSpider

    return _run(
        database_url=database_url,
        spider=WorkerSpider,
        spider_kwargs=_news_kwargs(sources, incremental),
        kind=kind,
        policy=policy or Policy(),
        addresses=address_policy(sources),
        overrides={**scrapy_settings(redis_url, keys, idle_timeout), **(overrides or {})},
        command=command,
        exclusive=False,
    )


def recheck_scope(config_sources: tuple[Source, ...]) -> tuple[dict[str, tuple[str, ...]], AddressPolicy]:
    """The scopes (source name -> allowed domains) and the address policy of a re-check, from the
    configuration's sources."""
    return {s.name: s.allowed_domains for s in config_sources}, address_policy(config_sources)


def run_recheck(
    *,
    database_url: str,
    policy: Policy | None = None,
    sources: tuple[str, ...] = (),
    limit: int | None = None,
    everything: bool = False,
    overrides: dict[str, Any] | None = None,
    command: str | None = None,
    config_sources: tuple[Source, ...] = (),
) -> RunSummary:
    """Re-check what is due (or ``everything``) and advance each article's removal state.

    ``config_sources`` (every source of the configuration) give the scopes (source name -> allowed
    domains: redirects out of them are not followed) and the private addresses allowed
    (``allow_private_addresses``, literal addresses the sources name)."""
    scopes, addresses = recheck_scope(config_sources)

    def targets(session: Any) -> dict[str, Any]:
        now = datetime.now(UTC)
        due = due_for_recheck(session, now=now, limit=limit, sources=sources, everything=everything)
        return {
            "targets": [
                Target(
                    url=d.url,
                    source=d.source,
                    archived_title=d.title,
                    archived_text=d.text,
                    archived_lead=d.lead,
                    etag=d.etag,
                    last_modified=d.last_modified,
                    warc=d.warc,
                )
                for d in due
            ],
            "probes": fresh_probes(session, now=now),
            "sinks": redirect_sinks(session),
            "scopes": scopes or {},
        }

    return _run(
        database_url=database_url,
        spider=RecheckSpider,
        spider_kwargs=targets,
        kind="recheck",
        policy=policy or Policy(),
        addresses=addresses,
        overrides=overrides,
        command=command,
    )
