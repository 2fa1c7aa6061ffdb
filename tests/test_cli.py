"""The CLI contract: every command documented, formats, errors as one line with exit code 2."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crawler.app.cli import cli
from crawler.core.items import Article, FetchResult, Verdict
from storage.archive import record_fetch
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.helpers import spawn, wait_for

SEED = Path(__file__).parent / "fixtures" / "pages" / "seed_rfi.html"


def invoke(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def _command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += _command_paths(command, (*prefix, name))
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output


def test_commands_are_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    for path in _command_paths():
        assert f"`morgue {' '.join(path)}" in readme, path


RECORD_COMMANDS = [("query",), ("export",), ("report", "removed"), ("report", "changed")]


@pytest.mark.parametrize("path", RECORD_COMMANDS, ids=" ".join)
def test_commands_that_print_records_share_the_filter_and_output_options(path: tuple[str, ...]) -> None:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    options = {opt for param in command.params for opt in param.opts}
    assert {"--source", "--since", "--until", "--format", "--out"} <= options
    helps = {p.opts[0]: p.help for p in command.params if isinstance(p, click.Option)}
    assert helps["--source"] == "Only this source (repeatable)."  # one definition, not a copy per command


def test_query_and_runs_write_their_output_to_a_file(archive: str, tmp_path: Path) -> None:
    out = tmp_path / "q.json"
    assert invoke("--db", archive, "query", "--format", "json", "--out", str(out)).exit_code == 0
    assert {d["title"] for d in json.loads(out.read_text("utf-8"))} == {"Irak: la coalition", "Port strike ends"}
    runs_out = tmp_path / "runs.csv"
    assert invoke("--db", archive, "runs", "--format", "csv", "--out", str(runs_out)).exit_code == 0
    assert runs_out.read_text("utf-8").startswith("id,")


@pytest.fixture
def archive(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    engine = make_engine(url)
    upgrade(engine)
    Session = make_sessionmaker(engine)  # noqa: N806
    with Session.begin() as s:
        for i, (title, lang) in enumerate([("Irak: la coalition", "fr"), ("Port strike ends", "en")]):
            page = f"https://news.example.org/{lang}/2025110{i}-x"
            record_fetch(
                s,
                FetchResult(
                    url=page,
                    source="news",
                    fetched_at=datetime(2025, 11, 3 + i, tzinfo=UTC),
                    verdict=Verdict.ALIVE,
                    status=200,
                    final_url=page,
                    article=Article(
                        url=page,
                        canonical_url=page,
                        title=title,
                        body=f"{title}, le corps.",
                        language=lang,
                        published_at=datetime(2025, 11, 1 + i, 8, tzinfo=UTC),
                    ),
                ),
            )
    engine.dispose()
    return url


def test_query_formats(archive: str) -> None:
    table = invoke("--db", archive, "query")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split()[:3] == ["published_at", "source", "status"]
    assert "Port strike ends" in lines[2] and "Irak: la coalition" in lines[3]
    data = json.loads(invoke("--db", archive, "query", "coalition", "--format", "json").output)
    assert [d["title"] for d in data] == ["Irak: la coalition"]
    assert data[0]["published_at"] == "2025-11-01T08:00:00+00:00"
    rows = list(csv.DictReader(io.StringIO(invoke("--db", archive, "query", "--format", "csv").output)))
    assert [r["language"] for r in rows] == ["en", "fr"]
    jsonl = invoke("--db", archive, "query", "--source", "news", "--since", "2025-11-02", "--format", "jsonl")
    assert [json.loads(x)["title"] for x in jsonl.output.splitlines()] == ["Port strike ends"]


def test_show_and_export(archive: str, tmp_path: Path) -> None:
    shown = invoke("--db", archive, "show", "https://news.example.org/fr/20251100-x/?utm_source=a")
    assert shown.exit_code == 0 and "Irak: la coalition" in shown.output and "versions (1)" in shown.output
    missing = CliRunner().invoke(cli, ["--db", archive, "show", "https://nope.example.org/"])
    assert missing.exit_code == 1
    out = tmp_path / "out.csv"
    assert invoke("--db", archive, "export", "--format", "csv", "--out", str(out)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert len(rows) == 2 and {r["status"] for r in rows} == {"alive"}
    assert {"url", "canonical_url", "removed_at", "versions", "images", "first_seen_at"} <= set(rows[0])


def test_extract_several_pages_prints_json_lines_and_goes_on_after_a_bad_one(tmp_path: Path) -> None:
    other = tmp_path / "short.html"
    other.write_text("<html><body><h1>Titre</h1><p>Un texte.</p></body></html>", encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(SEED), str(tmp_path / "missing.html"), str(other)])
    assert result.exit_code == 1  # one page could not be read
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["source"] for line in lines] == [str(SEED), str(tmp_path / "missing.html"), str(other)]
    assert lines[0]["article"]["title"] and "error" in lines[1] and lines[2]["liveness"]["verdict"] == "alive"


def test_extract_a_saved_page_without_a_database(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            f"sqlite:///{tmp_path}/never.db",
            "extract",
            str(SEED),
            "--url",
            "https://www.rfi.fr/fr/moyen-orient/20141208-irak",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["liveness"]["verdict"] == "alive"
    assert (
        data["article"]["title"] == "Irak: la coalition va envoyer 1500 soldats pour combattre le groupe EI"
    )
    assert data["article"]["section"] == "Irak / Terrorisme"
    assert not (tmp_path / "never.db").exists()


@pytest.mark.parametrize(
    ("args", "culprit"),
    [
        (["--db", "postgresql+psycopg://postgres@127.0.0.1:1/nothing", "query"], "database"),
        (["--db", "nonsense://", "query"], "--db"),
        (["query", "--since", "yesterday"], "--since"),
    ],
)
def test_errors_are_one_line_with_exit_2(args: list[str], culprit: str, tmp_path: Path) -> None:
    if args[0] != "--db":
        db = f"sqlite:///{tmp_path}/x.db"
        invoke("--db", db, "init")
        args = ["--db", db, *args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert culprit in result.output and "Traceback" not in result.output


def test_unmigrated_database_says_run_init(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path}/empty.db", "query"])
    assert result.exit_code == 2 and "morgue init" in result.output


def test_demo_archives_articles_and_reports_dead_pages(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Archived 5 articles" in out and "Irak: la coalition va envoyer 1500 soldats" in out
    assert "Found 4 dead pages" in out
    for verdict in ("not_found", "gone", "soft_404", "redirect_home"):
        assert verdict in out
    assert "Try next" in out and (tmp_path / "morgue-demo.db").exists()

    # the demo ends with the command that opens its archive in the browser interface: it works
    command = next(line.strip() for line in out.splitlines() if line.strip().endswith(" serve"))
    assert out.rstrip().splitlines()[-2].strip() == command == "morgue --db sqlite:///morgue-demo.db serve"
    serve = spawn(*command.split()[1:], "--port", "0", cwd=tmp_path)
    try:
        banner = wait_for(lambda: "http://" in serve.out_path.read_text("utf-8") and serve.out_path.read_text("utf-8"),
                          timeout=60, what="morgue serve listening")  # fmt: skip
        base = banner.split("http://", 1)[1].split("/", 1)[0]
        with urllib.request.urlopen(f"http://{base}/?q=coalition", timeout=10) as response:
            page = response.read().decode("utf-8")
        assert "Irak: la coalition va envoyer 1500 soldats" in page and "<mark>" in page
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    finally:
        serve.terminate()
        serve.wait(timeout=20)
