"""Faults: the process killed, the database gone or locked, the WARC folder gone. Real `morgue`
subprocesses crawl the fixture site on 127.0.0.1; afterwards the archive is consistent (no
duplicate article, no half-written version, run counters equal to the fetch rows) and the run
says what happened. kill -9 during a *crawl* is tests/test_operations.py::test_kill_9_... (SQLite
and PostgreSQL); here is the re-check.

The PostgreSQL test stops and restarts the server (pg_ctlcluster, as root): it disturbs anyone
else using it, so it is short, always restarts the server, and is skipped with
``MORGUE_SKIP_PG_RESTART=1``.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, select

from crawler.demo.server import SiteServer
from storage import models
from storage.db import make_engine, upgrade
from storage.locks import LockHeldError, acquire
from tests.helpers import (
    FIXTURES,
    PG_URL,
    assert_archive_consistent,
    count,
    finish,
    fresh_pg,
    morgue,
    pg_lock,
    rows,
    spawn,
    wait_for,
)

CONFIG = """
delay = 0
{extra}
[[sources]]
name = "horizon"
start_urls = ["{base}/", "{base}/en/"]
sitemaps = ["{base}/sitemap.xml"]
article_pattern = "/\\\\d{{8}}-"
"""


class Env:
    def __init__(self, site: SiteServer, db: str, tmp: Path, extra: str = "") -> None:
        self.site, self.db, self.tmp = site, db, tmp
        self.config = tmp / "morgue.toml"
        self.config.write_text(CONFIG.format(base=site.base_url, extra=extra), encoding="utf-8")
        self.engine = make_engine(db)
        upgrade(self.engine)

    @property
    def common(self) -> list[str]:
        return ["--config", str(self.config), "--db", self.db]

    def runs(self) -> list[tuple[str, str]]:
        return [(r["kind"], r["status"]) for r in rows(self.engine, models.CrawlRun)]


@pytest.fixture
def site() -> Iterator[SiteServer]:
    with SiteServer(FIXTURES / "site", delay=0.3) as server:  # slow enough to catch a run in the middle
        yield server


@pytest.fixture
def sqlite_env(site: SiteServer, tmp_path: Path) -> Iterator[Env]:
    env = Env(site, f"sqlite:///{tmp_path / 'archive.db'}", tmp_path)
    yield env
    env.engine.dispose()


def _run_messages(engine: Engine) -> list[str | None]:
    with engine.connect() as conn:
        return list(conn.execute(select(models.CrawlRun.message).order_by(models.CrawlRun.id)).scalars())


def test_kill_9_during_a_recheck_then_rerun(sqlite_env: Env) -> None:
    env = sqlite_env
    env.site.delay = 0
    assert morgue(*env.common, "crawl", cwd=env.tmp).returncode == 0
    archived = count(env.engine, models.Article)
    env.site.delay = 0.5
    victim = spawn(*env.common, "recheck", "--all", cwd=env.tmp)
    try:
        wait_for(lambda: any(f["run_id"] == 2 for f in rows(env.engine, models.Fetch)), what="a re-check fetch")
    finally:
        victim.send_signal(signal.SIGKILL)
        finish(victim)
    assert env.runs() == [("crawl", "succeeded"), ("recheck", "running")]
    assert_archive_consistent(env.engine)
    env.site.delay = 0
    rerun = morgue(*env.common, "recheck", "--all", cwd=env.tmp)
    assert rerun.returncode == 0, rerun.stderr
    assert env.runs() == [("crawl", "succeeded"), ("recheck", "interrupted"), ("recheck", "succeeded")]
    assert "its process stopped" in (_run_messages(env.engine)[1] or "")
    assert_archive_consistent(env.engine)
    assert count(env.engine, models.Article) == archived >= 5


def test_sqlite_locked_by_another_writer_before_the_crawl_is_a_clear_error(sqlite_env: Env) -> None:
    env = sqlite_env
    writer = sqlite3.connect(str(env.tmp / "archive.db"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        started = time.monotonic()
        result = morgue(*env.common, "crawl", cwd=env.tmp, env={"MORGUE_SQLITE_BUSY_TIMEOUT_MS": "500"})
        waited = time.monotonic() - started
    finally:
        writer.rollback()
        writer.close()
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: database: cannot take the archive's lock: the SQLite database is locked: another process kept "
        "writing to it for more than 0.5 s (MORGUE_SQLITE_BUSY_TIMEOUT_MS)"
    ]
    assert waited < 30
    assert env.runs() == [] and count(env.engine, models.Fetch) == 0
    assert env.site.hits == []  # nothing was crawled


def test_sqlite_locked_during_a_crawl_fails_the_run_cleanly(sqlite_env: Env) -> None:
    env = sqlite_env
    crawl = spawn(*env.common, "crawl", cwd=env.tmp, env={"MORGUE_SQLITE_BUSY_TIMEOUT_MS": "500"})
    try:
        wait_for(lambda: count(env.engine, models.ArticleVersion) >= 1, what="a first archived version")
        writer = sqlite3.connect(str(env.tmp / "archive.db"), isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        time.sleep(2)  # four times the busy timeout: the crawl gives up writing
        writer.rollback()
        writer.close()
    finally:
        code, _, err, _ = finish(crawl)
    assert code == 1, err
    assert "database error: the SQLite database is locked" in err
    assert env.runs() == [("crawl", "failed")]
    assert (_run_messages(env.engine)[0] or "").startswith("database error: the SQLite database is locked")
    assert_archive_consistent(env.engine)


def test_the_warc_folder_disappearing_during_a_crawl_stops_it_cleanly(site: SiteServer, tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    env = Env(site, f"sqlite:///{tmp_path / 'archive.db'}", tmp_path, extra=f'warc_dir = "{warc}"\nwarc_max_size = 1')
    crawl = spawn(*env.common, "crawl", cwd=tmp_path)  # one WARC file per response: each needs the folder
    try:
        wait_for(lambda: count(env.engine, models.ArticleVersion) >= 1, what="a first archived version")
        shutil.rmtree(warc)
        warc.write_text("not a folder any more")
    finally:
        code, _, err, _ = finish(crawl)
    assert code == 1, err
    assert f"cannot write WARC files: {warc}: Not a directory" in err
    assert env.runs() == [("crawl", "failed")]
    assert_archive_consistent(env.engine)
    env.engine.dispose()


def _pg_cluster() -> list[str] | None:
    """``[version, name]`` of the local PostgreSQL cluster serving the test database, if this test may restart it."""
    if os.environ.get("MORGUE_SKIP_PG_RESTART") == "1":
        return None
    parts = urlsplit(PG_URL.replace("postgresql+psycopg", "postgresql"))
    if parts.hostname not in ("127.0.0.1", "localhost") or (parts.port or 5432) != 5432:
        return None
    if not shutil.which("pg_ctlcluster") or os.geteuid() != 0 or not Path("/etc/postgresql").is_dir():
        return None
    versions = sorted(os.listdir("/etc/postgresql"))
    return [versions[-1], "main"] if versions else None


def _pg_ctl(cluster: list[str], action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, action], check=True,
                   capture_output=True, timeout=60)


def _pg_ready() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=2).close()
    except psycopg.OperationalError:
        return False
    return True


@pytest.mark.restarts_postgresql
@pytest.mark.skipif(_pg_cluster() is None, reason="needs root, pg_ctlcluster and the local test cluster; "
                    "MORGUE_SKIP_PG_RESTART=1 skips it")
def test_postgresql_stopped_and_started_during_a_crawl(site: SiteServer, tmp_path: Path) -> None:
    with pg_lock(exclusive=True):  # other test runs on this machine wait while the server is down
        cluster = _pg_cluster()
        assert cluster is not None
        site.delay = 0.6  # pages still to come while the server is down
        env = Env(site, fresh_pg(), tmp_path)
        log = tmp_path / "crawl.log"
        crawl = spawn("--log-file", str(log), *env.common, "crawl", cwd=tmp_path)
        gave_up = False
        try:
            wait_for(lambda: count(env.engine, models.ArticleVersion) >= 2, what="two archived versions")
            env.engine.dispose()
            _pg_ctl(cluster, "stop")
            try:  # the pipeline retries once (1 s), then closes the crawl
                gave_up = bool(wait_for(lambda: "stopping the crawl" in log.read_text() or crawl.poll() is not None,
                                        timeout=30, what="the crawl to notice"))
            finally:
                _pg_ctl(cluster, "start")
                wait_for(_pg_ready, timeout=60, what="PostgreSQL to accept connections again")
            # The crawl's advisory lock died with the server, yet no second run may start beside it:
            # a newcomer gets the lock only once the crawl has closed its run (it closes it, then releases).
            second = make_engine(env.db)
            try:
                newcomer = acquire(second, owner="other-host:1")
            except LockHeldError:
                assert crawl.poll() is None
            else:
                newcomer.release()
                assert "running" not in [status for _, status in env.runs()]
            finally:
                second.dispose()
        finally:
            code, _, err, _ = finish(crawl)
        assert gave_up
        if code == 0:  # the server came back while the write was being retried: the crawl resumed
            assert env.runs() == [("crawl", "succeeded")]
        else:
            assert code == 1, err
            assert env.runs() == [("crawl", "failed")]
            message = _run_messages(env.engine)[0] or ""
            assert message.startswith("database error: ") and "\n" not in message
            assert message in err
        assert_archive_consistent(env.engine)
        env.engine.dispose()
