"""Shared pieces of the hardening suite: the real CLI in subprocesses, and one crawl of the hostile
site per database (SQLite and PostgreSQL, run side by side), whose rows every hostile-content and
scope test reads. Servers listen on 127.0.0.1 (the hostile site) and 127.0.0.2 (the host no source
allows); nothing else is ever contacted."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from storage import models
from storage.db import make_engine, upgrade
from tests.conftest import fresh_pg
from tests.hardening.hostile_server import HostileServer

CLI = [sys.executable, "-m", "crawler"]
CRAWL_TIMEOUT = 180  # seconds; a hung crawl fails the test instead of hanging the suite


def morgue(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = CRAWL_TIMEOUT) -> Any:
    """Run ``morgue ARGS`` to completion; returns the CompletedProcess (text stdout and stderr)."""
    return subprocess.run(
        [*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}
    )


def spawn(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``morgue ARGS``; its stdout and stderr go to files in ``cwd`` (no pipe to fill up)."""
    out = (cwd / f"stdout-{time.monotonic_ns()}").open("w")
    err = (cwd / f"stderr-{time.monotonic_ns()}").open("w")
    proc = subprocess.Popen([*CLI, *args], cwd=cwd, stdout=out, stderr=err, text=True,
                            env={**os.environ, **(env or {})})
    proc.out_path, proc.err_path = Path(out.name), Path(err.name)  # type: ignore[attr-defined]
    out.close()
    err.close()
    return proc


def finish(proc: subprocess.Popen[str], timeout: float = CRAWL_TIMEOUT) -> tuple[int, str, str, int]:
    """Wait for a :func:`spawn`-ed process: (exit code, stdout, stderr, peak resident memory in MB)."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise AssertionError(f"{proc.args} still running after {timeout} s")
        time.sleep(0.1)
    proc.returncode = os.waitstatus_to_exitcode(status)
    out = proc.out_path.read_text("utf-8")  # type: ignore[attr-defined]
    err = proc.err_path.read_text("utf-8")  # type: ignore[attr-defined]
    return proc.returncode, out, err, usage.ru_maxrss // 1024


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached within {timeout} s")


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def assert_archive_consistent(engine: Engine) -> None:
    """No duplicate article, no half-written one: every article has versions numbered 1..n, every
    alive article fetch of a run points at an article, and each run's counters match its fetch rows."""
    with engine.connect() as conn:
        articles = conn.execute(select(models.Article.id, models.Article.canonical_url)).all()
        numbers = conn.execute(select(models.ArticleVersion.article_id, models.ArticleVersion.number)).all()
        runs = conn.execute(select(models.CrawlRun.id, models.CrawlRun.pages_fetched)).all()
        fetched = dict(
            conn.execute(select(models.Fetch.run_id, func.count()).group_by(models.Fetch.run_id)).all()
        )
    assert len({url for _, url in articles}) == len(articles), "duplicate articles"
    by_article: dict[int, list[int]] = {}
    for article_id, number in numbers:
        by_article.setdefault(article_id, []).append(number)
    assert set(by_article) == {a for a, _ in articles}, "an article without versions, or versions without article"
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in by_article.values()), "version numbers have gaps"
    for run_id, pages in runs:  # counters are written in the same transaction as the fetch rows
        assert fetched.get(run_id, 0) == pages, f"run {run_id}: {pages} pages counted, {fetched.get(run_id, 0)} rows"


def rows(engine: Engine, model: type) -> list[dict[str, Any]]:
    table = model.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]


# -- one crawl of the hostile site per database -------------------------------------------------------------

HOSTILE_CONFIG = """
delay = 0
download_timeout = 4

[[sources]]
name = "hostile"
start_urls = ["{base}/"]
feeds = ["{base}/feeds/malformed.rss", "{base}/feeds/malformed.atom", "{base}/feeds/garbage.rss",
         "{base}/feeds/bomb.rss"]
sitemaps = ["{base}/sitemaps/bomb.xml", "{base}/sitemaps/self-index.xml", "{base}/sitemaps/gzip-bomb.xml.gz"]
allowed_domains = ["127.0.0.1"]
article_pattern = "/news/"

[[sources]]
name = "bigmap"
sitemaps = ["{base}/sitemaps/big.xml"]
max_articles = 20
"""


@dataclass
class HostileCrawl:
    """What one crawl of the hostile site left: exit code, output, memory, server hits, and the archive."""

    backend: str
    site: HostileServer
    offsite: HostileServer
    db_url: str
    returncode: int = -1
    stdout: str = ""
    stderr: str = ""
    max_rss_mb: int = 0
    seconds: float = 0.0
    fetches: list[dict[str, Any]] = field(default_factory=list)
    articles: list[dict[str, Any]] = field(default_factory=list)
    versions: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)

    def path(self, url: str | None) -> str:
        return (url or "").replace(self.site.base_url, "")

    def fetch(self, path: str) -> dict[str, Any]:
        """The one fetch row of the URL ``path`` (on the hostile site)."""
        found = [f for f in self.fetches if self.path(f["url"]) == path]
        assert len(found) == 1, (path, [(f["url"], f["verdict"]) for f in found])
        return found[0]

    def version(self, path: str) -> dict[str, Any] | None:
        """The (only) archived version of the article at ``path``, or None."""
        found = [v for v in self.versions if self.path(v["url"]).split("?")[0] == path]
        assert len(found) <= 1, path
        return found[0] if found else None


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
