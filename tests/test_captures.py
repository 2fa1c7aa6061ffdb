"""Raw captures (#14): where they go by default, revisit records, reading a capture back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.app.cli.base import State
from crawler.app.cli.jobs import no_captures_warning, prepared_warc_dir
from crawler.components.warc import (
    PROFILE_IDENTICAL,
    PROFILE_NOT_MODIFIED,
    WarcDirError,
    WarcWriter,
    capture_at,
    export_warc,
    read_capture,
    read_record,
)
from crawler.config import ConfigError, default_warc_dir, parse_config, warc_folder

URL = "http://news.test/fr/20250101-article"
PAGE = b"<html><head><title>Le titre</title></head><body><p>Le texte.</p></body></html>"
T0 = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)
HTML = [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')]


def test_warc_dir_defaults_beside_a_sqlite_archive_and_can_be_turned_off() -> None:
    assert default_warc_dir("sqlite:///morgue.db") == "morgue-warc"
    assert default_warc_dir("sqlite:////srv/data/archive.sqlite") == "/srv/data/archive-warc"
    assert default_warc_dir("sqlite:///:memory:") is None
    assert default_warc_dir("sqlite://") is None
    assert default_warc_dir("postgresql+psycopg://u@127.0.0.1/morgue") is None
    assert warc_folder(parse_config({}), "sqlite:///data/a.db") == "data/a-warc"
    assert warc_folder(parse_config({"warc_dir": "/srv/warc"}), "sqlite:///a.db") == "/srv/warc"
    assert warc_folder(parse_config({"warc_dir": ""}), "sqlite:///a.db") is None  # turned off
    assert warc_folder(parse_config({"warc_dir": "/srv/warc"}), "postgresql://h/db") == "/srv/warc"
    assert warc_folder(parse_config({}), "postgresql://h/db") is None
    with pytest.raises(ConfigError, match=r"^warc_dir:"):
        parse_config({"warc_dir": ["a"]})


def test_a_crawl_creates_the_default_folder_and_postgresql_without_warc_dir_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    folder = prepared_warc_dir(State(config_path=None, db="sqlite:///archive.db"), None)
    assert folder == str(tmp_path / "archive-warc") and (tmp_path / "archive-warc").is_dir()
    assert capsys.readouterr().err == ""
    cli_wins = prepared_warc_dir(State(config_path=None, db="sqlite:///archive.db"), str(tmp_path / "elsewhere"))
    assert cli_wins == str(tmp_path / "elsewhere")

    pg = State(config_path=None, db="postgresql+psycopg://postgres@127.0.0.1/x")
    assert prepared_warc_dir(pg, None) is None
    assert "no raw captures (WARC) are kept" in (no_captures_warning(pg, {}) or "")
    assert no_captures_warning(pg, {"MORGUE_WARC_DIR": "/archive/warc"}) is None
    (tmp_path / "off.toml").write_text('warc_dir = ""\n', encoding="utf-8")
    off = State(config_path=str(tmp_path / "off.toml"), db="sqlite:///archive.db")
    assert prepared_warc_dir(off, None) is None
    assert no_captures_warning(off, {}) is None  # turned off on purpose: nothing to warn about


def _records(directory: Path) -> list:
    out = []
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                out.append((record.rec_type, record.rec_headers, record.http_headers, record.content_stream().read()))
    return out


def test_a_304_and_an_identical_body_become_revisits_of_the_prior_capture(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    first = writer.write_exchange(url=URL, status=200, response_headers=HTML, body=PAGE, fetched_at=T0)
    prior = capture_at(tmp_path, first)
    assert prior is not None and prior.uri == URL and prior.payload_digest.startswith("sha1:")
    day = timedelta(days=1)
    not_modified = writer.write_exchange(
        url=URL, status=304, response_headers=[("ETag", '"v1"')], body=b"", fetched_at=T0 + day, prior=prior
    )
    # a revisit's capture is the one it refers to: a third fetch refers to the first response too
    assert capture_at(tmp_path, not_modified) == prior
    same = writer.write_exchange(
        url=URL,
        status=200,
        response_headers=HTML,
        body=PAGE,
        fetched_at=T0 + 2 * day,
        prior=capture_at(tmp_path, not_modified),
    )
    changed = writer.write_exchange(
        url=URL, status=200, response_headers=HTML, body=PAGE + b" ", fetched_at=T0 + 3 * day, prior=prior
    )
    gone = writer.write_exchange(url=URL, status=410, response_headers=[], body=b"gone", fetched_at=T0, prior=prior)
    writer.close()

    kinds = [(t, h.get_header("WARC-Profile")) for t, h, _, _ in _records(tmp_path) if t != "request"]
    assert kinds == [
        ("warcinfo", None),
        ("response", None),
        ("revisit", PROFILE_NOT_MODIFIED),
        ("revisit", PROFILE_IDENTICAL),
        ("response", None),  # another payload: a capture of its own
        ("response", None),  # a 410 is never a revisit
    ]
    first_record, _ = read_record(tmp_path, first)
    for ref in (not_modified, same):
        record, payload = read_record(tmp_path, ref)
        assert record.rec_type == "revisit" and payload == b"" and record.http_headers is None
        headers = record.rec_headers
        assert headers.get_header("WARC-Refers-To") == first_record.rec_headers.get_header("WARC-Record-ID")
        assert headers.get_header("WARC-Refers-To-Target-URI") == URL
        assert headers.get_header("WARC-Refers-To-Date") == first_record.rec_headers.get_header("WARC-Date")
        assert headers.get_header("WARC-Payload-Digest") == first_record.rec_headers.get_header("WARC-Payload-Digest")
        revisit, original, page = read_capture(tmp_path, ref)
        assert revisit.rec_type == "revisit" and original.rec_type == "response" and page == PAGE
    assert read_capture(tmp_path, changed)[2] == PAGE + b" "
    assert read_record(tmp_path, gone)[0].http_headers.get_statuscode() == "410"

    out = tmp_path / "export" / "revisits.warc.gz"
    out.parent.mkdir()
    assert export_warc([same], tmp_path, out) == 2  # the revisit brings the capture it refers to along
    exported = _records(out.parent)
    assert [t for t, *_ in exported] == ["warcinfo", "revisit", "request", "response", "request"]
    assert exported[3][3] == PAGE


def test_a_missing_prior_capture_means_a_whole_response_record(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    ref = writer.write_exchange(url=URL, status=200, response_headers=HTML, body=PAGE, fetched_at=T0)
    writer.close()
    assert capture_at(tmp_path, type(ref)("gone.warc.gz", 0, 10)) is None
    assert capture_at(tmp_path, type(ref)(ref.file, ref.offset + 1, 10)) is None  # not a record there
    with pytest.raises(WarcDirError):
        read_capture(tmp_path, type(ref)(ref.file, ref.offset + 1, 10))
    with pytest.raises(WarcDirError):
        read_capture(tmp_path, type(ref)(ref.file, 10**9, 10))
