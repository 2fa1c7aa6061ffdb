"""Run one crawl or re-check in this process: open a crawl_runs row, run the spider with
Scrapy's CrawlerProcess, close the row with the outcome.

The Twisted reactor cannot restart, so call :func:`run_crawl` or :func:`run_recheck` once
per process (the CLI does; the scheduler starts a fresh ``morgue`` subprocess per run).
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.config import Source
from crawler.lifecycle import Policy
from crawler.spiders.news import NewsSpider
from crawler.spiders.recheck import RecheckSpider, Target
from storage.archive import finish_run, start_run
from storage.db import check_schema, make_engine, make_sessionmaker
from storage.queries import due_for_recheck, fresh_probes, run_summary


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
    with Session.begin() as session:
        run_id = start_run(session, kind=kind, command=command or shlex.join(sys.argv), now=datetime.now(UTC)).id
        kwargs = spider_kwargs(session) if callable(spider_kwargs) else spider_kwargs
    process = CrawlerProcess(crawl_settings(database_url, run_id, policy, overrides))
    crawler = process.create_crawler(spider)
    status, message, stats, reason = "failed", None, {}, "unknown"
    try:
        process.crawl(crawler, **kwargs)
        process.start()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        reason = str(stats.get("finish_reason", "unknown"))
        status = "succeeded" if reason == "finished" else "failed"
        message = None if status == "succeeded" else f"finish reason: {reason}"
        if stats.get("morgue/database_error"):
            message = f"database error: {stats['morgue/database_error']}"
    except KeyboardInterrupt:
        status, message, reason = "interrupted", "interrupted by the user", "interrupted"
    finally:
        with Session.begin() as session:
            finish_run(session, run_id, status=status, now=datetime.now(UTC), message=message)
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
) -> RunSummary:
    """Crawl ``sources`` into the archive; returns the run's counters and Scrapy's stats."""
    return _run(
        database_url=database_url,
        spider=NewsSpider,
        spider_kwargs={"sources": sources},
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
