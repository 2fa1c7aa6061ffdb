"""Batched writes (storage.writer) on real databases: one transaction per batch, outcomes per item, clear
errors when the database is away, and the writer process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.core.items import Article, FetchResult, Probe, Verdict
from storage import models
from storage import writer as writer_module
from storage.archive import Outcome
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.writer import ArchiveWriter, BackgroundWriter, ProcessWriter, WriteError

AT = datetime(2025, 11, 5, 12, tzinfo=UTC)
UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere"  # nothing listens on port 1


def item(i: int, title: str | None = None) -> FetchResult:
    url = f"https://news.example.org/fr/20251105-article-{i}"
    return FetchResult(
        url=url,
        source="news",
        kind="article",
        fetched_at=AT,
        verdict=Verdict.ALIVE,
        status=200,
        final_url=url,
        article=Article(url=url, canonical_url=url, title=title or f"Article {i}", body=f"Le corps {i}."),
    )


def counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        out = tuple(
            conn.scalar(select(func.count()).select_from(t))
            for t in (models.Article, models.ArticleVersion, models.Fetch)
        )
    engine.dispose()
    return out  # type: ignore[return-value]


@pytest.fixture
def archive(db_url: str) -> str:
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    return db_url


def test_background_writer_batches_and_resolves_each_item(archive: str) -> None:
    engine = make_engine(archive)
    background = BackgroundWriter(ArchiveWriter(make_sessionmaker(engine)), max_batch=16)
    futures = [background.submit(item(i)) for i in range(60)]
    futures += [background.submit(item(i, title=f"Article {i}, corrigé")) for i in range(5)]
    futures += [background.submit(item(i)) for i in range(5, 10)]
    outcomes = [f.result(timeout=60) for f in futures]
    background.close()
    engine.dispose()
    assert outcomes == [Outcome.NEW] * 60 + [Outcome.UPDATED] * 5 + [Outcome.UNCHANGED] * 5
    assert 5 <= background.batches < 70  # at most 16 per batch; several per transaction
    assert counts(archive) == (60, 65, 70)


def test_a_batch_is_written_whole_or_not_at_all(archive: str) -> None:
    engine = make_engine(archive)
    writer = ArchiveWriter(make_sessionmaker(engine))
    broken = Probe(url="https://news.example.org/xyz", status=404, host="news.example.org", pattern="/fr/")  # no time
    with pytest.raises(ValueError, match="fetched_at"):
        writer.write([item(1), item(2), broken])
    engine.dispose()
    assert counts(archive) == (0, 0, 0)


def test_an_item_the_archive_refuses_fails_alone(archive: str) -> None:
    """One bad item in a batch: the batch is rolled back and written again item by item; only the bad one
    fails, and the items after it are stored (one bad URL never stops a crawl)."""
    engine = make_engine(archive)
    background = BackgroundWriter(ArchiveWriter(make_sessionmaker(engine)), max_batch=16)
    broken = Probe(url="https://news.example.org/xyz", status=404, host="news.example.org", pattern="/fr/")
    futures = [background.submit(x) for x in (item(1), item(2), broken, item(3))]
    futures.append(background.submit(item(4)))
    with pytest.raises(ValueError, match="fetched_at"):
        futures[2].result(timeout=60)
    assert [f.result(timeout=60) for f in futures[:2] + futures[3:]] == [Outcome.NEW] * 4
    background.close()
    engine.dispose()
    assert counts(archive) == (4, 4, 4)


def test_an_unreachable_database_is_a_write_error_and_fails_what_follows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writer_module, "RETRY_DELAY", 0.0)
    engine = make_engine(UNREACHABLE)
    background = BackgroundWriter(ArchiveWriter(make_sessionmaker(engine)))
    first = background.submit(item(1))
    with pytest.raises(WriteError) as caught:
        first.result(timeout=60)
    assert "connect" in str(caught.value.__cause__).lower()
    later = background.submit(item(2))  # not tried again: the crawl is being stopped
    with pytest.raises(WriteError):
        later.result(timeout=5)
    background.close()
    engine.dispose()


def test_the_writer_process_writes_and_reports_its_death(archive: str) -> None:
    remote = ProcessWriter(archive)
    try:
        assert remote.write([item(1), item(2)]) == [Outcome.NEW, Outcome.NEW]
        assert remote.write([item(1)]) == [Outcome.UNCHANGED]
        assert counts(archive) == (2, 2, 3)
        pid = remote.executor.submit(os.getpid).result(timeout=30)
        assert pid != os.getpid()
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(WriteError, match="writer process died"):
            remote.write([item(3)])
    finally:
        remote.close()


def test_the_writer_process_says_why_the_database_refused() -> None:
    remote = ProcessWriter(UNREACHABLE)
    try:
        with pytest.raises(WriteError, match=r"(?i)connect"):
            remote.write([item(1)])
    finally:
        remote.close()


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"  # a zombie waiting for init to reap it has exited


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_helper_exits_when_the_crawl_process_is_killed(sqlite_url: str) -> None:
    script = (
        "import os, time\n"
        "from storage.writer import ProcessWriter\n"
        f"w = ProcessWriter({sqlite_url!r})\n"
        "print(w.executor.submit(os.getpid).result(), flush=True)\n"
        "time.sleep(120)\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) as crawl:
        assert crawl.stdout is not None
        helper = int(crawl.stdout.readline())
        assert not _gone(helper)
        crawl.kill()  # as kill -9: no cleanup in the crawl process
        crawl.wait()
    deadline = time.monotonic() + 15
    while not _gone(helper) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(helper), "the helper outlived its crawl process"
