"""Operations: the schedule, run history, one run at a time, kill -9, SIGTERM, cron-friendly output.
Real subprocess crawls of the fixture site on 127.0.0.1, real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, func, select

from crawler.app.schedule import build_scheduler, job_specs, job_table, persisted_jobs
from crawler.config import load_config, parse_config
from crawler.demo.server import SiteServer
from storage import models
from storage.db import make_engine, upgrade
from storage.locks import LockHeldError, acquire
from tests.helpers import FIXTURES, fresh_pg

CONFIG = """
delay = 0

[schedule]
timezone = "Europe/Paris"
crawl = "0 3 * * *"
recheck = "30 4 * * 0"
time_limit = "2m"

[[sources]]
name = "horizon"
start_urls = ["{base}/", "{base}/en/"]
sitemaps = ["{base}/sitemap.xml"]
article_pattern = "/\\\\d{{8}}-"

[[sources]]
name = "feeds"
feeds = ["{base}/rss.xml", "{base}/atom.xml"]
schedule = "*/30 * * * *"
"""


def morgue(*args: str, cwd: Path, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=240, **kw)


def spawn(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[SiteServer, list[str], Engine, Path]]:
    db = f"sqlite:///{tmp_path / 'archive.db'}" if request.param == "sqlite" else fresh_pg()
    with SiteServer(FIXTURES / "site", delay=0.3) as site:  # slow enough to catch a run in the middle
        config = tmp_path / "morgue.toml"
        config.write_text(CONFIG.format(base=site.base_url), encoding="utf-8")
        engine = make_engine(db)
        upgrade(engine)
        yield site, ["--config", str(config), "--db", db], engine, tmp_path
        engine.dispose()


def runs(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(models.CrawlRun.id, models.CrawlRun.kind,
                                                      models.CrawlRun.status).order_by(models.CrawlRun.id))]


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def count(engine: Engine, model: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def assert_archive_consistent(engine: Engine) -> None:
    """Every article has versions numbered 1..n, no orphan rows, one row per canonical URL."""
    with engine.connect() as conn:
        articles = conn.execute(select(models.Article.id, models.Article.canonical_url)).all()
        numbers = conn.execute(select(models.ArticleVersion.article_id, models.ArticleVersion.number)).all()
    assert len({url for _, url in articles}) == len(articles)
    by_article: dict[int, list[int]] = {}
    for article_id, number in numbers:
        by_article.setdefault(article_id, []).append(number)
    assert set(by_article) == {a for a, _ in articles}
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in by_article.values())


def test_jobs_from_config_and_next_run_times() -> None:
    config = parse_config({
        "schedule": {"timezone": "Europe/Paris", "crawl": "0 3 * * *", "recheck": "30 4 * * 0"},
        "sources": [{"name": "a", "start_urls": ["https://a.example/"]},
                    {"name": "b", "feeds": ["https://b.example/rss"], "schedule": "15 */6 * * *"}],
    })
    specs = {s.id: s for s in job_specs(config)}
    assert set(specs) == {"crawl", "crawl:b", "recheck"}
    assert specs["crawl"].argv == ("crawl", "--source", "a")  # b has its own timetable
    assert specs["crawl:b"].argv == ("crawl", "--source", "b")
    engine = make_engine("sqlite://")
    upgrade(engine)
    now = datetime(2025, 11, 3, 12, 0, tzinfo=UTC)  # a Monday, 13:00 in Paris
    table = {row["job"]: row["next_run"] for row in job_table(config, engine, now=now)}
    assert table["crawl"].isoformat() == "2025-11-04T03:00:00+01:00"
    assert table["crawl:b"].isoformat() == "2025-11-03T18:15:00+01:00"
    assert table["recheck"].isoformat() == "2025-11-09T04:30:00+01:00"


def test_schedule_list_and_persisted_next_runs(env) -> None:
    _, common, engine, tmp = env
    listed = morgue(*common, "schedule", "--list", cwd=tmp)
    assert listed.returncode == 0, listed.stderr
    assert "crawl:feeds" in listed.stdout and "Europe/Paris" in listed.stdout
    config = load_config(common[1])
    scheduler = build_scheduler(config, engine, database_url=common[3], config_path=common[1],
                                scheduler_cls=BackgroundScheduler)
    scheduler.start(paused=True)
    scheduler.shutdown()
    stored = persisted_jobs(engine)
    assert set(stored) == {"crawl", "crawl:feeds", "recheck"}
    first = stored["crawl"]["next_run_time"]
    again = build_scheduler(config, engine, database_url=common[3], config_path=common[1],
                            scheduler_cls=BackgroundScheduler)
    assert again.get_jobs() == []  # nothing changed: stored jobs (and their next runs) are kept
    assert persisted_jobs(engine)["crawl"]["next_run_time"] == first
    assert {j.coalesce for j in scheduler.get_jobs()} <= {True}


def test_a_fired_job_runs_a_real_crawl_in_a_subprocess(env) -> None:
    site, common, engine, _ = env
    site.delay = 0
    config = load_config(common[1])
    scheduler = build_scheduler(config, engine, database_url=common[3], config_path=common[1],
                                scheduler_cls=BackgroundScheduler)
    scheduler.start()
    try:
        scheduler.modify_job("crawl", next_run_time=datetime.now(UTC))
        wait_for(lambda: ("crawl", "succeeded") in [(k, s) for _, k, s in runs(engine)], timeout=120)
    finally:
        scheduler.shutdown()
    assert count(engine, models.Article) >= 5
    with engine.connect() as conn:
        pid, command = conn.execute(select(models.CrawlRun.pid, models.CrawlRun.command)).one()
    assert pid != os.getpid() and "--source horizon" in command  # a fresh process per run


def test_two_concurrent_crawls_exactly_one_runs(env) -> None:
    site, common, engine, tmp = env
    site.delay = 0.5  # each page takes half a second: the first crawl still runs while the other two are refused
    first = spawn(*common, "crawl", "--delay", "0", cwd=tmp)
    try:
        wait_for(lambda: any(s == "running" for _, _, s in runs(engine)))
        second = morgue(*common, "crawl", "--delay", "0", cwd=tmp)
        assert second.returncode == 3, second.stderr
        assert "another morgue run holds the archive's lock" in second.stderr
        recheck = morgue(*common, "recheck", "--all", cwd=tmp)
        assert recheck.returncode == 3
    finally:
        _, err = first.communicate(timeout=200)
    assert first.returncode == 0, err
    assert [s for _, _, s in runs(engine)] == ["succeeded"]  # the refused runs left no row


def test_kill_9_leaves_no_half_written_rows_and_the_run_is_interrupted_next_time(env) -> None:
    site, common, engine, tmp = env
    victim = spawn(*common, "crawl", "--delay", "0", cwd=tmp)
    wait_for(lambda: count(engine, models.ArticleVersion) >= 2)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=30)
    assert [s for _, _, s in runs(engine)] == ["running"]
    assert_archive_consistent(engine)
    site.delay = 0
    rerun = morgue(*common, "crawl", "--delay", "0", cwd=tmp)
    assert rerun.returncode == 0, rerun.stderr
    assert [s for _, _, s in runs(engine)] == ["interrupted", "succeeded"]
    assert_archive_consistent(engine)
    assert count(engine, models.Article) == 8  # the 8 alive articles of the fixture site, once each
    listing = morgue(*common, "runs", "--format", "json", cwd=tmp)
    assert '"interrupted"' in listing.stdout and "its process stopped" in listing.stdout


def test_sigterm_stops_the_scheduler_and_the_running_crawl_gracefully(env) -> None:
    _, common, engine, tmp = env
    scheduler = spawn(*common, "schedule", "--run-now", "crawl", cwd=tmp)
    try:
        wait_for(lambda: count(engine, models.ArticleVersion) >= 1)
        scheduler.send_signal(signal.SIGTERM)
        _, err = scheduler.communicate(timeout=90)
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.communicate()
    assert scheduler.returncode == 0, err
    assert [(k, s) for _, k, s in runs(engine)] == [("crawl", "interrupted")]
    assert_archive_consistent(engine)


def test_quiet_prints_nothing_on_success_and_errors_go_to_stderr(env) -> None:
    site, common, _, tmp = env
    site.delay = 0
    quiet = morgue("--quiet", *common, "crawl", "--delay", "0", cwd=tmp)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    log = tmp / "crawl.log"
    logged = morgue("--log-file", str(log), *common, "recheck", "--all", "--delay", "0", cwd=tmp)
    assert logged.returncode == 0 and "recheck run" in logged.stdout
    assert "Spider closed (finished)" in log.read_text()
    bad = morgue("--quiet", "--config", common[1], "--db", common[3], "crawl", "--source", "nope", cwd=tmp)
    assert bad.returncode == 2 and bad.stdout == "" and "nope" in bad.stderr


def test_lock_stale_and_dead_owners(env) -> None:
    _, _, engine, _ = env
    lock = acquire(engine)
    with pytest.raises(LockHeldError, match="holds the archive's lock"):
        acquire(engine, owner="elsewhere:1")
    lock.release()
    acquire(engine).release()  # released: free again
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's advisory lock dies with its session; below is the SQLite row protocol
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    acquire(engine, owner=f"{os.uname().nodename}:{dead.pid}")  # never released: its process is gone
    acquire(engine).release()
    old = datetime.now(UTC) - timedelta(hours=1)
    acquire(engine, owner="other-host:123", now=old)  # another machine, heartbeat an hour old
    acquire(engine).release()
    acquire(engine, owner="other-host:123")  # another machine, fresh heartbeat: held
    with pytest.raises(LockHeldError, match="other-host:123"):
        acquire(engine)


@pytest.mark.parametrize(
    ("expr", "days"),
    [("30 4 * * 0", "sun"), ("0 3 * * 7", "sun"), ("0 3 * * 1-5", "mon,tue,wed,thu,fri"), ("0 3 * * sat,0", "sun,sat"),
     ("0 3 * * */3", "sun,wed,sat"), ("0 3 * * *", "*")],
)
def test_cron_weekdays_mean_what_crontab_means(expr: str, days: str) -> None:
    from crawler.cron import cron_trigger

    assert f"day_of_week='{days}'" in str(cron_trigger(expr))


@pytest.mark.parametrize("expr", ["61 * * * *", "0 3 * *", "0 3 * * 8", "0 3 * * 5-1", "x y z a b"])
def test_bad_cron_expressions_are_config_errors(expr: str) -> None:
    from crawler.config import ConfigError

    with pytest.raises(ConfigError, match=r"^schedule.crawl: invalid cron expression"):
        parse_config({"schedule": {"crawl": expr}})
