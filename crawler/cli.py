"""The ``morgue`` command line: each command parses, calls one library function, formats.

Exit codes: 0 ok; 1 the job failed (crawl error, nothing found); 2 usage, config or
database error (one line on stderr naming the culprit).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from crawler.config import Config, ConfigError, Source, load_config, resolve_database_url
from crawler.output import FORMATS, to_jsonable, write_records
from storage.db import DatabaseError, make_engine, make_sessionmaker, upgrade
from storage.queries import EXPORT_FIELDS, ArticleFilter, article_detail, find_articles, iter_articles

F = TypeVar("F", bound=Callable[..., Any])
ARTICLE_STATUSES = ("alive", "suspect", "removed", "unreachable", "blocked")
QUERY_COLUMNS = ("published_at", "source", "status", "language", "title", "url")


@dataclass
class State:
    config_path: str | None
    db: str | None
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
@click.version_option(package_name="morgue")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, db: str | None) -> None:
    """morgue: a news archive that notices what disappears.

    \b
    Quick start:
      morgue demo                      # crawl a bundled sample site into morgue-demo.db
      morgue init                      # create or upgrade the schema
      morgue crawl                     # crawl the sources of morgue.toml
      morgue query "coalition" --format json
    """
    ctx.obj = State(config_path=config_path, db=db)


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


def _crawl_overrides(delay: float | None, verbose: bool) -> dict[str, Any]:
    overrides: dict[str, Any] = {"LOG_LEVEL": "INFO" if verbose else "WARNING"}
    if delay is not None:
        overrides.update(DOWNLOAD_DELAY=delay, AUTOTHROTTLE_START_DELAY=max(delay, 0.01))
    return overrides


@cli.command()
@click.option("--source", "sources", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--delay", type=float, default=None, help="Seconds between requests to a host (default 1).")
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress.")
@pass_state
def crawl(state: State, sources: tuple[str, ...], delay: float | None, verbose: bool) -> None:
    """Crawl the configured sources: start pages, feeds and sitemaps.

    Example: morgue crawl --source rfi
    """
    try:
        selected = state.config.select(sources)
    except ConfigError as exc:
        raise UsageFailure(str(exc)) from None
    if not selected:
        raise UsageFailure("config: no [[sources]] to crawl (see examples/morgue.toml)")
    summary = _run(state, selected, _crawl_overrides(delay, verbose))
    _print_run(summary.run)
    if summary.run.get("status") != "succeeded":
        raise click.ClickException(summary.run.get("message") or "crawl failed")


def _run(state: State, sources: tuple[Source, ...], overrides: dict[str, Any], kind: str = "crawl") -> Any:
    from crawler.runner import run_crawl

    try:
        return run_crawl(
            database_url=state.database_url,
            sources=sources,
            overrides=overrides,
            kind=kind,
            policy=state.config.liveness,
        )
    except DatabaseError as exc:
        raise UsageFailure(f"database: {exc}") from None


@cli.command()
@click.option("--all", "everything", is_flag=True, help="Re-check every archived article, not only what is due.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles.")
@click.option("--delay", type=float, default=None, help="Seconds between requests to a host (default 1).")
@click.option("-v", "--verbose", is_flag=True, help="Log Scrapy's progress.")
@pass_state
def recheck(
    state: State, everything: bool, sources: tuple[str, ...], limit: int | None, delay: float | None, verbose: bool
) -> None:
    """Fetch archived articles again and record which disappeared (with evidence).

    Without --all, only what is due: young articles often, old ones rarely, suspects at the
    confirmation interval of [liveness] (confirmations = 3, confirm_interval = "72h" by default).

    Example: morgue recheck --source rfi --limit 500
    """
    from crawler.runner import run_recheck

    try:
        summary = run_recheck(
            database_url=state.database_url,
            policy=state.config.liveness,
            sources=sources,
            limit=limit,
            everything=everything,
            overrides=_crawl_overrides(delay, verbose),
        )
    except DatabaseError as exc:
        raise UsageFailure(f"database: {exc}") from None
    _print_run(summary.run)
    if summary.run.get("status") != "succeeded":
        raise click.ClickException(summary.run.get("message") or "recheck failed")


def _print_run(run: dict[str, Any]) -> None:
    elapsed = (run["finished_at"] - run["started_at"]).total_seconds() if run.get("finished_at") else 0.0
    click.echo(
        f"run {run['id']} {run['status']}: {run['pages_fetched']} pages fetched, "
        f"{run['articles_new']} new articles, {run['articles_updated']} updated, "
        f"{run['dead_found']} dead, {run['errors']} errors in {elapsed:.1f}s"
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
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@output_options()
@pass_state
def query(
    state: State,
    text: str | None,
    sources: tuple[str, ...],
    statuses: tuple[str, ...],
    since: str | None,
    until: str | None,
    limit: int,
    fmt: str,
) -> None:
    """Find archived articles by text, source, status and date.

    Example: morgue query "coalition anti-jihadiste" --since 2014-12-01 --format json
    """
    f = ArticleFilter(
        text=text,
        sources=sources,
        statuses=statuses,
        since=_datetime(since, "--since"),
        until=_datetime(until, "--until"),
        limit=limit,
    )
    with state.session_factory()() as session:
        records = find_articles(session, f)
    columns = QUERY_COLUMNS if fmt == "table" else EXPORT_FIELDS
    write_records(records, fmt, sys.stdout, columns=columns, widths={"title": 60, "url": 70})


@cli.command()
@click.argument("url")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def show(state: State, url: str, fmt: str) -> None:
    """Show one article (any URL variant of it), its versions and its fetch history.

    Example: morgue show https://www.rfi.fr/fr/moyen-orient/20141208-irak-coalition
    """
    with state.session_factory()() as session:
        record = article_detail(session, url)
    if record is None:
        raise click.ClickException(f"no archived article for {url}")
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
    click.echo(f"\nversions ({len(record['version_history'])}):")
    write_records(
        record["version_history"],
        "table",
        sys.stdout,
        columns=("number", "first_seen_at", "last_seen_at", "words", "title"),
    )
    click.echo(f"\nfetches ({len(record['fetches'])}):")
    write_records(
        record["fetches"],
        "table",
        sys.stdout,
        columns=("fetched_at", "status", "verdict", "reasons", "url", "final_url"),
    )


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "json"]), default="jsonl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option("--status", "statuses", multiple=True, type=click.Choice(ARTICLE_STATUSES))
@click.option("--since", help="Published (or first seen) on or after this date.")
@click.option("--until", help="Published (or first seen) before this date.")
@pass_state
def export(
    state: State,
    fmt: str,
    out: str | None,
    sources: tuple[str, ...],
    statuses: tuple[str, ...],
    since: str | None,
    until: str | None,
) -> None:
    """Export one record per article (JSON Lines or CSV), streamed.

    Example: morgue export --format csv --out archive.csv
    """
    f = ArticleFilter(
        sources=sources,
        statuses=statuses,
        since=_datetime(since, "--since"),
        until=_datetime(until, "--until"),
    )
    Session = state.session_factory()  # noqa: N806 - a class factory
    target = Path(out) if out else None
    tmp = target.with_name(target.name + ".part") if target else None
    with Session() as session:
        if tmp is None:
            n = write_records(iter_articles(session, f), fmt, sys.stdout, columns=EXPORT_FIELDS)
        else:
            with tmp.open("w", encoding="utf-8", newline="") as fh:
                n = write_records(iter_articles(session, f), fmt, fh, columns=EXPORT_FIELDS)
            tmp.replace(target)  # type: ignore[arg-type]
    if target is not None:
        click.echo(f"{n} articles written to {target}", err=True)


@cli.group()
def report() -> None:
    """Reports over the archive (removed articles).

    Example: morgue report removed --since 2025-01-01 --format html > removed.html
    """


@report.command("removed")
@click.option("--since", help="Removed on or after this date (YYYY-MM-DD).")
@click.option("--source", "sources", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json", "csv", "html"]), default="table", show_default=True
)
@pass_state
def report_removed(state: State, since: str | None, sources: tuple[str, ...], fmt: str) -> None:
    """Confirmed removals: counts per site and reason, and the list with evidence.

    Example: morgue report removed --since 2025-01-01 --format html > removed.html
    """
    from storage.reports import removed_report

    since_dt = _datetime(since, "--since")
    with state.session_factory()() as session:
        result = removed_report(session, since=since_dt, sources=sources)
    columns = ("removed_at", "source", "reason", "first_seen_at", "title", "url")
    if fmt == "html":
        from crawler.report_html import render_removed_html

        click.echo(render_removed_html(result, generated_at=datetime.now(UTC), since=since_dt))
    elif fmt == "json":
        click.echo(
            json.dumps(to_jsonable({"counts": result.counts, "removed": result.items}), ensure_ascii=False, indent=2)
        )
    elif fmt == "csv":
        write_records(result.items, "csv", sys.stdout, columns=(*columns, "evidence"))
    else:
        click.echo(f"{len(result.items)} removed articles")
        write_records(result.counts, "table", sys.stdout, columns=("source", "reason", "count"))
        click.echo("")
        write_records(result.items, "table", sys.stdout, columns=columns, widths={"title": 50, "url": 60})


@cli.command()
@click.argument("file_or_url")
@click.option("--url", "page_url", help="The page's URL, when FILE_OR_URL is a file.")
@pass_state
def extract(state: State, file_or_url: str, page_url: str | None) -> None:
    """Print the normalised article and the liveness verdict of a page as JSON (no database).

    Example: morgue extract saved.html --url https://www.rfi.fr/fr/article
    """
    from crawler.page_report import inspect_page

    try:
        result = inspect_page(file_or_url, url=page_url, now=datetime.now(UTC))
    except (OSError, ValueError) as exc:
        raise UsageFailure(f"{file_or_url}: {exc}") from None
    click.echo(json.dumps(to_jsonable(result), ensure_ascii=False, indent=2))


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
