"""Upgrade safety (issue 15): an archive made at each earlier migration, with realistic rows
(sources, runs, articles and their URL variants, versions, fetches, events), upgraded to head on
SQLite and PostgreSQL, keeps every row and every value, and reads through the CLI (`morgue
runs`, `query`, full-text `query`, `show`) and passes `morgue verify` (the index built for old rows).

The rows are written with SQL fit for that revision's schema: the tables as they are at that
revision (reflected), each row holding only the columns that revision has."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from click.testing import CliRunner
from sqlalchemy import Engine, MetaData, Table, insert, select

from crawler.app.cli import cli
from storage.db import alembic_config, current_revision, head_revision, make_engine, upgrade

T0 = datetime(2025, 3, 1, 6, 30)  # naive UTC: what TZDateTime stores
SITE = "https://news.example/"
REVISIONS = [r.revision for r in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))]

BODY_FR = "Le Parlement a adopté mardi la réforme des retraites après trois semaines de débats houleux. " * 8
BODY_EN = "The coalition announced that 1,500 soldiers would be sent to the region before the winter. " * 8


def _ts(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _rows() -> dict[str, list[dict[str, Any]]]:
    """The archive, as rows of the latest schema; each revision takes the columns it has."""
    a1, a2, a3 = f"{SITE}fr/politique/20250301-reforme", f"{SITE}en/world/20250301-coalition", f"{SITE}fr/20250228-gone"
    version = {
        "section": None, "tags": [], "authors": [], "images": [], "published_raw": None, "published_source": None,
        "modified_at": None, "modified_raw": None, "modified_source": None, "site_name": "News", "is_paywalled": False,
        "warc_file": None, "warc_offset": None, "warc_length": None,
        "access": "free", "access_evidence": [], "body_complete": True, "alternative_titles": [],
    }  # fmt: skip
    article = {
        "status": "alive", "removed_at": None, "removal_reason": None, "last_verdict": "alive", "streak": 0,
        "last_counted_at": None, "suspect_since": None, "transient_streak": 0, "transient_since": None,
        "next_check_at": _ts(48), "etag": '"v2"', "last_modified": "Sat, 01 Mar 2025 06:00:00 GMT", "access": "free",
    }  # fmt: skip
    fetch = {
        "source_id": 1, "final_url": None, "redirect_chain": [], "reasons": [], "error": None,
        "content_type": "text/html; charset=utf-8", "etag": None, "last_modified": None, "evidence": None,
        "warc_file": None, "warc_offset": None, "warc_length": None,
    }  # fmt: skip
    return {
        "sources": [{"id": 1, "name": "news", "created_at": T0}],
        "crawl_runs": [
            {"id": 1, "kind": "crawl", "status": "succeeded", "started_at": T0, "finished_at": _ts(0.5),
             "command": "morgue crawl", "pages_fetched": 4, "articles_new": 3, "articles_updated": 0, "dead_found": 0,
             "errors": 0, "message": None, "host": "archive-1", "pid": 4242, "heartbeat_at": _ts(0.5)},
            {"id": 2, "kind": "recheck", "status": "failed", "started_at": _ts(24), "finished_at": _ts(24.2),
             "command": "morgue recheck", "pages_fetched": 2, "articles_new": 0, "articles_updated": 1,
             "dead_found": 1, "errors": 1, "message": "crawl error: connection lost", "host": "archive-1",
             "pid": 4343, "heartbeat_at": _ts(24.2)},
        ],
        "articles": [
            {**article, "id": 1, "source_id": 1, "canonical_url": a1, "first_seen_at": T0, "last_seen_at": _ts(24),
             "last_checked_at": _ts(24)},
            {**article, "id": 2, "source_id": 1, "canonical_url": a2, "first_seen_at": T0, "last_seen_at": T0,
             "last_checked_at": T0, "access": "metered"},
            {**article, "id": 3, "source_id": 1, "canonical_url": a3, "first_seen_at": T0, "last_seen_at": T0,
             "last_checked_at": _ts(24), "status": "removed", "removed_at": _ts(24), "removal_reason": "gone",
             "last_verdict": "gone", "streak": 2},
        ],
        "article_urls": [
            {"id": 1, "url": a1, "article_id": 1},
            {"id": 2, "url": a1 + "?xtor=RSS", "article_id": 1},
            {"id": 3, "url": a2, "article_id": 2},
            {"id": 4, "url": a3, "article_id": 3},
        ],
        "article_versions": [
            {**version, "id": 1, "article_id": 1, "number": 1, "content_hash": "1" * 64, "first_seen_at": T0,
             "last_seen_at": _ts(12), "url": a1, "title": "La réforme des retraites adoptée", "lead": "Après débat.",
             "body": BODY_FR, "published_at": _ts(-2), "language": "fr",
             "authors": [{"name": "Anne Dupont", "name_raw": "Par Anne Dupont"}]},
            {**version, "id": 2, "article_id": 1, "number": 2, "content_hash": "2" * 64, "first_seen_at": _ts(24),
             "last_seen_at": _ts(24), "url": a1, "title": "Retraites : la réforme définitivement adoptée",
             "lead": "Après trois semaines.", "body": BODY_FR + "Mise à jour.", "published_at": _ts(-2),
             "modified_at": _ts(23), "language": "fr", "tags": ["retraites"]},
            {**version, "id": 3, "article_id": 2, "number": 1, "content_hash": "3" * 64, "first_seen_at": T0,
             "last_seen_at": T0, "url": a2, "title": "Coalition to send 1,500 soldiers", "lead": None,
             "body": BODY_EN, "published_at": _ts(-1), "language": "en", "access": "metered",
             "images": [{"url": f"{SITE}img/1.jpg", "caption": "Soldiers", "credit": "AFP"}]},
            {**version, "id": 4, "article_id": 3, "number": 1, "content_hash": "4" * 64, "first_seen_at": T0,
             "last_seen_at": T0, "url": a3, "title": "Un article retiré", "lead": None, "body": "Texte court. " * 30,
             "published_at": None, "language": "fr"},
        ],
        "fetches": [
            {**fetch, "id": 1, "run_id": 1, "article_id": None, "kind": "feed", "url": f"{SITE}rss.xml",
             "status": 200, "verdict": "alive", "fetched_at": T0, "content_type": "application/rss+xml"},
            {**fetch, "id": 2, "run_id": 1, "article_id": 1, "kind": "article", "url": a1 + "?xtor=RSS",
             "final_url": a1, "status": 200, "verdict": "alive", "fetched_at": T0, "body_sha256": "a" * 64},
            {**fetch, "id": 3, "run_id": 1, "article_id": 2, "kind": "article", "url": a2, "status": 200,
             "verdict": "alive", "fetched_at": T0, "body_sha256": "b" * 64},
            {**fetch, "id": 4, "run_id": 1, "article_id": 3, "kind": "article", "url": a3, "status": 200,
             "verdict": "alive", "fetched_at": T0, "body_sha256": "c" * 64},
            {**fetch, "id": 5, "run_id": 2, "article_id": 1, "kind": "article", "url": a1, "status": 200,
             "verdict": "alive", "fetched_at": _ts(24), "body_sha256": "d" * 64, "etag": '"v2"'},
            {**fetch, "id": 6, "run_id": 2, "article_id": 3, "kind": "article", "url": a3, "status": 410,
             "verdict": "gone", "reasons": ["status:410"], "fetched_at": _ts(24), "body_sha256": "e" * 64,
             "evidence": b"<html><title>Gone</title></html>"},
        ],
        "article_events": [
            {"id": 1, "article_id": 3, "fetch_id": 6, "kind": "removed", "verdict": "gone", "at": _ts(24)},
        ],
    }  # fmt: skip


def _tables(engine: Engine) -> dict[str, Table]:
    metadata = MetaData()
    metadata.reflect(engine)
    return dict(metadata.tables)


def _seed(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Insert the rows into the schema as it is; returns what was written, per table."""
    tables = _tables(engine)
    written: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as conn:
        for name, rows in _rows().items():  # parents first
            if name not in tables:
                continue  # the table comes with a later revision
            table = tables[name]
            columns = [c for c in dict.fromkeys(k for row in rows for k in row) if c in table.c]
            written[name] = [{c: row.get(c) for c in columns} for row in rows]  # the same columns in every row
            conn.execute(insert(table), written[name])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for name in written:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                )
    return written


def _invoke(db: str, config: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", db, *args])
    assert result.exit_code == 0, (args, result.output)
    return result


@pytest.mark.parametrize("revision", REVISIONS)
def test_an_archive_made_at_an_earlier_revision_keeps_every_row_and_reads_after_the_upgrade(
    db_url: str, revision: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    try:
        assert upgrade(engine, revision) == revision
        written = _seed(engine)
        assert {"sources", "crawl_runs", "articles", "article_versions", "fetches"} <= set(written)
        assert upgrade(engine) == head_revision() == current_revision(engine)

        tables = _tables(engine)
        with engine.connect() as conn:
            for name, rows in written.items():
                table = tables[name]
                stored = [dict(r._mapping) for r in conn.execute(select(table).order_by(table.c.id))]
                assert len(stored) == len(rows), name
                for old, new in zip(rows, stored, strict=True):
                    assert {k: new[k] for k in old} == old, (name, old["id"])
            articles = tables["articles"]
            after = {r.id: r for r in conn.execute(select(articles))}
        if revision < "0002":  # articles from before re-checks are due at once, their streaks at zero
            assert all(a.next_check_at == a.last_checked_at and a.streak == 0 for a in after.values())
    finally:
        engine.dispose()

    config = tmp_path / "morgue.toml"
    config.write_text("", "utf-8")
    runs = json.loads(_invoke(db_url, config, "runs", "--format", "json").stdout)
    assert [(r["id"], r["kind"], r["status"], r["pages_fetched"]) for r in runs] == [
        (2, "recheck", "failed", 2),
        (1, "crawl", "succeeded", 4),
    ]
    assert runs[0]["message"] == "crawl error: connection lost"

    found = json.loads(_invoke(db_url, config, "query", "--format", "json").stdout)
    by_url = {r["canonical_url"]: r for r in found}
    assert len(found) == 3
    current = by_url[f"{SITE}fr/politique/20250301-reforme"]
    assert current["title"] == "Retraites : la réforme définitivement adoptée" and current["versions"] == 2
    assert current["published_at"] == "2025-03-01T04:30:00+00:00"
    assert by_url[f"{SITE}fr/20250228-gone"]["status"] == "removed"

    # the full-text index holds the articles written before it existed (0004 builds it from the rows)
    hits = json.loads(_invoke(db_url, config, "query", "soldiers coalition", "--format", "json").stdout)
    assert [h["canonical_url"] for h in hits] == [f"{SITE}en/world/20250301-coalition"]
    hits = json.loads(_invoke(db_url, config, "query", "définitivement", "--format", "json").stdout)
    assert [h["canonical_url"] for h in hits] == [f"{SITE}fr/politique/20250301-reforme"]

    shown = json.loads(
        _invoke(db_url, config, "show", f"{SITE}fr/politique/20250301-reforme?xtor=RSS", "--format", "json").stdout
    )
    assert [v["number"] for v in shown["version_history"]] == [1, 2]
    assert [f["status"] for f in shown["fetches"]] == [200, 200]
    assert shown["authors"] == [] and shown["tags"] == ["retraites"]
    text = _invoke(db_url, config, "show", f"{SITE}fr/20250228-gone").stdout
    assert "removed" in text and "gone" in text

    verified = json.loads(_invoke(db_url, config, "verify", "--format", "json").stdout)
    assert verified["ok"] and verified["articles"] == 3 and verified["versions"] == 4


def test_every_revision_is_covered() -> None:
    assert REVISIONS[0] == "0001" and REVISIONS[-1] == head_revision()
    assert {"0001", "0002", "0003", "0004", "0005"} <= set(REVISIONS)
    assert datetime.now(UTC) > T0.replace(tzinfo=UTC)
