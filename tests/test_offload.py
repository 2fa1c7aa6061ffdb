"""Page processes and the writer process (crawler.components.offload, storage.writer): a real crawl of the fixture
site with both in use from the first page stores exactly what a crawl without them stores."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.components.offload import PagePool
from crawler.core.items import FetchResult
from crawler.core.processes import BusyMeter
from crawler.demo.server import SiteServer
from crawler.page.pipeline import Page, page_result
from tests.helpers import EXPECTED, FIXTURES, write_config

VOLATILE = {"first_seen_at", "last_seen_at", "last_checked_at", "fetched_at", "next_check_at", "id"}


def crawl(
    tmp_path: Path, site: SiteServer, processes: int, *, delay: str = "0", after: str = "0", busy: str = "0"
) -> tuple[list[dict], str]:
    """Crawl the fixture site with ``processes`` page processes (by default, helpers from the first page on)."""
    config = write_config(tmp_path, site.base_url)
    config.write_text(f"processes = {processes}\n" + config.read_text("utf-8"), "utf-8")
    db = f"sqlite:///{tmp_path / 'archive.db'}"
    env = {**os.environ, "MORGUE_OFFLOAD_AFTER": after, "MORGUE_OFFLOAD_BUSY": busy}

    def morgue(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "crawler", "--config", str(config), "--db", db, *args]
        return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=240, env=env)

    assert morgue("init").returncode == 0
    run = morgue("crawl", "--delay", delay, "--verbose")
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path / "export.jsonl"
    assert morgue("export", "--format", "jsonl", "--out", str(out)).returncode == 0
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return sorted(records, key=lambda r: r["canonical_url"]), run.stderr


def _stable(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in VOLATILE}


def test_helper_processes_store_what_the_crawl_process_stores(tmp_path: Path, site: SiteServer) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    alone, log_alone = crawl(tmp_path / "a", site, processes=0)
    helped, log_helped = crawl(tmp_path / "b", site, processes=2)

    offloaded = re.search(r"'morgue/pages_offloaded': (\d+)", log_helped)
    assert offloaded and int(offloaded.group(1)) >= len(EXPECTED["alive"]) - 1, "pages were not sent to the pool"
    assert "'morgue/writer_process': True" in log_helped
    assert "morgue/pages_offloaded" not in log_alone and "'morgue/writer_process': False" in log_alone

    assert len(helped) == len(EXPECTED["alive"])
    for a, b in zip(alone, helped, strict=True):
        diff = {k: (a[k], b.get(k)) for k in _stable(a) if a[k] != b.get(k)}
        assert not diff, (a["canonical_url"], diff)


def test_a_polite_crawl_starts_no_helper(tmp_path: Path, site: SiteServer) -> None:
    """With a delay between requests, extracting takes a small share of the time: no process is started."""
    # (busy 0.8: the first pages load the language model and the date parser's locales, seconds on a loaded machine)
    records, log = crawl(tmp_path, site, processes=2, delay="0.5", after="4", busy="0.8")
    assert len(records) == len(EXPECTED["alive"])
    assert "morgue/pages_offloaded" not in log and "'morgue/writer_process': False" in log


def test_the_busy_meter_is_the_share_of_time_the_work_took() -> None:
    meter = BusyMeter(window=3)
    assert meter.share(now=0.0) == 0.0 and meter.busy(0.0) and not meter.busy(0.5)
    for start in (0.0, 1.0, 2.0, 3.0):  # 0.1 s of work every second; the first falls out of the window
        meter.add(start, 0.1)
    assert meter.share(now=4.0) == pytest.approx(0.3 / 3.0)
    assert not meter.busy(0.5, now=4.0)
    for start in (4.0, 4.1, 4.2):  # back to back
        meter.add(start, 0.1)
    assert meter.busy(0.5, now=4.3)


@pytest.mark.parametrize("value", ["-1", "true", "2.5"])
def test_processes_must_be_a_count(tmp_path: Path, value: str) -> None:
    config = tmp_path / "morgue.toml"
    config.write_text(f"processes = {value}\n", "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "crawler", "--config", str(config), "runs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "processes: expected a number of page processes" in run.stderr


def test_the_pool_gives_page_result_and_survives_a_dead_process() -> None:
    """PagePool.result is page_result, computed in a page process; if that process is killed, the next
    pages are handled in the calling process and the results do not change."""
    html = (FIXTURES / "pages" / "seed_rfi.html").read_bytes()
    page = Page(url="https://www.rfi.fr/fr/moyen-orient/20251103-x", status=200, body=html, is_text=True)
    now = datetime(2025, 11, 3, 12, tzinfo=UTC)
    expected = page_result(page, source="rfi", kind="article", now=now)
    assert expected.article is not None and expected.article.title

    async def run() -> tuple[FetchResult, FetchResult, PagePool]:
        pool = PagePool(processes=1, after=0, busy=0)
        try:
            first = await pool.result(page, source="rfi", kind="article", now=now)
            assert pool.offloaded == 1 and pool.executor is not None
            pid = await asyncio.get_running_loop().run_in_executor(pool.executor, os.getpid)
            assert pid != os.getpid()
            os.kill(pid, signal.SIGKILL)
            second = await pool.result(page, source="rfi", kind="article", now=now)
            return first, second, pool
        finally:
            pool.close()

    first, second, pool = asyncio.run(run())
    assert pool.broken and pool.offloaded == 1
    assert first == expected and second == expected
