"""Run one crawl in this process: open a crawl_runs row, run the ``news`` spider with
Scrapy's CrawlerProcess, close the row with the outcome.

The Twisted reactor cannot restart, so call :func:`run_crawl` once per process (the CLI
does; the scheduler starts a fresh ``morgue crawl`` subprocess per run).
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
from crawler.spiders.news import NewsSpider
from storage.archive import finish_run, start_run
from storage.db import check_schema, make_engine, make_sessionmaker
from storage.queries import run_summary


@dataclass(frozen=True, slots=True)
class CrawlSummary:
    run: dict[str, Any]
    finish_reason: str
    stats: dict[str, Any]


def crawl_settings(
    database_url: str, run_id: int | None, overrides: dict[str, Any] | None = None
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("MORGUE_DATABASE_URL", database_url, priority="cmdline")
    if run_id is not None:
        settings.set("MORGUE_RUN_ID", run_id, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def run_crawl(
    *,
    database_url: str,
    sources: tuple[Source, ...],
    kind: str = "crawl",
    overrides: dict[str, Any] | None = None,
    command: str | None = None,
) -> CrawlSummary:
    """Crawl ``sources`` into the archive; returns the run's counters and Scrapy's stats."""
    engine = make_engine(database_url)
    check_schema(engine)
    Session = make_sessionmaker(engine)  # noqa: N806 - a class factory
    with Session.begin() as session:
        run_id = start_run(
            session, kind=kind, command=command or shlex.join(sys.argv), now=datetime.now(UTC)
        ).id
    process = CrawlerProcess(crawl_settings(database_url, run_id, overrides))
    crawler = process.create_crawler(NewsSpider)
    status, message = "failed", None
    try:
        process.crawl(crawler, sources=sources)
        process.start()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        reason = str(stats.get("finish_reason", "unknown"))
        status = "succeeded" if reason == "finished" else "failed"
        message = None if status == "succeeded" else f"finish reason: {reason}"
        if stats.get("morgue/database_error"):
            message = f"database error: {stats['morgue/database_error']}"
    except KeyboardInterrupt:
        status, message, stats, reason = "interrupted", "interrupted by the user", {}, "interrupted"
    finally:
        with Session.begin() as session:
            finish_run(session, run_id, status=status, now=datetime.now(UTC), message=message)
    with Session() as session:
        summary = run_summary(session, run_id) or {}
    engine.dispose()
    return CrawlSummary(run=summary, finish_reason=reason, stats=stats)
