"""`morgue serve` without a browser: the Flask app on a real archive (SQLite and PostgreSQL)
written through the storage layer, the Atom feeds (web and `morgue report --format atom`), the
capture headers, the read-only engine, the word diff, and Datasette's canned search query."""

from __future__ import annotations

import gc
import json
import socket
import sqlite3
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from crawler.app.cli import cli
from crawler.app.web import create_app, read_only
from crawler.app.web.render import diff_markup, word_diff
from crawler.components.warc import WarcWriter
from crawler.core.items import Article, FetchResult, Image, Verdict
from crawler.core.lifecycle import Policy
from storage.archive import finish_run, record_fetch, start_run
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.helpers import fresh_pg

T0 = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)
A = "https://news.example.org/fr/monde/20251103-coalition"
B = "https://news.example.org/fr/monde/20251103-retire"
C = "https://other.example.net/en/20251104-port"
ATOM = "{http://www.w3.org/2005/Atom}"
HTML_A1 = "<html><head><title>v1</title></head><body><h1>La coalition</h1><script>alert(1)</script></body></html>"


def alive(url: str, at: datetime, source: str, **fields: Any) -> FetchResult:
    extra = {k: fields.pop(k) for k in ("warc_file", "warc_offset", "warc_length") if k in fields}
    return FetchResult(
        url=url,
        source=source,
        fetched_at=at,
        verdict=Verdict.ALIVE,
        status=200,
        final_url=url,
        article=Article(url=url, canonical_url=url, language="fr", **fields),
        **extra,
    )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """An archive with a changed article (A, WARC-captured), a removed one (B, evidence kept in
    the database) and an article of another source (C); the app on it, read-only. Built once
    per backend: the app never writes, so the tests cannot change it."""
    tmp_path = tmp_path_factory.mktemp("web")
    db_url = f"sqlite:///{tmp_path / 'archive.db'}" if request.param == "sqlite" else fresh_pg()
    engine = make_engine(db_url)
    upgrade(engine)
    (tmp_path / "warc").mkdir()
    writer = WarcWriter(tmp_path / "warc")
    ref = writer.write_exchange(
        url=A, status=200, response_headers=[("Content-Type", "text/html; charset=utf-8")], body=HTML_A1.encode()
    )
    writer.close()
    policy = Policy(confirmations=1, confirm_interval=timedelta(0))
    with make_sessionmaker(engine).begin() as s:
        run = start_run(s, kind="crawl", command="morgue crawl", now=T0).id
        images = (Image(url="https://news.example.org/a.jpg", caption="Des soldats à l'entraînement", credit="AFP/X"),)
        record_fetch(
            s,
            alive(A, T0, "news", title="La coalition envoie 1500 soldats", body="Premier paragraphe.\n\nSecond.",
                  section="Monde", images=images, warc_file=ref.file, warc_offset=ref.offset, warc_length=ref.length),
            run_id=run,
        )  # fmt: skip
        record_fetch(s, alive(B, T0, "news", title="Un article retiré", body="Il a existé.", section="Monde"))
        record_fetch(s, alive(C, T0, "other", title="Port strike coalition ends", body="Dockers.", section="World"))
        finish_run(s, run, status="succeeded", now=T0 + timedelta(seconds=42))
        later = T0 + timedelta(days=1)
        record_fetch(
            s,
            alive(A, later, "news", title="La coalition envoie 1 500 soldats de plus", body="Premier.\n\nSecond.",
                  section="Monde", images=images),
        )  # fmt: skip
        record_fetch(
            s,
            FetchResult(url=B, source="news", fetched_at=later, verdict=Verdict.NOT_FOUND, reasons=("http:404",),
                        status=404, final_url=B, content_type="text/html",
                        evidence=b"<html><body><p>Page introuvable</p><script>alert(2)</script></body></html>"),
            policy=policy,
        )  # fmt: skip
    app_engine = read_only(make_engine(db_url))
    app = create_app(make_sessionmaker(app_engine), str(tmp_path / "warc"))
    yield app.test_client(), app_engine, db_url
    app_engine.dispose()
    engine.dispose()


def test_search_with_snippets_and_filters(archive) -> None:
    client, _, _ = archive
    page = client.get("/?q=coalition")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<mark>coalition</mark>" in body.lower() and "1 500 soldats de plus" in body and "Port strike" in body
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'none': no script
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    only = client.get("/?q=coalition&source=other").get_data(as_text=True)
    assert "Port strike" in only and "1 500 soldats" not in only
    by_section = client.get("/?q=coalition&section=Monde").get_data(as_text=True)
    assert "1 500 soldats" in by_section and "Port strike" not in by_section
    world = client.get("/?section=World").get_data(as_text=True)  # no text: the newest of the section
    assert "Port strike" in world and "1 500 soldats" not in world and "1 article<" in world
    assert "2 articles<" in client.get("/?section=Monde").get_data(as_text=True)
    removed = client.get("/?status=removed").get_data(as_text=True)
    assert "Un article retiré" in removed and "Port strike" not in removed
    assert "Port strike" not in client.get("/?q=coalition&until=2025-01-01").get_data(as_text=True)
    assert client.get("/?since=yesterday").status_code == 400
    assert client.get("/?q=%22unbalanced").status_code == 200  # user text is never query syntax


def test_article_page_versions_word_diff_images_and_captures(archive) -> None:
    client, _, _ = archive
    page = client.get("/article", query_string={"url": A + "?utm_source=x"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert body.count('<tr class="version">') == 2
    assert "<del>1500</del>" in body and "<ins>1 500</ins>" in body and "<ins>de plus</ins>" in body
    assert "<del>Premier paragraphe.</del> <ins>Premier.</ins>" in body
    assert "No capture: this version has no WARC record" in body  # the newest version was not written to WARC
    assert "Des soldats à l&#39;entraînement" in body and "AFP/X" in body
    first = client.get("/article", query_string={"url": A, "capture": "version:1"}).get_data(as_text=True)
    assert '<iframe class="capture-frame" sandbox="" referrerpolicy="no-referrer"' in first
    assert 'src="/capture/version/1"' in first
    same = client.get("/article", query_string={"url": A, "old": 2, "new": 2}).get_data(as_text=True)
    assert "<del>1500</del>" not in same and "0 words added" in same
    assert client.get("/article", query_string={"url": A, "old": 1, "new": 9}).status_code == 400
    assert client.get("/article", query_string={"url": "https://nowhere.example/"}).status_code == 404

    capture = client.get("/capture/version/1")
    assert capture.status_code == 200 and capture.data == HTML_A1.encode()
    csp = capture.headers["Content-Security-Policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script" not in csp
    assert capture.headers["Content-Type"] == "text/html; charset=utf-8"
    assert capture.headers["X-Content-Type-Options"] == "nosniff"
    no_warc = client.get("/capture/version/2")  # the second version was not written to a WARC file
    assert no_warc.status_code == 404 and "no capture" in no_warc.get_data(as_text=True)
    assert no_warc.headers["Content-Security-Policy"].startswith("sandbox;")
    assert client.get("/capture/fetch/999999").status_code == 404


def test_removed_article_evidence_and_removals_page(archive) -> None:
    client, _, _ = archive
    page = client.get("/article", query_string={"url": B}).get_data(as_text=True)
    assert '<strong class="reason">not_found</strong>' in page and "HTTP 404 (http:404)" in page
    fetch_id = int(page.split("capture=fetch:")[1].split("#")[0].split("&")[0])
    evidence = client.get(f"/capture/fetch/{fetch_id}")
    assert evidence.status_code == 200 and b"Page introuvable" in evidence.data  # the body kept in the database
    assert evidence.headers["Content-Security-Policy"].startswith("sandbox;")

    removals = client.get("/removed").get_data(as_text=True)
    assert removals.count('<tr class="removal">') == 1 and "not_found" in removals
    assert '<svg class="chart"' in removals and 'class="bar"' in removals and "2025-11-04: 1" in removals
    assert '<tr class="removal">' not in client.get("/removed?source=other").get_data(as_text=True)
    changes = client.get("/changed").get_data(as_text=True)
    assert changes.count('<tr class="change">') == 1 and "La coalition envoie 1500 soldats" in changes
    runs = client.get("/runs").get_data(as_text=True)
    assert '<tr class="run run-succeeded">' in runs and "42.0 s" in runs


def _entries(xml: bytes | str) -> list[dict[str, str]]:
    feed = ET.fromstring(xml)
    assert feed.tag == ATOM + "feed" and feed.find(ATOM + "id").text and feed.find(ATOM + "updated").text
    assert feed.find(ATOM + "author/" + ATOM + "name").text
    out = []
    for e in feed.findall(ATOM + "entry"):
        datetime.fromisoformat(e.find(ATOM + "updated").text)
        out.append({n: e.find(ATOM + n).text for n in ("id", "title", "updated", "summary")} | {
            "link": e.find(ATOM + "link").get("href")})  # fmt: skip
    return out


def test_atom_feeds_on_the_web_and_from_the_cli_agree(archive) -> None:
    client, _, db_url = archive
    web = client.get("/feeds/removed.atom?source=news")
    assert web.headers["Content-Type"].startswith("application/atom+xml")
    removed = _entries(web.data)
    assert [(e["link"], e["title"]) for e in removed] == [(B, "Removed: Un article retiré")]
    assert removed[0]["id"].startswith("urn:uuid:") and "HTTP 404" in removed[0]["summary"]
    assert _entries(client.get("/feeds/removed.atom?source=other").data) == []
    changed = _entries(client.get("/feeds/changed.atom").data)
    assert [e["link"] for e in changed] == [A] and "headline changed" in changed[0]["summary"]

    cli_removed = _invoke("--db", db_url, "report", "removed", "--format", "atom", "--source", "news")
    assert cli_removed.exit_code == 0, cli_removed.output
    assert _entries(cli_removed.output) == removed  # the same entries, ids included
    cli_changed = _invoke("--db", db_url, "report", "changed", "--format", "atom")
    assert cli_changed.exit_code == 0 and _entries(cli_changed.output) == changed


def _invoke(*args: str) -> Any:
    """The CLI in this process. A command leaves its engine to the end of the process; here the
    engine's connections are collected at once, not in a later test."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        result = CliRunner().invoke(cli, list(args))
        gc.collect()
    return result


def test_the_interface_cannot_write(archive) -> None:
    _, engine, _ = archive
    with engine.connect() as conn, pytest.raises(DBAPIError):
        conn.execute(text("DELETE FROM articles"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar_one() == 3


def test_a_warc_name_never_leaves_the_warc_folder(tmp_path: Path) -> None:
    from crawler.app.web.captures import NoCapture, load_capture, warc_available
    from crawler.app.web.data import CaptureRef

    (tmp_path / "secret.warc.gz").write_bytes(b"not for you")
    folder = tmp_path / "warc"
    folder.mkdir()
    assert not warc_available(str(folder), "../secret.warc.gz")
    ref = CaptureRef(kind="fetch", id=1, url=None, fetched_at=None, status=200, warc_file="../secret.warc.gz",
                     warc_offset=0, warc_length=11, evidence=None, content_type=None)  # fmt: skip
    with pytest.raises(NoCapture):
        load_capture(ref, str(folder))


def test_word_diff_marks_words_and_escapes_html() -> None:
    segments = word_diff("Un <b>titre</b> ancien\n\nSuite.", "Un <b>titre</b> nouveau\n\nSuite.")
    assert [(s.op, s.text) for s in segments] == [
        ("equal", "Un <b>titre</b>"),
        ("delete", "ancien"),
        ("insert", "nouveau"),
        ("equal", "\u00b6 Suite."),
    ]
    html = str(diff_markup(segments))
    assert html == "Un &lt;b&gt;titre&lt;/b&gt; <del>ancien</del> <ins>nouveau</ins> <br><br> Suite."


def test_datasette_search_query_answers_without_text(sqlite_url: str) -> None:
    """The canned ``search`` query of examples/datasette.json lists the articles when opened
    without text (Datasette passes ``''``; FTS5 rejects an empty MATCH), and still searches."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as s:
        record_fetch(s, alive(A, T0, "news", title="La coalition", body="Des soldats."))
        record_fetch(s, alive(B, T0, "news", title="Autre chose", body="Rien."))
    engine.dispose()
    metadata = json.loads((Path(__file__).resolve().parent.parent / "examples" / "datasette.json").read_text("utf-8"))
    sql = metadata["databases"]["morgue"]["queries"]["search"]["sql"]
    with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
        assert len(conn.execute(sql, {"text": ""}).fetchall()) == 2
        assert len(conn.execute(sql, {"text": "   "}).fetchall()) == 2
        found = conn.execute(sql, {"text": "coalition"}).fetchall()
        assert len(found) == 1 and A in found[0]


def test_serve_on_a_port_in_use_is_a_usage_error(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _invoke("--db", sqlite_url, "serve", "--port", str(taken.getsockname()[1]))
    assert result.exit_code == 2 and "cannot listen on 127.0.0.1:" in result.output
