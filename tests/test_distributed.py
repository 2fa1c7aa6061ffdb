"""Distributed mode on the real Redis and PostgreSQL servers of 127.0.0.1: ``morgue crawl --enqueue``
then two ``morgue worker`` processes crawl the fixture site into one database; and two concurrent
writers storing the same articles.

Each test uses its own Redis key prefix and its own PostgreSQL database (created and dropped here,
never ``test``). Skipped when Redis or PostgreSQL is unreachable, except in CI (``CI`` set).
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from crawler.core.items import Article, FetchResult, Verdict
from crawler.demo.server import SiteServer
from storage import models
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.writer import ArchiveWriter
from tests.helpers import FIXTURES, PG_URL, write_config

REDIS_URL = os.environ.get("MORGUE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
EXPECTED = json.loads((FIXTURES / "site" / "expected.json").read_text("utf-8"))


def _unavailable(what: str, exc: Exception) -> None:
    if os.environ.get("CI"):
        raise exc
    pytest.skip(f"{what} not reachable: {exc}")


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
        client.ping()
    except Exception as exc:
        _unavailable(f"Redis at {REDIS_URL}", exc)
    prefix = f"morgue-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def own_pg() -> Iterator[str]:
    """A PostgreSQL database of this test's own, at head; dropped afterwards."""
    name = f"morgue_dist_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(PG_URL).set(database="postgres")
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        _unavailable(f"PostgreSQL at {admin_url.render_as_string(hide_password=True)}", exc)
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _morgue(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _paths(hits: list[str]) -> collections.Counter[str]:
    return collections.Counter(h.split("#")[0] for h in hits if not h.startswith("/robots.txt"))


def test_two_workers_fetch_every_page_once_and_store_every_article_once(
    tmp_path: Path, redis_prefix: str, own_pg: str
) -> None:
    env = {**os.environ, "MORGUE_REDIS_PREFIX": redis_prefix}
    env.pop("MORGUE_REDIS_URL", None)
    # the reference: one ordinary crawl (no Redis) of the same site into SQLite
    with SiteServer(FIXTURES / "site") as site:
        config = write_config(tmp_path, site.base_url)
        ref_db = f"sqlite:///{tmp_path / 'ref.db'}"
        for args in (("init",), ("crawl", "--delay", "0")):
            proc = _morgue("--config", str(config), "--db", ref_db, *args, env=env, cwd=tmp_path)
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, out + err
        reference = _paths(site.hits)
    assert reference, "the reference crawl fetched nothing"
    ref_engine = create_engine(ref_db)
    with ref_engine.connect() as conn:
        ref_pages = conn.scalar(select(models.CrawlRun.pages_fetched))
    ref_engine.dispose()

    env["MORGUE_REDIS_URL"] = REDIS_URL
    with SiteServer(FIXTURES / "site") as site:
        config = write_config(tmp_path, site.base_url)
        common = ("--config", str(config), "--db", own_pg)
        enqueue = _morgue(*common, "crawl", "--enqueue", env=env, cwd=tmp_path)
        out, err = enqueue.communicate(timeout=120)
        assert enqueue.returncode == 0, out + err
        assert "queued 5 seed requests" in out
        workers = [
            _morgue(*common, "worker", "--idle-timeout", "3", "--delay", "0", env=env, cwd=tmp_path) for _ in range(2)
        ]
        outputs = [w.communicate(timeout=240) for w in workers]
        for w, (out, err) in zip(workers, outputs, strict=True):
            assert w.returncode == 0, out + err
            assert "worker run" in out and "succeeded" in out, out
        distributed = _paths(site.hits)
        robots = sum(1 for h in site.hits if h.startswith("/robots.txt"))

    # every page fetched as often as by a single crawl: once, except the start page that is
    # also a redirect target and the 503 page retried once; robots.txt once per worker at most
    assert distributed == reference, (distributed - reference, reference - distributed, [e[-3000:] for _, e in outputs])
    for path in EXPECTED["alive"]:
        assert distributed[path] == 1, path
    assert robots <= 2

    engine = create_engine(own_pg)
    with engine.connect() as conn:
        canon = list(conn.scalars(select(models.Article.canonical_url)))
        versions = conn.scalar(select(func.count()).select_from(models.ArticleVersion))
        runs = conn.execute(select(models.CrawlRun.kind, models.CrawlRun.status, models.CrawlRun.pages_fetched)).all()
        article_fetches = conn.execute(
            select(models.Fetch.url, func.count()).where(models.Fetch.kind == "article").group_by(models.Fetch.url)
        ).all()
    engine.dispose()
    assert sorted(c.replace(site.base_url, "") for c in canon) == sorted(EXPECTED["alive"])
    assert versions == len(EXPECTED["alive"])
    assert sorted((k, s) for k, s, _ in runs) == [("worker", "succeeded")] * 2
    assert sum(p for _, _, p in runs) == ref_pages, runs  # the two workers shared the work
    assert all(n == 1 or url.endswith("flaky") for url, n in article_fetches), article_fetches


def _item(i: int, *, at: datetime) -> FetchResult:
    page = f"https://news.example.org/fr/2025110{i % 10}-article-{i}"
    return FetchResult(
        url=page,
        source="news",
        kind="article",
        fetched_at=at,
        verdict=Verdict.ALIVE,
        status=200,
        final_url=page,
        article=Article(url=page, canonical_url=page, title=f"Article {i}", body=f"Le corps de l'article {i}."),
    )


def test_concurrent_writers_store_each_article_once(own_pg: str) -> None:
    """Two archive writers (as in two workers) store the same 30 articles at the same moments."""
    engines = [make_engine(own_pg) for _ in range(2)]
    writers = [ArchiveWriter(make_sessionmaker(e)) for e in engines]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    at = datetime(2025, 11, 5, 12, tzinfo=UTC)

    def write(writer: ArchiveWriter) -> None:
        try:
            for i in range(30):
                barrier.wait(timeout=30)
                writer.write([_item(i, at=at)])
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=write, args=(w,)) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for e in engines:
        e.dispose()
    assert not errors, errors
    engine = create_engine(own_pg)
    with engine.connect() as conn:
        articles = conn.scalar(select(func.count()).select_from(models.Article))
        urls = conn.scalar(select(func.count()).select_from(models.ArticleUrl))
        versions = conn.scalar(select(func.count()).select_from(models.ArticleVersion))
        fetches = conn.scalar(select(func.count()).select_from(models.Fetch))
        sources = conn.scalar(select(func.count()).select_from(models.Source))
    engine.dispose()
    assert (articles, urls, versions, fetches, sources) == (30, 30, 30, 60, 1)


def test_enqueue_and_worker_need_a_redis_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from crawler.app.cli import cli

    monkeypatch.delenv("MORGUE_REDIS_URL", raising=False)
    config = write_config(tmp_path, "http://127.0.0.1:9")
    db = f"sqlite:///{tmp_path / 'a.db'}"
    for args in (("crawl", "--enqueue"), ("worker",)):
        result = CliRunner().invoke(cli, ["--config", str(config), "--db", db, *args])
        assert result.exit_code == 2, result.output
        assert "no Redis URL" in result.output


def test_nightly_job_only_enqueues_in_distributed_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.app.schedule import job_specs
    from crawler.config import parse_config

    monkeypatch.delenv("MORGUE_REDIS_URL", raising=False)
    raw = {"schedule": {"crawl": "0 3 * * *"}, "sources": [{"name": "a", "start_urls": ["https://a.example/"]}]}
    assert job_specs(parse_config(raw))[0].argv == ("crawl",)
    specs = job_specs(parse_config({**raw, "redis_url": "redis://queue.internal:6379/0"}))
    assert specs[0].argv == ("crawl", "--enqueue")
