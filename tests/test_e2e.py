"""End to end: the real CLI (`init`, `crawl`, `export`) in subprocesses, a real Scrapy crawl of
the fixture site on 127.0.0.1, into SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select

from crawler.demo.server import SiteServer
from storage import models
from tests.helpers import EXPECTED, fresh_pg, morgue, write_config


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def crawled(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, site: SiteServer
) -> tuple[str, list[dict], SiteServer]:
    tmp_path = tmp_path_factory.mktemp(request.param)
    db_url = f"sqlite:///{tmp_path / 'archive.db'}" if request.param == "sqlite" else fresh_pg()
    config = write_config(tmp_path, site.base_url)
    common = ["--config", str(config), "--db", db_url]
    init = morgue(*common, "init", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    crawl = morgue(*common, "crawl", "--delay", "0", cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert "succeeded" in crawl.stdout
    out = tmp_path / "export.jsonl"
    export = morgue(*common, "export", "--format", "jsonl", "--out", str(out), cwd=tmp_path)
    assert export.returncode == 0, export.stderr
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return db_url, records, site


def test_crawl_archives_every_alive_article_once_with_its_fields(crawled) -> None:
    _, records, site = crawled
    by_path = {r["canonical_url"].replace(site.base_url, ""): r for r in records}
    assert sorted(by_path) == sorted(EXPECTED["alive"])  # no dead page, no duplicate, no listing page
    for path, want in EXPECTED["alive"].items():
        got = by_path[path]
        assert got["source"] == "horizon" and got["status"] == "alive" and got["versions"] == 1
        for key in ("title", "lead", "language", "section", "authors", "published_at"):
            assert got[key] == want[key], (path, key)
        image_credits = [i["credit"] for i in got["images"]]
        if want.get("image_credit"):
            assert want["image_credit"] in image_credits, (path, got["images"])
        for snippet in want["body_contains"]:
            assert snippet in got["body"], (path, snippet)
        for snippet in want["body_excludes"]:
            assert snippet not in got["body"], (path, snippet)
            assert snippet not in (got["lead"] or ""), (path, snippet)
        for key in ("first_seen_at", "last_checked_at"):
            assert got[key].endswith("+00:00")
        assert got["removed_at"] is None


def test_dead_pages_are_recorded_with_their_verdict(crawled) -> None:
    db_url, _, site = crawled
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(models.Fetch.url, models.Fetch.verdict, models.Fetch.kind)).all()
    engine.dispose()
    verdicts: dict[str, set[str]] = {}
    for url, verdict, _kind in rows:
        verdicts.setdefault(url.replace(site.base_url, ""), set()).add(verdict)
    for path, verdict in EXPECTED["dead"].items():
        assert verdicts.get(path) == {verdict}, (path, verdicts.get(path))
    for path in EXPECTED["never_fetched"]:
        assert path not in verdicts
        assert not any(hit.startswith(path) for hit in site.hits), path
    kinds = {kind for _, _, kind in rows}
    assert {"article", "listing", "feed", "sitemap"} <= kinds


def test_url_variants_are_one_article(crawled) -> None:
    db_url, records, site = crawled
    canon = {r["canonical_url"] for r in records}
    for target in EXPECTED["aliases"].values():
        assert site.base_url + target in canon
    engine = create_engine(db_url)
    with engine.connect() as conn:
        aliases = dict(conn.execute(select(models.ArticleUrl.url, models.ArticleUrl.article_id)).all())
        articles = dict(conn.execute(select(models.Article.canonical_url, models.Article.id)).all())
    engine.dispose()
    amp = site.base_url + "/en/world/20251104-port-strike-ends-after-talks-amp"
    assert aliases[amp] == articles[site.base_url + "/en/world/20251104-port-strike-ends-after-talks"]
