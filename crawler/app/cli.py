"""The ``morgue`` command line: each command parses, calls one library function, formats.

Exit codes: 0 ok; 1 the job failed (crawl error, nothing found); 2 usage, config or
database error (one line on stderr naming the culprit); 3 another run holds the archive's
lock; 4 the run was interrupted (SIGTERM, Ctrl-C, time limit).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar

import click

from crawler.app.output import FORMATS, to_jsonable, write_records
from crawler.config import Config, ConfigError, Source, load_config, resolve_database_url
from storage.db import DatabaseError, make_engine, make_sessionmaker, upgrade
from storage.queries import EXPORT_FIELDS, ArticleFilter, article_detail, find_articles, iter_articles

F = TypeVar("F", bound=Callable[..., Any])
ARTICLE_STATUSES = ("alive", "suspect", "removed", "unreachable", "blocked")
ACCESSES = ("free", "metered", "subscription", "registration")
QUERY_COLUMNS = ("published_at", "source", "status", "language", "title", "url")
SEARCH_COLUMNS = ("published_at", "source", "status", "title", "snippet", "url")


@dataclass
class State:
    config_path: str | None
    db: str | None
    quiet: bool = False
    log_file: str | None = None
    _config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise UsageFailure(f"config: {exc}") from None
        return self._config

    @property
    def database_url(self) -> str:
        return resolve_database_url(self.db, self.config)

    def session_factory(self) -> Any:
        try:
            engine = make_engine(self.database_url)
        except DatabaseError as exc:
            raise UsageFailure(f"--db: {exc}") from None
        from storage.db import check_schema

        try:
            check_schema(engine)
        except DatabaseError as exc:
            raise UsageFailure(f"database: {exc}") from None
        return make_sessionmaker(engine)


class UsageFailure(click.ClickException):
    """A usage, config or database error: exit code 2."""

    exit_code = 2


pass_state = click.make_pass_decorator(State)


def _datetime(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise UsageFailure(f"{name}: not a date (use YYYY-MM-DD or an ISO 8601 datetime): {value!r}") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    envvar="MORGUE_CONFIG",
    type=click.Path(dir_okay=False),
    help="Config file (default: ./morgue.toml). Env: MORGUE_CONFIG.",
)
@click.option(
    "--db",
    envvar="MORGUE_DATABASE_URL",
    help="Database URL, e.g. sqlite:///morgue.db or postgresql+psycopg://user@host/db. Env: MORGUE_DATABASE_URL.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing on success (for cron); errors still go to stderr.")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Append the crawl's log to this file.")
@click.version_option(package_name="morgue")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db: str | None, quiet: bool, log_file: str | None) -> None:
    """morgue: a news archive that notices what disappears.

    \b
    Quick start:
      morgue demo                      # crawl a bundled sample site into morgue-demo.db
      morgue init                      # create or upgrade the schema
      morgue crawl                     # crawl the sources of morgue.toml
      morgue query "coalition" --format json
    """
    ctx.obj = State(config_path=config_path, db=db, quiet=quiet, log_file=log_file)


@cli.command()
@pass_state
def init(state: State) -> None:
    """Create or upgrade the database schema (idempotent).

    Example: morgue --db sqlite:///morgue.db init
    """
    try:
        revision = upgrade(make_engine(state.database_url))
    except DatabaseError as exc:
        raise UsageFailure(f"--db: {exc}") from None
    click.echo(f"database ready at revision {revision}: {_safe_url(state.database_url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _crawl_overrides(state: State, delay: float | None, verbose: bool, time_limit: float | None) -> dict[str, Any]:
    overrides: dict[str, Any] = {"LOG_LEVEL": "INFO" if verbose or state.log_file else "WARNING"}
    if state.quiet and not state.log_file:
        overrides["LOG_LEVEL"] = "CRITICAL"  # failed fetches are recorded, not printed; job failures still are
    if state.log_file:
        overrides.update(LOG_FILE=state.log_file, LOG_FILE_APPEND=True)
    delay = state.config.delay if delay is None else delay
    if delay is not None:
        # AutoThrottle starts from the configured delay (never below it) and adapts from there:
        # crawler.components.throttle
        overrides.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=delay)
    if state.config.download_timeout is not None:
        overrides["DOWNLOAD_TIMEOUT"] = state.config.download_timeout
    # 0: everything in the crawl process (crawler.components.offload, storage.writer)
    if state.config.processes is not None:
        overrides["MORGUE_PAGE_PROCESSES"] = state.config.processes
        overrides["MORGUE_WRITER_PROCESS"] = state.config.processes > 0
    if time_limit:
        overrides["CLOSESPIDER_TIMEOUT"] = time_limit
    if not state.quiet and sys.stderr.isatty():
        overrides["MORGUE_PROGRESS"] = True
    return overrides


class LockHeld(click.ClickException):
    """Another run holds the archive's lock: exit code 3."""

    exit_code = 3


class Interrupted(click.ClickException):
    exit_code = 4


def _job(state: State, run: Callable[[], Any], what: str) -> None:
    """Run a crawl or re-check, map its failures to exit codes, print the one-line summary."""
    from crawler.app.runner import RunNotClosedError
    from storage.locks import LockHeldError

    try:
        summary = run()
    except LockHeldError as exc:
        raise LockHeld(str(exc)) from None
    except DatabaseError as exc:
        raise UsageFailure(f"database: {exc}") from None
    except RunNotClosedError as exc:  # the job ran, the database went away before its end was recorded
        raise click.ClickException(f"database: {exc}") from None
    if not summary.run:  # the run's row could not be read back (the database went away at the end)
        problem = summary.stats.get("morgue/database_error") or f"finish reason: {summary.finish_reason}"
        raise click.ClickException(f"{what}: the run's record could not be read: {problem}")
    status = summary.run.get("status")
    if not state.quiet or status != "succeeded":
        _print_run(summary.run, err=status != "succeeded")
    if status == "interrupted":
        raise Interrupted(summary.run.get("message") or f"{what} interrupted")
    if status != "succeeded":
        raise click.ClickException(summary.run.get("message") or f"{what} failed")


DELAY = click.option("--delay", type=float, help="Seconds between requests to a host (default: config delay, else 1).")
TIME_LIMIT = click.option("--time-limit", type=float, help="Stop gracefully after this many seconds.")


WARC_DIR = click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="Write every response to gzipped WARC files here (default: warc_dir of the config; none).",
)


def _warc_overrides(state: State, warc_dir: str | None) -> dict[str, Any]:
    """The MORGUE_WARC_* settings from --warc-dir or the config; the folder is checked first."""
    from crawler.components.warc import WarcDirError, prepare_warc_dir

    directory = warc_dir or state.config.warc_dir
    if not directory:
        return {}
    try:
        path = prepare_warc_dir(directory)
    except WarcDirError as exc:
        raise UsageFailure(f"{'--warc-dir' if warc_dir else 'config: warc_dir'}: {exc}") from None
    overrides: dict[str, Any] = {"MORGUE_WARC_DIR": str(path)}
    if state.config.warc_max_size:
        overrides["MORGUE_WARC_MAX_SIZE"] = state.config.warc_max_size
    return overrides


@cli.command()
@click.option("--source", "sources", multiple=True, help="Crawl only this source (repeatable).")
@DELAY
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress.")
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
    overrides = {**_crawl_overrides(state, delay, verbose, time_limit), **_warc_overrides(state, warc_dir)}
    if url:
        _job(state, lambda: _work(state, url, overrides, idle_timeout=CRAWL_IDLE, kind="crawl", full=full), "crawl")
        return
    _job(state, lambda: _run(state, selected, overrides, incremental=not full), "crawl")


CRAWL_IDLE = 30.0  # seconds a distributed `morgue crawl` waits on an empty queue before it ends


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
        click.echo(f"queued {count} seed requests ({names}) on {_safe_url(url)} under {keys.prefix}:")


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
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress.")
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
    overrides = {**_crawl_overrides(state, delay, verbose, time_limit), **_warc_overrides(state, warc_dir)}
    _job(state, lambda: _work(state, url, overrides, idle_timeout=idle_timeout, kind="worker", full=full), "worker")


def _run(
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
@click.option("--all", "everything", is_flag=True, help="Re-check every archived article, not only what is due.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles.")
@DELAY
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress.")
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

    overrides = {**_crawl_overrides(state, delay, verbose, time_limit), **_warc_overrides(state, warc_dir)}
    _job(
        state,
        lambda: run_recheck(
            database_url=state.database_url,
            policy=state.config.liveness,
            sources=sources,
            limit=limit,
            everything=everything,
            overrides=overrides,
            scopes={s.name: s.allowed_domains for s in state.config.sources},
        ),
        "recheck",
    )


def _print_run(run: dict[str, Any], *, err: bool = False) -> None:
    elapsed = (run["finished_at"] - run["started_at"]).total_seconds() if run.get("finished_at") else 0.0
    rate = run["pages_fetched"] / elapsed if elapsed else 0.0
    click.echo(
        f"{run['kind']} run {run['id']} {run['status']}: {run['pages_fetched']} pages fetched, "
        f"{run['articles_new']} new articles, {run['articles_updated']} updated, "
        f"{run['dead_found']} dead, {run['errors']} errors in {elapsed:.1f}s ({rate:.1f} pages/s)",
        err=err,
    )


def output_options(default: str = "table") -> Callable[[F], F]:
    def decorator(f: F) -> F:
        return click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default=default,
            show_default=True,
            help="Output format.",
        )(f)

    return decorator


@cli.command()
@click.argument("text", required=False)
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(ARTICLE_STATUSES), help="Only this status.")
@click.option("--since", help="Published (or first seen) on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Published (or first seen) before this date.")
@click.option(
    "--access", "accesses", multiple=True, type=click.Choice(ACCESSES), help="Only this access (as last seen)."
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@output_options()
@pass_state
def query(
    state: State,
    text: str | None,
    sources: tuple[str, ...],
    statuses: tuple[str, ...],
    accesses: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Find archived articles by text, source, status and date.

    TEXT is a full-text search of the current title, lead and body (every word must match, in
    any order; language-aware stemming on PostgreSQL), best match first, with a snippet.

    Example: morgue query "coalition anti-jihadiste" --since 2014-12-01 --format json
    """
    from storage.search import search_articles

    f = ArticleFilter(
        sources=sources,
        statuses=statuses,
        accesses=accesses,
        since=_datetime(since, "--since"),
        until=_datetime(until, "--until"),
        limit=limit,
    )
    with state.session_factory()() as session:
        if text:
            records = search_articles(
                session,
                text,
                sources=f.sources,
                statuses=f.statuses,
                accesses=f.accesses,
                since=f.since,
                until=f.until,
                limit=limit,
            )
        else:
            records = find_articles(session, f)
    if text:
        columns = SEARCH_COLUMNS if fmt == "table" else (*EXPORT_FIELDS, "rank", "snippet")
    else:
        columns = QUERY_COLUMNS if fmt == "table" else EXPORT_FIELDS
    write_records(records, fmt, sys.stdout, columns=columns, widths={"title": 60, "url": 70, "snippet": 70})


VERSION_COLUMNS = ("number", "first_seen_at", "last_seen_at", "words", "title")


@cli.command()
@click.argument("url")
@click.option("--versions", "versions_only", is_flag=True, help="Only its versions: dates, word counts, WARC records.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def show(state: State, url: str, versions_only: bool, fmt: str) -> None:
    """Show one article (any URL variant of it), its versions and its fetch history.

    Example: morgue show https://www.rfi.fr/fr/moyen-orient/20141208-irak-coalition --versions
    """
    with state.session_factory()() as session:
        record = article_detail(session, url)
    if record is None:
        raise click.ClickException(f"no archived article for {url}")
    if versions_only:
        if fmt == "json":
            click.echo(json.dumps(to_jsonable(record["version_history"]), ensure_ascii=False, indent=2))
        else:
            count = len(record["version_history"])
            click.echo(f"{record['canonical_url']}: {count} version{'' if count == 1 else 's'}")
            columns = (*VERSION_COLUMNS, "content_hash", "warc_file", "warc_offset")
            write_records(record["version_history"], "table", sys.stdout, columns=columns, widths={"content_hash": 12})
        return
    if fmt == "json":
        click.echo(json.dumps(to_jsonable(record), ensure_ascii=False, indent=2))
        return
    for key in (
        "title",
        "canonical_url",
        "url",
        "source",
        "status",
        "section",
        "authors",
        "published_at",
        "modified_at",
        "language",
        "access",
        "body_complete",
        "first_seen_at",
        "last_checked_at",
        "removed_at",
    ):
        value = record.get(key)
        if isinstance(value, list):
            value = ", ".join(value)
        click.echo(f"{key:>16}: {'' if value is None else value}")
    if record.get("lead"):
        click.echo(f"\n{record['lead']}")
    click.echo(f"\n{record.get('body') or ''}\n")
    for image in record.get("images", []):
        click.echo(f"[image] {image.get('url')}\n        {image.get('caption') or ''} ({image.get('credit') or ''})")
    click.echo(f"\nversions ({len(record['version_history'])}):")  # the count, not a phrase
    write_records(record["version_history"], "table", sys.stdout, columns=VERSION_COLUMNS)
    click.echo(f"\nfetches ({len(record['fetches'])}):")
    write_records(
        record["fetches"],
        "table",
        sys.stdout,
        columns=("fetched_at", "status", "verdict", "reasons", "url", "final_url"),
    )


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "json", "warc"]), default="jsonl", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(ARTICLE_STATUSES))
@click.option("--since", help="Published (or first seen) on or after this date.")
@click.option("--until", help="Published (or first seen) before this date.")
@click.option(
    "--warc-dir", type=click.Path(file_okay=False), help="Where the crawl's WARC files are (default: warc_dir)."
)
@pass_state
def export(
    state: State,
    fmt: str,
    out: str | None,
    sources: tuple[str, ...],
    statuses: tuple[str, ...],
    since: str | None,
    until: str | None,
    warc_dir: str | None,
) -> None:
    """Export one record per article (JSON Lines or CSV), streamed; or, with --format warc,
    the WARC records of the selected articles' fetches (versions and removal evidence).

    Example: morgue export --format warc --status removed --out removed.warc.gz
    """
    f = ArticleFilter(
        sources=sources,
        statuses=statuses,
        since=_datetime(since, "--since"),
        until=_datetime(until, "--until"),
    )
    Session = state.session_factory()  # noqa: N806 - a class factory
    if fmt == "warc":
        _export_warc(Session, f, out, warc_dir or state.config.warc_dir)
        return
    with Session() as session, _output(out) as stream:
        n = write_records(iter_articles(session, f), fmt, stream, columns=EXPORT_FIELDS)
    if out:
        click.echo(f"{n} articles written to {out}", err=True)


@contextlib.contextmanager
def _output(out: str | None) -> Iterator[TextIO]:
    """Standard output, or ``out`` written whole or not at all (a ``.part`` file renamed at the end)."""
    if not out:
        yield sys.stdout
        return
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            yield fh
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


OUT = click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")


def _export_warc(Session: Any, f: ArticleFilter, out: str | None, warc_dir: str | None) -> None:  # noqa: N803
    from crawler.components.warc import export_warc
    from crawler.core.items import WarcRef
    from storage.queries import warc_records

    if not out:
        raise UsageFailure("--out: required with --format warc (e.g. --out selection.warc.gz)")
    if not warc_dir:
        raise UsageFailure("--warc-dir: where are the WARC files? (no warc_dir in the config)")
    if not Path(warc_dir).is_dir():
        raise UsageFailure(f"--warc-dir: not a folder: {warc_dir}")
    with Session() as session:
        refs = [WarcRef(*r) for r in warc_records(session, f)]
    n = export_warc(refs, warc_dir, out)
    click.echo(f"{n} WARC records (with their requests) written to {out}", err=True)


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
    from storage.db import check_schema

    config = state.config
    specs = job_specs(config)
    if not specs:
        raise UsageFailure("config: nothing to schedule (no [[sources]], or [schedule] crawl and recheck are off)")
    unknown = [j for j in run_now if j not in {s.id for s in specs}]
    if unknown:
        raise UsageFailure(f"--run-now: unknown job {unknown[0]!r} (jobs: {', '.join(s.id for s in specs)})")
    try:
        engine = make_engine(state.database_url)
        check_schema(engine)
    except DatabaseError as exc:
        raise UsageFailure(f"database: {exc}") from None
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


@cli.command()
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@output_options()
@pass_state
def runs(state: State, limit: int, fmt: str) -> None:
    """List crawl and re-check runs: when, how they ended, what they did.

    Example: morgue runs --limit 5 --format json
    """
    from storage.queries import RUN_FIELDS, list_runs

    with state.session_factory()() as session:
        records = list_runs(session, limit=limit)
    columns = (
        "id",
        "kind",
        "status",
        "started_at",
        "seconds",
        "pages_fetched",
        "articles_new",
        "articles_updated",
        "dead_found",
        "errors",
        "message",
    )
    write_records(records, fmt, sys.stdout, columns=columns if fmt == "table" else RUN_FIELDS, widths={"message": 50})


@cli.group()
def report() -> None:
    """Reports over the archive (removed articles, changed articles).

    Example: morgue report removed --since 2025-01-01 --format html > removed.html
    """


@report.command("removed")
@click.option("--since", help="Removed on or after this date (YYYY-MM-DD).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv", "html"]), default="table", show_default=True
)
@OUT
@pass_state
def report_removed(state: State, since: str | None, sources: tuple[str, ...], fmt: str, out: str | None) -> None:
    """Confirmed removals: counts per site and reason, and the list with evidence.

    Example: morgue report removed --since 2025-01-01 --format html > removed.html
    """
    from storage.reports import removed_report

    since_dt = _datetime(since, "--since")
    with state.session_factory()() as session:
        result = removed_report(session, since=since_dt, sources=sources)
    columns = ("removed_at", "source", "reason", "first_seen_at", "title", "url")
    with _output(out) as stream:
        _print_removed(result, fmt, columns, since_dt, stream)


def _print_removed(result: Any, fmt: str, columns: tuple[str, ...], since_dt: Any, stream: TextIO) -> None:
    if fmt == "html":
        from crawler.app.report_html import render_removed_html

        click.echo(render_removed_html(result, generated_at=datetime.now(UTC), since=since_dt), file=stream)
    elif fmt == "json":
        payload = to_jsonable({"counts": result.counts, "removed": result.items})
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2), file=stream)
    elif fmt == "csv":
        write_records(result.items, "csv", stream, columns=(*columns, "evidence"))
    else:
        click.echo(f"{len(result.items)} removed articles", file=stream)
        write_records(result.counts, "table", stream, columns=("source", "reason", "count"))
        click.echo("", file=stream)
        write_records(result.items, "table", stream, columns=columns, widths={"title": 50, "url": 60})


@report.command("changed")
@click.option("--since", help="Changed (new version first seen) on or after this date (YYYY-MM-DD).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@OUT
@pass_state
def report_changed(
    state: State, since: str | None, sources: tuple[str, ...], limit: int | None, fmt: str, out: str | None
) -> None:
    """Articles whose headline or text changed: words added and removed, headline changed or not.

    Example: morgue report changed --since 2025-11-01 --format csv > changed.csv
    """
    from storage.diffs import changed_articles

    with state.session_factory()() as session:
        items = changed_articles(session, since=_datetime(since, "--since"), sources=sources, limit=limit)
    columns = (
        "changed_at",
        "source",
        "headline_changed",
        "words_added",
        "words_removed",
        "access_changed",
        "changes",
        "title",
        "previous_title",
        "url",
    )
    with _output(out) as stream:
        if fmt == "json":
            click.echo(json.dumps(to_jsonable(items), ensure_ascii=False, indent=2), file=stream)
        elif fmt == "csv":
            write_records(items, "csv", stream, columns=(*columns, "from_version", "to_version", "canonical_url"))
        else:
            click.echo(f"{len(items)} changed articles", file=stream)
            table_columns = tuple(c for c in columns if c != "previous_title")
            write_records(items, "table", stream, columns=table_columns, widths={"title": 50, "url": 60})


@cli.command()
@click.argument("url")
@click.argument("versions", nargs=-1, type=click.IntRange(min=1))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def diff(state: State, url: str, versions: tuple[int, ...], fmt: str) -> None:
    """Show what changed between two versions of an article: a unified diff of title, lead and
    body. VERSIONS are two version numbers (default: the last two; see `morgue show URL --versions`).

    Example: morgue diff https://www.rfi.fr/fr/moyen-orient/20141208-irak-coalition 1 2
    """
    from storage.diffs import DiffError, diff_versions

    if len(versions) not in (0, 2):
        raise UsageFailure("VERSIONS: give two version numbers, or none for the last two")
    with state.session_factory()() as session:
        try:
            result = diff_versions(session, url, *(versions or (None, None)))
        except DiffError as exc:
            raise click.ClickException(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2))
        return
    headline = "headline changed" if result.title_changed else "same headline"
    click.echo(
        f"{result.url}: v{result.old} ({result.old_seen_at:%Y-%m-%d %H:%M}) -> v{result.new} "
        f"({result.new_seen_at:%Y-%m-%d %H:%M}), {headline}, +{result.words_added} -{result.words_removed} words"
    )
    click.echo(result.diff or "(title, lead and body are the same; other fields changed)", nl=not result.diff)


@cli.command()
@click.argument("files_or_urls", nargs=-1, required=True)
@click.option("--url", "page_url", help="The page's URL, when a single FILE_OR_URL is a file.")
@pass_state
def extract(state: State, files_or_urls: tuple[str, ...], page_url: str | None) -> None:
    """Print the normalised article and the liveness verdict of pages as JSON (no database).

    One page: an indented JSON object. Several: one JSON object per line (JSON Lines), each with
    its "source" (the file or URL), in one process; a page that cannot be read is a line with an
    "error" and the others go on (exit code 1 at the end).

    Example: morgue extract saved.html --url https://www.rfi.fr/fr/article
             morgue extract pages/*.html > fields.jsonl
    """
    from crawler.app.page_report import inspect_page

    if page_url and len(files_or_urls) > 1:
        raise UsageFailure("--url: only with a single FILE_OR_URL")
    if len(files_or_urls) == 1:
        try:
            result = inspect_page(files_or_urls[0], url=page_url, now=datetime.now(UTC))
        except (OSError, ValueError) as exc:
            raise UsageFailure(f"{files_or_urls[0]}: {exc}") from None
        click.echo(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2))
        return
    failed = 0
    for item in files_or_urls:
        try:
            record: dict[str, Any] = {"source": item, **inspect_page(item, url=None, now=datetime.now(UTC))}
        except (OSError, ValueError) as exc:
            failed += 1
            record = {"source": item, "error": str(exc)}
        click.echo(json.dumps(to_jsonable(record), ensure_ascii=False))
    if failed:
        raise click.exceptions.Exit(1)


@cli.command()
@click.option("--keep", is_flag=True, help="Keep the previous demo database instead of starting afresh.")
@pass_state
def demo(state: State, keep: bool) -> None:
    """Serve a bundled sample news site on 127.0.0.1, crawl it into SQLite, show the result.

    Example: morgue demo  (then: morgue --db sqlite:///morgue-demo.db query)
    """
    from crawler.demo import DEMO_DB, DEMO_SITE, demo_source
    from crawler.demo.server import SiteServer
    from storage.queries import dead_fetches

    db = state.db or DEMO_DB
    if state.db is None and not keep:
        for suffix in ("", "-wal", "-shm"):
            Path("morgue-demo.db" + suffix).unlink(missing_ok=True)
    state = replace(state, db=db)
    upgrade(make_engine(db))
    with SiteServer(DEMO_SITE) as site:
        click.echo(f"serving the sample site at {site.base_url}/ and crawling it into {db} ...")
        started = time.perf_counter()
        summary = _run(
            state,
            (demo_source(site.base_url),),
            {"LOG_LEVEL": "ERROR", "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_START_DELAY": 0.01},
            kind="demo",
        )
        elapsed = time.perf_counter() - started
    run = summary.run
    with state.session_factory()() as session:
        articles = find_articles(session, ArticleFilter())
        dead = dead_fetches(session, run_id=run["id"])
    click.echo(f"\nArchived {len(articles)} articles:")
    write_records(
        articles,
        "table",
        sys.stdout,
        columns=("language", "published_at", "section", "title"),
        widths={"title": 70, "section": 24},
    )
    click.echo(f"\nFound {len(dead)} dead pages:")
    for d in dead:
        path = d["url"].replace(site.base_url, "")
        click.echo(f"  {d['verdict']:<14} {d['status'] or '':<4} {path}  ({', '.join(d['reasons'])})")
    rate = run.get("pages_fetched", 0) / elapsed if elapsed else 0.0
    example = next((a for a in articles if "coalition" in (a["title"] or "")), articles[0] if articles else None)
    click.echo(f"\n{run['pages_fetched']} pages in {elapsed:.1f}s ({rate:.1f} pages/s), run {run['status']}.")
    click.echo(
        "\nTry next:\n"
        f"  morgue --db {db} query coalition\n"
        f"  morgue --db {db} show '{example['url'] if example else 'URL'}'\n"
        f"  morgue --db {db} export --format csv --out demo.csv\n"
        "  cp examples/morgue.toml morgue.toml   # then edit the sources and run: morgue init && morgue crawl"
    )


def main() -> None:
    cli(prog_name="morgue")
