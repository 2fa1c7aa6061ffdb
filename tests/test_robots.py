"""robots.txt that answers 503 (RFC 9309 §2.3.1.4: "unreachable", assume complete disallow), against a
real server on 127.0.0.1 with real ``morgue crawl`` and ``morgue recheck`` runs in subprocesses."""

from __future__ import annotations

from pathlib import Path

from storage import models
from storage.db import make_engine, upgrade
from tests.hardening.hostile_server import page
from tests.helpers import RouteServer, assert_archive_consistent, morgue, rows

HTML = {"Content-Type": "text/html; charset=utf-8"}
ROBOTS_OK = (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /private/\n")
ROBOTS_DOWN = (503, {"Content-Type": "text/html"}, "<h1>Service unavailable</h1>")


def test_robots_txt_answering_503_disallows_the_host_until_it_answers_again(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'archive.db'}"
    engine = make_engine(db)
    upgrade(engine)
    with RouteServer() as site:
        site.routes.update({
            "/robots.txt": ROBOTS_DOWN,
            "/": (200, HTML, '<a href="/news/20250101-a">a</a> <a href="/private/news/20250101-b">b</a>'),
            "/news/20250101-a": (200, HTML, page("Une nouvelle qui reste en ligne")),
        })  # fmt: skip
        config = tmp_path / "morgue.toml"
        config.write_text(
            f'delay = 0\nprocesses = 0\n[[sources]]\nname = "site"\nstart_urls = ["{site.base_url}/"]\n'
            'article_pattern = "/news/"\n',
            encoding="utf-8",
        )

        # 1. robots.txt answers 503: nothing else of the host is fetched; the start page is recorded transient
        result = morgue("--config", str(config), "--db", db, "crawl", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert set(site.hits) == {"/robots.txt"}  # asked twice (one retry), never the pages
        [listing] = rows(engine, models.Fetch)
        assert (listing["url"], listing["verdict"], listing["reasons"]) == (
            f"{site.base_url}/", "transient", ["robots:unreachable"]
        )
        assert listing["error"] == (
            "robots-unreachable: robots.txt answered 503: complete disallow until it answers again (RFC 9309)"
        )

        # 2. it answers again: its rules apply (the /private/ link is not fetched), the article is archived
        site.routes["/robots.txt"] = ROBOTS_OK
        result = morgue("--config", str(config), "--db", db, "crawl", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert [a["canonical_url"] for a in rows(engine, models.Article)] == [f"{site.base_url}/news/20250101-a"]
        assert site.hits["/news/20250101-a"] == 1 and site.hits["/private/news/20250101-b"] == 0

        # 3. 503 again: a re-check records a transient observation, never evidence of removal, fetches nothing
        site.routes["/robots.txt"] = ROBOTS_DOWN
        site.hits.clear()
        result = morgue("--config", str(config), "--db", db, "recheck", "--all", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert set(site.hits) == {"/robots.txt"}  # no retries in a re-check; neither the probe nor the article
        assert site.hits["/robots.txt"] == 1
    recheck = rows(engine, models.Fetch)[-1]
    assert (recheck["url"], recheck["verdict"], recheck["reasons"]) == (
        f"{site.base_url}/news/20250101-a", "transient", ["robots:unreachable"]
    )
    [article] = rows(engine, models.Article)
    assert (article["status"], article["streak"], article["removed_at"], article["transient_streak"]) == (
        "alive", 0, None, 1
    )
    assert_archive_consistent(engine)
    engine.dispose()
