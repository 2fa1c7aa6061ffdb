"""``morgue demo``: the offline sample site crawled into SQLite, end to end."""

from __future__ import annotations

import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from crawler.app.cli.base import State, pass_state
from crawler.app.cli.jobs import job_settings, run_sources
from crawler.app.cli.root import cli
from crawler.app.output import write_records
from crawler.config import default_warc_dir
from storage.db import make_engine, upgrade
from storage.queries import ArticleFilter, find_articles


@cli.command()
@click.option("--keep", is_flag=True, help="Keep the previous demo database instead of starting afresh.")
@pass_state
def demo(state: State, keep: bool) -> None:
    """Serve a bundled sample news site on 127.0.0.1, crawl it into SQLite, show the result.

    Example: morgue demo  (then: morgue --db sqlite:///morgue-demo.db serve)
    """
    from crawler.demo import DEMO_DB, DEMO_SITE, demo_source
    from crawler.demo.server import SiteServer
    from storage.queries import dead_fetches

    db = state.db or DEMO_DB
    if state.db is None and not keep:
        for suffix in ("", "-wal", "-shm"):
            Path("morgue-demo.db" + suffix).unlink(missing_ok=True)
        shutil.rmtree("morgue-demo-warc", ignore_errors=True)  # its raw captures (WARC), beside it
    state = replace(state, db=db)
    upgrade(make_engine(db))
    with SiteServer(DEMO_SITE) as site:
        click.echo(f"serving the sample site at {site.base_url}/ and crawling it into {db} ...")
        started = time.perf_counter()
        summary = run_sources(
            state,
            (demo_source(site.base_url),),
            # no delay on the local sample site; captures beside the demo archive, whatever the config says
            {**job_settings(state, 0.0, False, None, default_warc_dir(db)), "LOG_LEVEL": "ERROR"},
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
    click.echo(f"\nOpen the archive in your browser (search, versions, removals, feeds):\n  morgue --db {db} serve")
    click.echo("  # then visit http://127.0.0.1:8080/")
