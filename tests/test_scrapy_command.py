"""`scrapy crawl news` and `scrapy crawl recheck` are `morgue crawl` and `morgue recheck` (issue 13):
same configuration, politeness, incremental skips, run rows and lock. Both run on the fixture site
into archives of their own, which must come out the same."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from crawler.app.scrapy_commands.crawl import morgue_argv
from crawler.demo.server import SiteServer
from storage import models
from tests.helpers import FIXTURES, morgue, write_config


def scrapy(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=240, env=env)


def archive(db: str) -> dict[str, Any]:
    engine = create_engine(db)
    with engine.connect() as conn:
        articles = sorted(conn.execute(select(models.Article.canonical_url, models.Article.status)).all())
        versions = conn.execute(select(func.count()).select_from(models.ArticleVersion)).scalar_one()
        runs = conn.execute(select(models.CrawlRun.kind, models.CrawlRun.status).order_by(models.CrawlRun.id)).all()
        pages = conn.execute(select(models.CrawlRun.pages_fetched).order_by(models.CrawlRun.id)).scalars().all()
        verdicts = sorted(set(conn.execute(select(models.Fetch.url, models.Fetch.verdict)).all()))
    engine.dispose()
    # how many pages an incremental crawl fetches depends on the order feeds and sitemaps answer in:
    # compared as "fewer than the first crawl", not as a number
    return {"articles": articles, "versions": versions, "runs": runs, "verdicts": verdicts, "pages": pages}


def test_spider_arguments_become_morgue_options() -> None:
    assert morgue_argv("news", {"source": "a,b", "delay": "0", "full": "1", "db": "sqlite:///x.db"}) == [
        "--db", "sqlite:///x.db", "crawl", "--source", "a", "--source", "b", "--delay", "0", "--full"
    ]
    assert morgue_argv("recheck", {"all": "true", "limit": "5"}) == ["recheck", "--all", "--limit", "5"]
    with pytest.raises(Exception, match="not an argument"):
        morgue_argv("news", {"depth": "3"})


def test_scrapy_crawl_news_and_morgue_crawl_make_the_same_archive(tmp_path: Path) -> None:
    with SiteServer(FIXTURES / "site") as site:
        results = {}
        for name, run in (("morgue", morgue), ("scrapy", scrapy)):
            work = tmp_path / name
            work.mkdir()
            config = write_config(work, site.base_url)
            config.write_text("delay = 0\n" + config.read_text("utf-8"), encoding="utf-8")
            db = f"sqlite:///{work / 'archive.db'}"
            os.environ["MORGUE_DATABASE_URL"] = db  # what both read when no --db is given
            try:
                assert morgue("init", cwd=work).returncode == 0
                command = ("crawl",) if name == "morgue" else ("crawl", "news")
                for _ in range(2):  # the second run is incremental: 304s and skips, no new version
                    done = run(*command, cwd=work)
                    assert done.returncode == 0, done.stdout + done.stderr
                recheck = ("recheck", "--all") if name == "morgue" else ("crawl", "recheck", "-a", "all=1")
                done = run(*recheck, cwd=work)
                assert done.returncode == 0, done.stdout + done.stderr
            finally:
                del os.environ["MORGUE_DATABASE_URL"]
            results[name] = archive(db)
    for key in ("articles", "versions", "runs", "verdicts"):
        ours, theirs = results["morgue"][key], results["scrapy"][key]
        assert theirs == ours, (key, sorted(set(map(str, theirs)) ^ set(map(str, ours))) if key != "versions" else key)
    assert results["morgue"]["runs"] == [("crawl", "succeeded"), ("crawl", "succeeded"), ("recheck", "succeeded")]
    for name in ("morgue", "scrapy"):
        first, second, recheck = results[name]["pages"]
        assert second < first, name  # the second crawl skipped what was unchanged
        assert recheck == results["morgue"]["pages"][2]
