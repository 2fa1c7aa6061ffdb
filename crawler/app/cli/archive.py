"""The commands that read the archive: query, show, diff, export, runs, extract."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from crawler.app.cli.base import (
    ACCESSES,
    OUT,
    SOURCES,
    STATUSES,
    JobFailed,
    State,
    UsageFailure,
    format_option,
    output,
    parse_datetime,
    pass_state,
    since_option,
    until_option,
)
from crawler.app.cli.root import cli
from crawler.app.output import to_jsonable, write_records
from storage.queries import EXPORT_FIELDS, ArticleFilter, article_detail, find_articles, iter_articles

QUERY_COLUMNS = ("published_at", "source", "status", "language", "title", "url")
SEARCH_COLUMNS = ("published_at", "source", "status", "title", "snippet", "url")
VERSION_COLUMNS = ("number", "first_seen_at", "last_seen_at", "words", "title")
SHOW_FIELDS = (
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
)


@cli.command()
@click.argument("text", required=False)
@SOURCES
@STATUSES
@since_option()
@until_option()
@click.option(
    "--access", "accesses", multiple=True, type=click.Choice(ACCESSES), help="Only this access (as last seen)."
)
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@format_option()
@OUT
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
    out: str | None,
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
        since=parse_datetime(since, "--since"),
        until=parse_datetime(until, "--until"),
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
    with output(out) as stream:
        write_records(records, fmt, stream, columns=columns, widths={"title": 60, "url": 70, "snippet": 70})


@cli.command()
@click.argument("url")
@click.option("--versions", "versions_only", is_flag=True, help="Only its versions: dates, word counts, WARC records.")
@format_option(("text", "json"), default="text")
@pass_state
def show(state: State, url: str, versions_only: bool, fmt: str) -> None:
    """Show one article (any URL variant of it), its versions and its fetch history.

    Example: morgue show https://www.rfi.fr/fr/moyen-orient/20141208-irak-coalition --versions
    """
    with state.session_factory()() as session:
        record = article_detail(session, url)
    if record is None:
        raise JobFailed(f"no archived article for {url}")
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
    for key in SHOW_FIELDS:
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
@format_option(("jsonl", "csv", "json", "warc"), default="jsonl")
@OUT
@SOURCES
@STATUSES
@since_option()
@until_option()
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="Where the crawl's WARC files are (default: warc_dir, else beside a SQLite archive).",
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
        since=parse_datetime(since, "--since"),
        until=parse_datetime(until, "--until"),
    )
    Session = state.session_factory()  # noqa: N806 - a class factory
    if fmt == "warc":
        _export_warc(Session, f, out, state.warc_folder(warc_dir))
        return
    with Session() as session, output(out) as stream:
        n = write_records(iter_articles(session, f), fmt, stream, columns=EXPORT_FIELDS)
    if out:
        click.echo(f"{n} articles written to {out}", err=True)


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
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@format_option()
@OUT
@pass_state
def runs(state: State, limit: int, fmt: str, out: str | None) -> None:
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
    with output(out) as stream:
        write_records(records, fmt, stream, columns=columns if fmt == "table" else RUN_FIELDS, widths={"message": 50})


@cli.command()
@click.argument("url")
@click.argument("versions", nargs=-1, type=click.IntRange(min=1))
@format_option(("text", "json"), default="text")
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
            raise JobFailed(str(exc)) from None
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
def extract(files_or_urls: tuple[str, ...], page_url: str | None) -> None:
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
