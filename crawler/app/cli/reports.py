"""``morgue report removed|changed``: what disappeared, what was rewritten."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, TextIO

import click

from crawler.app.cli.base import (
    OUT,
    SOURCES,
    State,
    format_option,
    output,
    parse_datetime,
    pass_state,
    since_option,
    until_option,
)
from crawler.app.cli.root import cli
from crawler.app.output import to_jsonable, write_records

REMOVED_COLUMNS = ("removed_at", "source", "reason", "first_seen_at", "title", "url")
CHANGED_COLUMNS = (
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


@cli.group()
def report() -> None:
    """Reports over the archive (removed articles, changed articles).

    Example: morgue report removed --since 2025-01-01 --format html > removed.html
    """


@report.command("removed")
@since_option("Removed")
@until_option("Removed")
@SOURCES
@format_option(("table", "json", "csv", "html", "atom"))
@OUT
@pass_state
def report_removed(
    state: State, since: str | None, until: str | None, sources: tuple[str, ...], fmt: str, out: str | None
) -> None:
    """Confirmed removals: counts per site and reason, and the list with evidence.

    Example: morgue report removed --since 2025-01-01 --format html > removed.html
    (--format atom: the feed `morgue serve` publishes at /feeds/removed.atom)
    """
    from storage.reports import removed_report

    since_dt = parse_datetime(since, "--since")
    with state.session_factory()() as session:
        result = removed_report(session, since=since_dt, until=parse_datetime(until, "--until"), sources=sources)
    with output(out) as stream:
        _print_removed(result, fmt, since_dt, stream, sources)


def _print_removed(result: Any, fmt: str, since_dt: datetime | None, stream: TextIO, sources: tuple[str, ...]) -> None:
    if fmt == "atom":
        from crawler.app.feeds import removed_feed

        click.echo(removed_feed(result.items, now=datetime.now(UTC), sources=sources), file=stream, nl=False)
    elif fmt == "html":
        from crawler.app.report_html import render_removed_html

        click.echo(render_removed_html(result, generated_at=datetime.now(UTC), since=since_dt), file=stream)
    elif fmt == "json":
        payload = to_jsonable({"counts": result.counts, "removed": result.items})
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2), file=stream)
    elif fmt == "csv":
        write_records(result.items, "csv", stream, columns=(*REMOVED_COLUMNS, "evidence"))
    else:
        click.echo(f"{len(result.items)} removed articles", file=stream)
        write_records(result.counts, "table", stream, columns=("source", "reason", "count"))
        click.echo("", file=stream)
        write_records(result.items, "table", stream, columns=REMOVED_COLUMNS, widths={"title": 50, "url": 60})


@report.command("changed")
@since_option("Changed (new version first seen)")
@until_option("Changed (the archive as it stood)")
@SOURCES
@click.option("--limit", type=click.IntRange(min=1), help="At most this many articles.")
@format_option(("table", "json", "csv", "atom"))
@OUT
@pass_state
def report_changed(
    state: State,
    since: str | None,
    until: str | None,
    sources: tuple[str, ...],
    limit: int | None,
    fmt: str,
    out: str | None,
) -> None:
    """Articles whose headline or text changed: words added and removed, headline changed or not.

    Example: morgue report changed --since 2025-11-01 --format csv > changed.csv
    """
    from storage.diffs import changed_articles

    with state.session_factory()() as session:
        items = changed_articles(
            session,
            since=parse_datetime(since, "--since"),
            until=parse_datetime(until, "--until"),
            sources=sources,
            limit=limit,
        )
    with output(out) as stream:
        if fmt == "atom":
            from crawler.app.feeds import changed_feed

            click.echo(changed_feed(items, now=datetime.now(UTC), sources=sources), file=stream, nl=False)
        elif fmt == "json":
            click.echo(json.dumps(to_jsonable(items), ensure_ascii=False, indent=2), file=stream)
        elif fmt == "csv":
            columns = (*CHANGED_COLUMNS, "from_version", "to_version", "canonical_url")
            write_records(items, "csv", stream, columns=columns)
        else:
            click.echo(f"{len(items)} changed articles", file=stream)
            table_columns = tuple(c for c in CHANGED_COLUMNS if c != "previous_title")
            write_records(items, "table", stream, columns=table_columns, widths={"title": 50, "url": 60})
