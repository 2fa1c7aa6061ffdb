"""`morgue verify` (issue 15): the fixity check on a real archive, from a real crawl of the fixture
site with WARC files, on SQLite and PostgreSQL: it passes on the healthy archive, and finds a flipped
bit in a record's payload, a damaged gzip member, a deleted WARC file, an article without a version,
a version without its capture and a full-text index out of step."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, func, select, text

from crawler.app.cli import cli
from crawler.app.schedule import job_specs
from crawler.config import ConfigError, parse_config
from crawler.demo.server import SiteServer
from storage import models
from tests.helpers import FIXTURES, corrupt_warc_payload, fresh_pg, morgue


@dataclass
class Archive:
    tmp: Path
    db: str
    config: Path

    @property
    def warc(self) -> Path:
        return self.tmp / "warc"

    def verify(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["--config", str(self.config), "--db", self.db, "verify", *args])

    def report(self, *args: str) -> dict[str, Any]:
        result = self.verify("--format", "json", *args)
        assert result.exit_code in (0, 1), result.output
        return json.loads(result.stdout)

    def execute(self, statement: Any, **params: Any) -> list[Any]:
        engine = create_engine(self.db)
        try:
            with engine.begin() as conn:
                result = conn.execute(text(statement) if isinstance(statement, str) else statement, params)
                return result.all() if result.returns_rows else []
        finally:
            engine.dispose()


def _crawl(tmp: Path, db: str) -> Archive:
    with SiteServer(FIXTURES / "site") as site:
        config = tmp / "morgue.toml"
        config.write_text(
            f"""warc_dir = "{tmp / "warc"}"
warc_max_size = 40000

[[sources]]
name = "horizon"
start_urls = ["{site.base_url}/", "{site.base_url}/en/"]
feeds = ["{site.base_url}/rss.xml"]
sitemaps = ["{site.base_url}/sitemap.xml"]
article_pattern = "/\\\\d{{8}}-"
""",
            encoding="utf-8",
        )
        common = ["--config", str(config), "--db", db]
        assert morgue(*common, "init", cwd=tmp).returncode == 0
        crawl = morgue(*common, "crawl", "--delay", "0", cwd=tmp)
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    return Archive(tmp, db, config)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    """One crawl into SQLite; each SQLite test gets a copy (database and WARC files)."""
    tmp = tmp_path_factory.mktemp("template")
    return _crawl(tmp, f"sqlite:///{tmp / 'archive.db'}")


@pytest.fixture(params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, template: Archive, tmp_path: Path) -> Archive:
    if request.param == "postgresql":
        return _crawl(tmp_path, fresh_pg())
    return _copy(template, tmp_path)


def _copy(template: Archive, tmp_path: Path) -> Archive:
    shutil.copytree(template.warc, tmp_path / "warc")
    shutil.copy(template.tmp / "archive.db", tmp_path / "archive.db")
    config = tmp_path / "morgue.toml"
    config.write_text(template.config.read_text("utf-8").replace(str(template.tmp), str(tmp_path)), "utf-8")
    return Archive(tmp_path, f"sqlite:///{tmp_path / 'archive.db'}", config)


def _version_records(a: Archive) -> list[Any]:
    V = models.ArticleVersion  # noqa: N806 - a table alias
    return a.execute(select(V.id, V.warc_file, V.warc_offset, V.warc_length).order_by(V.id))


def test_a_healthy_archive_passes_then_a_flipped_bit_a_bad_gzip_member_and_a_lost_file_are_found(
    archive: Archive,
) -> None:
    a = archive
    started = time.perf_counter()
    healthy = a.verify()
    seconds = time.perf_counter() - started
    assert healthy.exit_code == 0, healthy.output
    assert "ok: no problem found" in healthy.stdout
    report = a.report()
    pointers = a.execute(
        "SELECT COUNT(*) FROM (SELECT warc_file, warc_offset FROM fetches WHERE warc_file IS NOT NULL "
        "UNION SELECT warc_file, warc_offset FROM article_versions WHERE warc_file IS NOT NULL) AS p"
    )[0][0]
    versions = _version_records(a)
    assert report["ok"] and report["problems"] == []
    print(f"\n[{a.db.split(':')[0]}] morgue verify, {report['records']} WARC records: {seconds:.2f} s")
    assert report["records"] == report["records_checked"] == pointers > len(versions) >= 5
    assert report["versions"] == report["versions_with_warc"] == len(versions)
    assert report["versions_before_warc"] == 0
    articles = a.execute("SELECT COUNT(DISTINCT article_id) FROM article_versions")[0][0]
    assert report["articles"] == articles > 0
    assert report["index_rows"] == (articles if a.db.startswith("sqlite") else len(versions))
    files = {v.warc_file for v in versions}
    assert len(files) > 1  # rotated at warc_max_size: one file can go without the others

    # bit rot in one record's payload, the record keeping its size: its digests and SHA-256 fail
    rotten = versions[0]
    corrupt_warc_payload(a.warc / rotten.warc_file, rotten.warc_offset, rotten.warc_length)
    result = a.verify()
    assert result.exit_code == 1
    assert "problem(s) found" in result.stderr
    report = a.report()
    kinds = {(p["kind"], p["subject"].split(", ")[-1].split(" ...")[0]) for p in report["problems"]}
    found = {k for k, _ in kinds}
    # (warcio may also measure the re-padded gzip member at another length: the same record, reported once more)
    assert {"warc-digest", "warc-sha256"} <= found <= {"warc-digest", "warc-sha256", "warc-length"}, report["problems"]
    assert all(f"{rotten.warc_file}:{rotten.warc_offset}:" in p["detail"] for p in report["problems"])
    assert any(f"version {rotten.id}" in p["subject"] for p in report["problems"])
    assert any("fetch " in p["subject"] for p in report["problems"])  # the fetch's stored body_sha256

    # a damaged gzip member (a flipped byte in the compressed data) no longer reads, or fails its digests
    damaged = next(v for v in versions if v.warc_file == rotten.warc_file and v.warc_offset != rotten.warc_offset)
    raw = bytearray((a.warc / damaged.warc_file).read_bytes())
    raw[damaged.warc_offset + damaged.warc_length // 2] ^= 0xFF
    (a.warc / damaged.warc_file).write_bytes(bytes(raw))
    report = a.report()
    hits = [p for p in report["problems"] if f"{damaged.warc_file}:{damaged.warc_offset}:" in p["detail"]]
    assert hits and {p["kind"] for p in hits} <= {"warc-unreadable", "warc-digest", "warc-sha256"}

    # a lost WARC file: the captures it held are missing, named by file
    lost = sorted(files - {rotten.warc_file})[0]
    (a.warc / lost).unlink()
    result = a.verify()
    assert result.exit_code == 1
    assert f"warc-file-missing: {lost}:" in result.stdout
    report = a.report()
    missing = [p for p in report["problems"] if p["kind"] == "warc-file-missing"]
    assert [p["subject"] for p in missing] == [lost]
    assert report["counts"]["warc-file-missing"] == 1

    # --sample reads that many records only; --source restricts, an unknown one is a usage error
    assert a.report("--sample", "1")["records_checked"] == 1
    assert a.verify("--source", "horizon").exit_code == 1
    unknown = a.verify("--source", "nowhere")
    assert unknown.exit_code == 2 and "--source: no source named 'nowhere'" in unknown.stderr


def test_articles_without_versions_versions_without_captures_and_a_stale_index_are_found(archive: Archive) -> None:
    a = archive
    A, V = models.Article, models.ArticleVersion  # noqa: N806 - table aliases
    first = a.execute(select(A.id, A.source_id, A.first_seen_at).order_by(A.id))[0]
    # an article whose only version was lost (its index row goes with it, by the trigger or the column)
    orphan = a.execute(select(A.id).order_by(A.id.desc()))[0][0]
    a.execute(models.ArticleVersion.__table__.delete().where(V.article_id == orphan))
    # a version first seen after the first capture, without its WARC record
    latest = a.execute(select(V.id, V.number, V.first_seen_at).where(V.article_id == first.id))[0]
    a.execute(
        "INSERT INTO article_versions (article_id, number, content_hash, first_seen_at, last_seen_at, url, title, "
        "body, tags, authors, images) VALUES (:a, :n, :h, :t, :t, :u, 'Rewritten', 'A new body', '[]', '[]', '[]')",
        a=first.id,
        n=latest.number + 1,
        h="0" * 64,
        t=(latest.first_seen_at + timedelta(hours=1)).replace(tzinfo=None),
        u="http://127.0.0.1/rewritten",
    )
    report = a.report()
    kinds = report["counts"]
    assert kinds == {"article-without-version": 1, "version-without-capture": 1}, report["problems"]
    assert any(p["subject"] == f"article {orphan}" for p in report["problems"])

    # versions from before the archive wrote WARC files are counted, not problems
    earliest = a.execute(select(func.min(models.Fetch.fetched_at)).where(models.Fetch.warc_file.is_not(None)))[0][0]
    a.execute(
        "UPDATE article_versions SET first_seen_at = :t WHERE warc_file IS NULL",
        t=(earliest - timedelta(days=30)).replace(tzinfo=None),
    )
    report = a.report()
    assert report["counts"] == {"article-without-version": 1}
    assert report["versions_before_warc"] == 1

    if a.db.startswith("sqlite"):
        # the index out of step: a row changed behind the triggers' back, a trigger dropped
        a.execute("UPDATE article_search SET title = 'Something else' WHERE rowid = :a", a=first.id)
        a.execute("DROP TRIGGER article_search_ad")
        report = a.report()
        assert report["counts"] == {
            "article-without-version": 1,
            "index-stale": 1,
            "index-trigger-missing": 1,
        }, report["problems"]
        a.execute("DELETE FROM article_search WHERE rowid = :a", a=first.id)
        a.execute("INSERT INTO article_search (rowid, title) VALUES (:a, 'ghost')", a=orphan)
        counts = a.report()["counts"]
        assert counts["index-missing-article"] == 1 and counts["index-orphan"] == 1
    else:
        a.execute("DROP INDEX ix_article_versions_search_vector")
        report = a.report()
        assert report["counts"] == {"article-without-version": 1, "index-missing": 1}, report["problems"]


def test_an_archive_with_warc_records_needs_the_warc_folder(template: Archive, tmp_path: Path) -> None:
    archive = _copy(template, tmp_path)
    bare = tmp_path / "bare.toml"
    bare.write_text("", "utf-8")
    result = CliRunner().invoke(cli, ["--config", str(bare), "--db", archive.db, "verify"])
    assert result.exit_code == 2
    assert "--warc-dir: the archive points to" in result.stderr
    given = CliRunner().invoke(
        cli, ["--config", str(bare), "--db", archive.db, "verify", "--warc-dir", str(archive.warc)]
    )
    assert given.exit_code == 0, given.output
    typo = CliRunner().invoke(
        cli, ["--config", str(bare), "--db", archive.db, "verify", "--warc-dir", str(tmp_path / "nope")]
    )
    assert typo.exit_code == 2 and "--warc-dir: not a folder" in typo.stderr
    # the config's folder gone: every capture is missing (a problem, not a usage error)
    shutil.rmtree(archive.warc)
    report = archive.report()
    assert set(report["counts"]) == {"warc-file-missing"} and report["counts"]["warc-file-missing"] > 1


def test_an_empty_archive_passes_without_warc_files(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "none.toml").write_text("", "utf-8")
    assert runner.invoke(cli, ["--db", sqlite_url, "init"]).exit_code == 0
    result = runner.invoke(cli, ["--db", sqlite_url, "--config", str(tmp_path / "none.toml"), "verify"])
    assert result.exit_code == 0, result.output
    assert "ok: no problem found" in result.stdout
    quiet = runner.invoke(cli, ["--db", sqlite_url, "--config", str(tmp_path / "none.toml"), "-q", "verify"])
    assert quiet.exit_code == 0 and quiet.output == ""
    (tmp_path / "later.toml").write_text(f'warc_dir = "{tmp_path / "not-yet"}"\n', "utf-8")  # no capture so far
    assert runner.invoke(cli, ["--db", sqlite_url, "--config", str(tmp_path / "later.toml"), "verify"]).exit_code == 0


def test_the_weekly_verify_job_comes_from_the_schedule() -> None:
    config = parse_config(
        {"schedule": {"verify": "0 5 * * 0"}, "sources": [{"name": "a", "start_urls": ["https://a.example/"]}]}
    )
    specs = {s.id: s for s in job_specs(config)}
    assert specs["verify"].argv == ("verify",) and specs["verify"].cron == "0 5 * * 0"
    assert "verify" not in {s.id for s in job_specs(parse_config({}))}  # off unless asked for
    assert parse_config({"schedule": {"verify": "off"}}).schedule.verify is None
    with pytest.raises(ConfigError, match=r"^schedule\.verify: "):
        parse_config({"schedule": {"verify": "every sunday"}})
