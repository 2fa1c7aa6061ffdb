"""The commands that run jobs: crawl, worker, recheck, schedule."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click

from crawler.app.cli.base import (
    SOURCES,
    Interrupted,
    JobFailed,
    State,
    UsageFailure,
    pass_state,
    safe_url,
)
from crawler.app.cli.root import cli
from crawler.app.crawl_settings import CrawlOptions, crawl_overrides
from crawler.app.output import write_records
from crawler.config import ConfigError, Source

DELAY = click.option("--delay", type=float, help="Seconds between requests to a host (default: config delay, else 1).")
TIME_LIMIT = click.option("--time-limit", type=float, help="Stop gracefully after this many seconds.")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress.")
WARC_DIR = click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="Write every response to gzipped WARC files here (default: warc_dir of the config, "
    "else beside a SQLite archive: morgue.db -> morgue-warc/).",
)
CRAWL_IDLE = 30.0  # seconds a distributed `morgue crawl` waits on an empty queue before it ends


def job_settings(
    state: State, delay: float | None, verbose: bool, time_limit: float | None, warc_dir: str | None
) -> dict[str, Any]:
    """The Scrapy settings of a job: the configuration and these options, through
    :func:`crawler.app.crawl_settings.crawl_overrides` (the one place they are made)."""
    options = CrawlOptions(
        delay=delay,
        verbose=verbose,
        quiet=state.quiet,
        log_file=state.log_file,
        time_limit=time_limit,
        progress=sys.stderr.isatty(),
        warc_dir=prepared_warc_dir(state, warc_dir),
    )
    return crawl_overrides(state.config, options)


def prepared_warc_dir(state: State, warc_dir: str | None) -> str | None:
    """The WARC folder from --warc-dir, the config or the default beside a SQLite archive, checked
    and created (None: no captures; see :func:`no_captures_warning`)."""
    from crawler.components.warc import WarcDirError, prepare_warc_dir

    directory = state.warc_folder(warc_dir)
    if not directory:
        return None
    try:
        path = prepare_warc_dir(directory)
    except WarcDirError as exc:
        where = "--warc-dir" if warc_dir else "config: warc_dir" if state.config.warc_dir else "default warc_dir"
        raise UsageFailure(f"{where}: {exc}") from None
    return str(path)


def no_captures_warning(state: State, overrides: dict[str, Any]) -> str | None:
    """A PostgreSQL archive without ``warc_dir`` keeps no raw captures: said on stderr after every run
    (after, so that a job that cannot start says only why; ``warc_dir = ""`` says it is meant)."""
    if "MORGUE_WARC_DIR" in overrides or state.config.warc_dir is not None or state.quiet:
        return None
    return (
        "warning: no raw captures (WARC) are kept: this archive is not a SQLite file, so set "
        'warc_dir = "/path/to/warc" in the config (or warc_dir = "" to keep none without this warning)'
    )


def run_job(state: State, run: Callable[[], Any], what: str, overrides: dict[str, Any] | None = None) -> None:
    """Run a crawl or re-check, map its outcome to an exit code, print the one-line summary (and, with
    the job's ``overrides``, the warning that no captures are kept, when none are)."""
    from crawler.app.runner import RunNotClosedError

    try:
        summary = run()
    except RunNotClosedError as exc:  # the job ran, the database went away before its end was recorded
        raise JobFailed(f"database: {exc}") from None
    if not summary.run:  # the run's row could not be read back (the database went away at the end)
        problem = summary.stats.get("morgue/database_error") or f"finish reason: {summary.finish_reason}"
        raise JobFailed(f"{what}: the run's record could not be read: {problem}")
    status = summary.run.get("status")
    warning = no_captures_warning(state, overrides) if overrides is not None else None
    if warning:
        click.echo(warning, err=True)
    if not state.quiet or status != "succeeded":
        print_run(summary.run, err=status != "succeeded")
    if status == "interrupted":
        raise Interrupted(summary.run.get("message") or f"{what} interrupted")
    if status != "succeeded":
        raise JobFailed(summary.run.get("message") or f"{what} failed")


def print_run(run: dict[str, Any], *, err: bool = False) -> None:
    elapsed = (run["finished_at"] - run["started_at"]).total_seconds() if run.get("finished_at") else 0.0
    rate = run["pages_fetched"] / elapsed if elapsed else 0.0
    click.echo(
        f"{run['kind']} run {run['id']} {run['status']}: {run['pages_fetched']} pages fetched, "
        f"{run['articles_new']} new articles, {run['articles_updated']} updated, "
        f"{run['dead_found']} dead, {run['errors']} errors in {elapsed:.1f}s ({rate:.1f} pages/s)",
        err=err,
    )


def run_sources(
    state: State, sources: tuple[Source, ...], overrides: dict[str, Any], kind: str = "crawl", incremental: bool = True
) -> Any:
    from crawler.app.runner import run_crawl

    return run_crawl(
        database_url=state.database_url,
        sources=sources,
        overrides=overrides,
        kind=kind,
        policy=state.config.liveness,
        incremental=incremental,
    )


@cli.command()
@SOURCES
@DELAY
@VERBOSE
@click.option("--full", is_flag=True, help="Fetch every article again: no conditional requests, no date skipping.")
@WARC_DIR
@TIME_LIMIT
@click.option(
    "--enqueue", is_flag=True, help="Distributed mode: only push the seed requests to Redis for `morgue worker`s."
)
@pass_state
def crawl(
    state: State,
    sources: tuple[str, ...],
    delay: float | None,
    verbose: bool,
    full: bool,
    warc_dir: str | None,
    time_limit: float | None,
    enqueue: bool,
) -> None:
    """Crawl the configured sources: start pages, feeds and sitemaps.

    Incremental: archived articles are requested with If-None-Match / If-Modified-Since and
    skipped when their sitemap or feed date is not newer than when they were last seen.

    With a Redis URL (MORGUE_REDIS_URL or redis_url), the crawl is distributed: --enqueue only
    pushes the seeds (no lock taken) for `morgue worker` processes; without it, this process
    pushes them and works as one worker until the queue stays empty.

    Example: morgue crawl --source rfi --warc-dir warc
    """
    try:
        selected = state.config.select(sources)
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from None
    if not selected:
        raise UsageFailure("config: no [[sources]] to crawl (see examples/morgue.toml)")
    from crawler.components.distributed import redis_url

    url = redis_url(state.config)
    if enqueue and not url:
        raise UsageFailure("--enqueue: no Redis URL (set MORGUE_REDIS_URL or redis_url in morgue.toml)")
    if url:
        _enqueue(state, url, selected)
        if enqueue:
            return
    overrides = job_settings(state, delay, verbose, time_limit, warc_dir)
    if url:
        run_job(
            state,
            lambda: _work(state, url, overrides, idle_timeout=CRAWL_IDLE, kind="crawl", full=full),
            "crawl",
            overrides,
        )
        return
    run_job(state, lambda: run_sources(state, selected, overrides, incremental=not full), "crawl", overrides)


def _enqueue(state: State, url: str, sources: tuple[Source, ...]) -> None:
    from crawler.components.distributed import DistributedError, Keys, redis_prefix
    from crawler.spiders.worker import enqueue

    keys = Keys(redis_prefix())
    try:
        count = enqueue(url, keys, sources)
    except DistributedError as exc:
        raise UsageFailure(str(exc)) from None
    if not state.quiet:
        names = ", ".join(s.name for s in sources)
        click.echo(f"queued {count} seed requests ({names}) on {safe_url(url)} under {keys.prefix}:")


def _work(state: State, url: str, overrides: dict[str, Any], *, idle_timeout: float, kind: str, full: bool) -> Any:
    from crawler.app.runner import run_worker
    from crawler.components.distributed import DistributedError, Keys, redis_prefix

    try:
        return run_worker(
            database_url=state.database_url,
            sources=state.config.sources,
            redis_url=url,
            keys=Keys(redis_prefix()),
            idle_timeout=idle_timeout,
            policy=state.config.liveness,
            kind=kind,
            overrides=overrides,
            incremental=not full,
        )
    except DistributedError as exc:
        raise UsageFailure(str(exc)) from None


@cli.command()
@click.option(
    "--idle-timeout",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Exit once the queue has stayed empty (and this worker idle) this many seconds; 0: never.",
)
@DELAY
@VERBOSE
@click.option("--full", is_flag=True, help="No conditional requests, no date skipping.")
@WARC_DIR
@TIME_LIMIT
@pass_state
def worker(
    state: State,
    idle_timeout: float,
    delay: float | None,
    verbose: bool,
    full: bool,
    warc_dir: str | None,
    time_limit: float | None,
) -> None:
    """Distributed mode: take crawl requests from Redis and archive them.

    Needs MORGUE_REDIS_URL (or redis_url in morgue.toml) and scrapy-redis
    (pip install 'morgue[distributed]'). Any number of workers on any number of machines share
    one queue and write to one database (PostgreSQL); `morgue crawl --enqueue` pushes the seeds.
    Workers take no lock; each records a run of kind "worker".

    Example: MORGUE_REDIS_URL=redis://queue.internal:6379/0 morgue --db postgresql+psycopg://db.internal/morgue worker
    """
    from crawler.components.distributed import redis_url

    url = redis_url(state.config)
    if not url:
        raise UsageFailure("worker: no Redis URL (set MORGUE_REDIS_URL or redis_url in morgue.toml)")
    if not state.config.sources:
        raise UsageFailure("config: no [[sources]]: a worker needs the same morgue.toml as `crawl --enqueue`")
    overrides = job_settings(state, delay, verbose, time_limit, warc_dir)
    run_job(
        state,
        lambda: _work(state, url, overrides, idle_timeout=idle_timeout, kind="worker", full=full),
        "worker",
        overrides,
    )


@cli.command()
@click.option("--all", "everything", is_flag=True, help="Re-check every archived article, not only what is due.")
@SOURCES
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles.")
@DELAY
@VERBOSE
@WARC_DIR
@TIME_LIMIT
@pass_state
def recheck(
    state: State,
    everything: bool,
    sources: tuple[str, ...],
    limit: int | None,
    delay: float | None,
    verbose: bool,
    warc_dir: str | None,
    time_limit: float | None,
) -> None:
    """Fetch archived articles again and record which disappeared (with evidence).

    Without --all, only what is due: young articles often, old ones rarely, suspects at the
    confirmation interval of [liveness] (confirmations = 3, confirm_interval = "72h" by default).

    Example: morgue recheck --source rfi --limit 500
    """
    from crawler.app.runner import run_recheck

    overrides = job_settings(state, delay, verbose, time_limit, warc_dir)
    run_job(
        state,
        lambda: run_recheck(
            database_url=state.database_url,
            policy=state.config.liveness,
            sources=sources,
            limit=limit,
            everything=everything,
            overrides=overrides,
            config_sources=state.config.sources,
        ),
        "recheck",
        overrides,
    )


@cli.command()
@click.option("--list", "list_only", is_flag=True, help="Print each job and its next run time, then exit.")
@click.option("--run-now", multiple=True, metavar="JOB", help="Also run this job once right away (repeatable).")
@pass_state
def schedule(state: State, list_only: bool, run_now: tuple[str, ...]) -> None:
    """Run the crawl and re-check jobs of [schedule] in the foreground (APScheduler).

    Each run is a fresh `morgue crawl` / `morgue recheck` subprocess with the schedule's time
    limit; jobs and their next run times live in the archive database. SIGTERM or Ctrl-C
    stops the scheduler and, gracefully, the running job (its run is marked interrupted).

    Example: morgue schedule --list
    """
    import logging

    from crawler.app.schedule import build_scheduler, job_specs, job_table, serve

    config = state.config
    specs = job_specs(config)
    if not specs:
        raise UsageFailure("config: nothing to schedule (no [[sources]], or [schedule] crawl and recheck are off)")
    unknown = [j for j in run_now if j not in {s.id for s in specs}]
    if unknown:
        raise UsageFailure(f"--run-now: unknown job {unknown[0]!r} (jobs: {', '.join(s.id for s in specs)})")
    engine = state.engine()
    if list_only:
        write_records(
            job_table(config, engine, now=datetime.now(UTC)),
            "table",
            sys.stdout,
            columns=("job", "schedule", "next_run", "command"),
        )
        return
    logging.basicConfig(
        level=logging.WARNING if state.quiet else logging.INFO,
        filename=state.log_file,
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    config_path = str(config.path.resolve()) if config.path else None
    scheduler = build_scheduler(config, engine, database_url=state.database_url, config_path=config_path)
    if not state.quiet:
        click.echo(
            f"scheduler running ({len(specs)} jobs, {config.schedule.timezone}); Ctrl-C or SIGTERM stops it", err=True
        )
    serve(scheduler, run_now=run_now)
