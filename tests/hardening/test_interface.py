"""Bad input at the interface: the real CLI, one subprocess per bad input (all started at once),
each answering exit code 2 and one stderr line that names the culprit, before anything is
crawled. Then SQL-injection-shaped text through `morgue query`, `show` and source names: it
matches literally or not at all, and the archive is untouched. (tests/test_config.py and
tests/test_cli.py check more config keys and usage errors in-process.)"""

from __future__ import annotations

import gc
import json
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from crawler.app.cli import cli
from crawler.core.items import Article, FetchResult, Verdict
from storage import models
from storage.archive import record_fetch
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.helpers import CLI, count

SOURCE = '[[sources]]\nname = "a"\nstart_urls = ["http://127.0.0.1:9/"]\n'
# id -> (config text, extra CLI arguments before/after the command, environment, what stderr must name)
BAD_INPUTS: dict[str, tuple[str, list[str], list[str], dict[str, str], str]] = {
    "unknown-top-level-key": ('colour = "red"\n' + SOURCE, [], [], {}, "config: colour: unknown key"),
    "unknown-source-key": (SOURCE + 'feed = ["http://127.0.0.1:9/rss"]\n', [], [], {},
                           "config: sources[0].feed: unknown key"),
    "unknown-liveness-key": ("[liveness]\nconfirmation = 3\n" + SOURCE, [], [], {},
                             "config: liveness.confirmation: unknown key"),
    "bad-regex": (SOURCE + 'article_pattern = "/(\\\\d+"\n', [], [], {},
                  "config: sources[a].article_pattern: invalid regex"),
    "bad-cron-schedule": ('[schedule]\ncrawl = "61 * * * *"\n' + SOURCE, [], [], {},
                          "config: schedule.crawl: invalid cron expression '61 * * * *'"),
    "bad-cron-source": (SOURCE + 'schedule = "every day"\n', [], [], {},
                        "config: sources[a].schedule: invalid cron expression 'every day'"),
    "bad-download-timeout": ("download_timeout = 0\n" + SOURCE, [], [], {}, "config: download_timeout: expected"),
    "bad-max-articles": (SOURCE + "max_articles = 0\n", [], [], {}, "config: sources[a].max_articles: expected"),
    "injection-shaped-source-name": (
        "[[sources]]\nname = \"x'; DROP TABLE sources;--\"\nstart_urls = [\"http://127.0.0.1:9/\"]\n", [], [], {},
        "config: sources[0].name: required; letters, digits",
    ),
    "invalid-toml": ("database_url = [\n", [], [], {}, "invalid TOML"),
    "unknown-source-option": (SOURCE, [], ["--source", "nope"], {}, "--source: unknown source 'nope'"),
    "unreachable-database": (SOURCE, ["--db", "postgresql+psycopg://postgres@127.0.0.1:1/morgue"], [], {},
                             "database: cannot reach the database: connection failed"),
    "bad-database-url": (SOURCE, ["--db", "nonsense://"], [], {}, "database: cannot use database URL nonsense://"),
    "bad-busy-timeout": (SOURCE, [], [], {"MORGUE_SQLITE_BUSY_TIMEOUT_MS": "soon"},
                         "database: MORGUE_SQLITE_BUSY_TIMEOUT_MS: expected milliseconds"),
    "warc-dir-unwritable": (SOURCE, [], ["--warc-dir", "{tmp}/a-file/warc"], {},
                            "--warc-dir: cannot write WARC files to {tmp}/a-file/warc"),
    "config-warc-dir-unwritable": ('warc_dir = "{tmp}/a-file/warc"\n' + SOURCE, [], [], {},
                                   "config: warc_dir: cannot write WARC files to {tmp}/a-file/warc"),
}


@pytest.fixture(scope="module")
def bad_input_results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run `morgue crawl` once per bad input, all at the same time; id -> (exit code, stderr, culprit, tmp)."""
    procs = {}
    for case, (config, before, after, env, culprit) in BAD_INPUTS.items():
        tmp = tmp_path_factory.mktemp(case)
        (tmp / "a-file").write_text("a file, not a folder")  # root can write anywhere: a file makes mkdir fail
        (tmp / "morgue.toml").write_text(config.replace("{tmp}", str(tmp)), encoding="utf-8")
        args = ["--config", str(tmp / "morgue.toml"), "--db", f"sqlite:///{tmp / 'archive.db'}", *before,
                "crawl", *[a.replace("{tmp}", str(tmp)) for a in after]]
        procs[case] = (subprocess.Popen([*CLI, *args], cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, env={**os.environ, **env}), culprit.replace("{tmp}", str(tmp)))
    results = {}
    for case, (proc, culprit) in procs.items():
        out, err = proc.communicate(timeout=120)
        results[case] = (proc.returncode, out, err, culprit)
    yield results


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_naming_the_culprit_with_exit_2(case: str, bad_input_results: dict[str, Any]) -> None:
    code, out, err, culprit = bad_input_results[case]
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and culprit in lines[0], err
    assert out == "" and "Traceback" not in err


TITLES = ["Robert'); DROP TABLE articles;-- et la coalition", "La coalition envoie 1500 soldats"]
INJECTIONS = [
    "'; DROP TABLE articles; --",
    "\" OR 1=1 --",
    "x' UNION SELECT * FROM crawl_runs --",
    'NEAR(coalition robert)',
    '"unbalanced',
    "title:coalition*",
    "coalition OR NOT ^robert",
    "%",
    "_",
]


@pytest.fixture
def archive(db_url: str) -> Iterator[str]:
    engine = make_engine(db_url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        for i, title in enumerate(TITLES):
            url = f"https://news.example.org/fr/2025110{i}-x"
            record_fetch(session, FetchResult(
                url=url, source="news", fetched_at=datetime(2025, 11, 3 + i, tzinfo=UTC), verdict=Verdict.ALIVE,
                status=200, final_url=url,
                article=Article(url=url, title=title, body=f"{title}. Le corps de l'article.", language="fr"),
            ))
    engine.dispose()
    yield db_url


def _query(db: str, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["--db", db, "query", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return [r["title"] for r in json.loads(result.output)]


# each in-process `morgue query` opens an engine that only the process exit would close
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_injection_shaped_text_matches_literally_or_not_at_all(archive: str) -> None:
    assert _query(archive, "'; DROP TABLE articles; --") == TITLES[:1]
    for text in INJECTIONS:
        titles = _query(archive, text)
        assert set(titles) <= set(TITLES)
    for source in ("x' OR '1'='1", "news' --", "%", "_"):
        assert _query(archive, "--source", source) == []
    assert len(_query(archive, "--source", "news")) == 2
    shown = CliRunner().invoke(cli, ["--db", archive, "show", "https://news.example.org/' OR '1'='1"])
    assert shown.exit_code == 1 and "no archived article" in shown.output
    del shown  # its traceback holds the CLI's engine
    engine = make_engine(archive)
    assert count(engine, models.Article) == 2 and count(engine, models.CrawlRun) == 0  # nothing dropped or touched
    engine.dispose()
    gc.collect()  # the CLI's engines, while the warning filter above applies
