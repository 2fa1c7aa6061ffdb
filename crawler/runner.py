"""Run one crawl or re-check in this process: open a crawl_runs row, run the spider with
Scrapy's CrawlerProcess, close the row with the outcome.

The Twisted reactor cannot restart, so call :func:`run_crawl` or :func:`run_recheck` once
per process (the CLI does; the scheduler starts a fresh ``morgue`` subprocess per run).
"""

from __future__ import annotations

import os
import shlex
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import Source
from crawler.lifecycle import Policy
from crawler.spiders.news import Archived, NewsSpider
from crawler.spiders.recheck import RecheckSpider, Target
from storage.archive import finish_run, start_run
from storage.db import check_schema, make_engine, make_sessionmaker
from storage.locks import acquire, bind_run, mark_interrupted
from storage.queries import due_for_recheck, fresh_probes, known_urls, redirect_sinks, run_summary


@dataclass(frozen=True, slots=True)
class RunSummary:
    run: dict[str, Any]
    finish_reason: str
    stats: dict[str, Any]


def crawl_settings(
    database_url: str, run_id: int | None, policy: Policy, overrides: dict[str, Any] | None = None
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("MORGUE_DATABASE_URL", database_url, priority="cmdline")
    settings.set("MORGUE_POLICY", policy, priority="cmdline")
    if run_id is not None:
        settings.set("MORGUE_RUN_ID", run_id, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def _run(
    *,
    database_url: str,
    spider: type[Any],
    spider_kwargs: dict[str, Any] | Any,
    kind: str,
    policy: Policy,
    overrides: dict[str, Any] | None,
    command: str | None,
) -> RunSummary:
    engine = make_engine(database_url)
    check_schema(engine)
    Session = make_sessionmaker(engine)  # noqa: N806 - a class factory
    lock = acquire(engine)  # raises LockHeld: one run at a time per archive
    try:
        with Session.begin() as session:
            mark_interrupted(session, now=datetime.now(UTC))
            run = start_run(session, kind=kind, command=command or shlex.join(sys.argv), now=datetime.now(UTC))
            run.host, run.pid, run.heartbeat_at = socket.gethostname(), os.getpid(), run.started_at
            run_id = run.id
            kwargs = spider_kwargs(session) if callable(spider_kwargs) else spider_kwargs
        bind_run(lock, run_id)
        lock.start_heartbeat()
        status, message, stats, reason = "failed", None, {}, "unknown"
        try:
            process = CrawlerProcess(crawl_settings(database_url, run_id, policy, overrides))
            crawler = process.create_crawler(spider)
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
        except KeyboardInterrupt:
            status, message, reason = "interrupted", "interrupted by the user", "interrupted"
        finally:
            with Session.begin() as session:
                finish_run(session, run_id, status=status, now=datetime.now(UTC), message=message)
    finally:
        lock.release()
    with Session() as session:
        summary = run_summary(session, run_id) or {}
    engine.dispose()
    return RunSummary(run=summary, finish_reason=reason, stats=stats)


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

    def spider_kwargs(session: Any) -> dict[str, Any]:
        if not incremental:
            return {"sources": sources}
        known = known_urls(session, sources=tuple(s.name for s in sources))
        return {
            "sources": sources,
            "known": {
                k.url: Archived(
                    last_seen_at=k.last_seen_at, status=k.status, etag=k.etag, last_modified=k.last_modified
                )
                for k in known
            },
        }

    return _run(
        database_url=database_url,
        spider=NewsSpider,
        spider_kwargs=spider_kwargs,
        kind=kind,
        policy=policy or Policy(),
        overrides=overrides,
        command=command,
    )


def run_recheck(
    *,
    database_url: str,
    policy: Policy | None = None,
    sources: tuple[str, ...] = (),
    limit: int | None = None,
    everything: bool = False,
    overrides: dict[str, Any] | None = None,
    command: str | None = None,
) -> RunSummary:
    """Re-check what is due (or ``everything``) and advance each article's removal state."""

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
                    etag=d.etag,
                    last_modified=d.last_modified,
                )
                for d in due
            ],
            "probes": fresh_probes(session, now=now),
            "sinks": redirect_sinks(session),
        }

    return _run(
        database_url=database_url,
        spider=RecheckSpider,
        spider_kwargs=targets,
        kind="recheck",
        policy=policy or Policy(),
        overrides=overrides,
        command=command,
    )
