"""``morgue verify``: the fixity check of the archive (storage.verify), weekly from the scheduler."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from crawler.app.cli.base import SOURCES, JobFailed, State, UsageFailure, format_option, pass_state
from crawler.app.cli.root import cli
from crawler.app.output import to_jsonable


@cli.command()
@SOURCES
@click.option(
    "--sample",
    type=click.IntRange(min=1),
    help="Read only this many WARC records, chosen at random (the database checks stay complete).",
)
@click.option(
    "--warc-dir", type=click.Path(file_okay=False), help="Where the crawl's WARC files are (default: warc_dir)."
)
@format_option(("text", "json"), default="text")
@pass_state
def verify(state: State, sources: tuple[str, ...], sample: int | None, warc_dir: str | None, fmt: str) -> None:
    """Check that the archive is intact: every WARC record the database points to opens and
    matches its digests and the stored SHA-256, every article has a version, every version since
    WARC writing began has its WARC record, and the full-text index is in step with the articles.
    Exit code 1 when a problem is found (each one is listed).

    Example: morgue verify --sample 1000
    """
    from storage.verify import VerifyError, summary_lines, verify_archive

    if warc_dir and not Path(warc_dir).is_dir():
        raise UsageFailure(f"--warc-dir: not a folder: {warc_dir}")
    # the config's folder may not exist yet (no capture so far); if records point into it, they are missing
    directory = warc_dir or state.config.warc_dir
    with state.session_factory()() as session:
        try:
            report = verify_archive(session, warc_dir=directory, sources=sources, sample=sample)
        except VerifyError as exc:
            if exc.what == "sources":
                raise UsageFailure(f"--source: {exc}") from None
            raise UsageFailure(f"--warc-dir: {exc} (warc_dir in the config, or --warc-dir)") from None
    if fmt == "json":
        payload = {**asdict(report), "ok": report.ok, "counts": report.counts()}
        click.echo(json.dumps(to_jsonable(payload), ensure_ascii=False, indent=2))
    elif not (state.quiet and report.ok):
        for line in summary_lines(report):
            click.echo(line, err=state.quiet)
    if not report.ok:
        raise JobFailed(f"verify: {len(report.problems)} problem(s) found")
