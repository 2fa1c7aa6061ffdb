"""Fixtures of the hardening suite: one crawl of the hostile
site per database (SQLite and PostgreSQL, run side by side), whose rows every hostile-content and
scope test reads. Servers listen on 127.0.0.1 (the hostile site) and 127.0.0.2 (the host no source
allows); nothing else is ever contacted."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from storage import models
from storage.db import make_engine, upgrade
from tests.hardening.hostile_server import HostileServer
from tests.helpers import HOSTILE_CONFIG, HostileCrawl, assert_archive_consistent, finish, fresh_pg, rows, spawn


@pytest.fixture(scope="session")
def offsite() -> Iterator[HostileServer]:
    """A server on 127.0.0.2: no source allows it, so nothing may ever reach it."""
    with HostileServer("127.0.0.2") as server:
        yield server


@pytest.fixture(scope="session")
def hostile_crawls(
    tmp_path_factory: pytest.TempPathFactory, offsite: HostileServer
) -> Iterator[dict[str, HostileCrawl]]:
    """Crawl the hostile site into SQLite and (when reachable) PostgreSQL, side by side."""
    try:
        pg_url: str | None = fresh_pg()
    except pytest.skip.Exception:
        pg_url = None
    crawls: dict[str, HostileCrawl] = {}
    servers = []
    tmp = tmp_path_factory.mktemp("hostile")
    for backend, url in (("sqlite", f"sqlite:///{tmp / 'hostile.db'}"), ("postgresql", pg_url)):
        if url is None:
            continue
        site = HostileServer(offsite=offsite.base_url).__enter__()
        servers.append(site)
        crawls[backend] = HostileCrawl(backend=backend, site=site, offsite=offsite, db_url=url)
    procs = {}
    try:
        for backend, crawl in crawls.items():
            work = tmp / backend
            work.mkdir()
            config = work / "morgue.toml"
            config.write_text(HOSTILE_CONFIG.format(base=crawl.site.base_url), encoding="utf-8")
            engine = make_engine(crawl.db_url)
            upgrade(engine)
            engine.dispose()
            procs[backend] = (spawn("--config", str(config), "--db", crawl.db_url, "crawl", cwd=work), time.monotonic())
        for backend, (proc, started) in procs.items():
            crawl = crawls[backend]
            crawl.returncode, crawl.stdout, crawl.stderr, crawl.max_rss_mb = finish(proc)
            crawl.seconds = time.monotonic() - started
            engine = make_engine(crawl.db_url)
            crawl.fetches = rows(engine, models.Fetch)
            crawl.articles = rows(engine, models.Article)
            crawl.versions = rows(engine, models.ArticleVersion)
            crawl.runs = rows(engine, models.CrawlRun)
            assert_archive_consistent(engine)
            engine.dispose()
        yield crawls
    finally:
        for proc, _ in procs.values():
            if proc.poll() is None:
                proc.kill()
        for site in servers:
            site.__exit__(None, None, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def hostile(request: pytest.FixtureRequest, hostile_crawls: dict[str, HostileCrawl]) -> HostileCrawl:
    if request.param not in hostile_crawls:
        pytest.skip("PostgreSQL is not reachable")
    return hostile_crawls[request.param]
