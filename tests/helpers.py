"""Helpers shared by the test modules (no test module imports another): paths, the per-run
PostgreSQL database, the real CLI in subprocesses, archive checks, and the hostile crawl record.

PostgreSQL: every test run gets a database of its own, ``morgue_test_<pid>_<random>``, on the
server named by ``MORGUE_TEST_PG_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``;
its database is only used to create and drop ours), so two runs on one machine never meet.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, make_url, select, text

from storage import models
from tests.hardening.hostile_server import HostileServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "site" / "expected.json").read_text("utf-8"))
SERVER_URL = make_url(
    os.environ.get("MORGUE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
)
RUN_DATABASE = f"morgue_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
PG_URL = SERVER_URL.set(database=RUN_DATABASE).render_as_string(hide_password=False)
PG_LOCK = Path("/tmp/morgue-test-postgresql.lock")  # shared by every test; exclusive while the server restarts
_created = False


def _admin(statement: str) -> None:
    """Run one statement on the server's admin database (outside a transaction, as CREATE DATABASE needs)."""
    engine = create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def _create_run_database() -> None:
    global _created
    if not _created:
        _admin(f'CREATE DATABASE "{RUN_DATABASE}"')
        _created = True


def drop_run_database() -> None:
    """Drop this run's database, if it was created (end of the session)."""
    if _created:
        _admin(f'DROP DATABASE IF EXISTS "{RUN_DATABASE}" WITH (FORCE)')


def _reset_pg() -> None:
    _create_run_database()
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def fresh_pg() -> str:
    """Reset this run's PostgreSQL database and return its URL (skips when unreachable outside CI)."""
    try:
        _reset_pg()
    except Exception as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {SERVER_URL.render_as_string(hide_password=True)}: {exc}")
    return PG_URL


@contextmanager
def pg_lock(exclusive: bool = False) -> Iterator[None]:
    """Every test holds this lock shared; the test that restarts the server takes it exclusive, so it
    waits for the other runs' current tests and holds their next ones until the server is back."""
    with PG_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_config(tmp_path: Path, base: str) -> Path:
    config = tmp_path / "morgue.toml"
    config.write_text(
        f"""
[[sources]]
name = "horizon"
start_urls = ["{base}/", "{base}/en/"]
feeds = ["{base}/rss.xml", "{base}/atom.xml"]
sitemaps = ["{base}/sitemap.xml"]
allowed_domains = ["127.0.0.1"]
article_pattern = "/\\\\d{{8}}-"
""",
        encoding="utf-8",
    )
    return config


CLI = [sys.executable, "-m", "crawler"]
CRAWL_TIMEOUT = 240  # seconds; a hung crawl fails the test instead of hanging the suite


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


Route = tuple[int, dict[str, str], str]  # status, headers, body


class RouteServer:
    """A real HTTP server on a loopback address answering fixed routes (path -> status, headers, body;
    404 otherwise); ``routes`` may be changed while it runs. ``hits`` counts requests per path,
    ``hosts`` per Host header (which name a request was made for)."""

    def __init__(self, host: str = "127.0.0.1", routes: dict[str, Route] | None = None) -> None:
        from collections import Counter
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: Counter[str] = Counter()
        self.hosts: Counter[str] = Counter()  # Host headers of the requests
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                server.hosts[self.headers.get("Host", "")] += 1
                status, headers, body = server.routes.get(path, (404, {}, "not found"))
                data = body.encode("utf-8")
                self.send_response(status)
                headers = {"Content-Type": "text/html; charset=utf-8", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.port = self.httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"

    def __enter__(self) -> RouteServer:
        import threading

        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def corrupt_warc_payload(path: Path, offset: int, length: int) -> int:
    """Flip one bit of the HTTP payload of the gzipped WARC record at ``offset`` (``length`` bytes),
    as bit rot would, keeping the record's compressed length so every other record stays in place:
    the member is recompressed and padded with a gzip header comment. Returns the payload position."""
    import struct
    import zlib

    data = bytearray(path.read_bytes())
    block = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(bytes(data[offset : offset + length]))
    warc_end = block.index(b"\r\n\r\n") + 4
    payload_start = block.index(b"\r\n\r\n", warc_end) + 4
    payload_end = block.rindex(b"\r\n\r\n")  # the record ends with two CRLF
    for pos in range(payload_start + (payload_end - payload_start) // 2, payload_end):
        changed = bytearray(block)
        changed[pos] ^= 0x01
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        deflated = compressor.compress(bytes(changed)) + compressor.flush()
        trailer = struct.pack("<II", zlib.crc32(changed), len(changed) & 0xFFFFFFFF)
        padding = length - (10 + len(deflated) + len(trailer)) - 1  # the comment's terminating NUL
        if padding < 0:
            continue
        header = b"\x1f\x8b\x08\x10" + b"\x00" * 4 + b"\x00\xff" + b"x" * padding + b"\x00"  # FLG.FCOMMENT
        member = header + deflated + trailer
        assert len(member) == length
        data[offset : offset + length] = member
        path.write_bytes(bytes(data))
        return pos
    raise AssertionError(f"no one-bit change of the record at {path}:{offset} recompresses into {length} bytes")
