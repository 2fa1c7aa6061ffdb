"""``morgue reextract``: the current extractor over the stored captures, no fetching."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from crawler.app.cli.base import SOURCES, JobFailed, State, UsageFailure, parse_datetime, pass_state
from crawler.app.cli.root import cli


@cli.command()
@SOURCES
@click.option("--since", help="Only captures fetched on or after this date (YYYY-MM-DD or ISO 8601).")
@click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="Where the crawl's WARC files are (default: warc_dir, else beside a SQLite archive).",
)
@pass_state
def reextract(state: State, sources: tuple[str, ...], since: str | None, warc_dir: str | None) -> None:
    """Extract every article again from its stored capture (the current version's WARC record)
    with the current extractor and update the fields that changed: recorded as ``reextract``
    events, never as new versions. Prints how many articles changed, per field.

    Example: morgue reextract --source rfi --since 2025-01-01
    """
    directory = state.warc_folder(warc_dir)
    if not directory:
        raise UsageFailure('--warc-dir: where are the WARC files? (warc_dir = "" in the config, or not SQLite)')
    if not Path(directory).is_dir():
        raise UsageFailure(f"--warc-dir: not a folder: {directory}")
    known = {s.name for s in state.config.sources}
    overrides = {s.name: s.override_map for s in state.config.sources}
    if sources and known and not set(sources) <= known:
        unknown = sorted(set(sources) - known)[0]
        raise UsageFailure(f"--source: unknown source {unknown!r} (known: {', '.join(sorted(known))})")
    from crawler.app.reextract import reextract as run  # lazy: the extractor's imports

    report = run(
        state.session_factory(),
        directory,
        now=datetime.now(UTC),
        sources=sources,
        since=parse_datetime(since, "--since"),
        overrides=overrides,
    )
    for line in report.unreadable[:20]:
        click.echo(f"unreadable capture: {line}", err=True)
    if len(report.unreadable) > 20:
        click.echo(f"... and {len(report.unreadable) - 20} more unreadable captures", err=True)
    click.echo(f"{report.captures} captures re-extracted: {report.changed} articles changed")
    for name, count in sorted(report.fields.items(), key=lambda kv: (-kv[1], kv[0])):
        click.echo(f"  {name:<20} {count} articles")
    if report.captures and len(report.unreadable) == report.captures:
        raise JobFailed(f"no capture could be read in {directory}")
