"""Re-checks end to end: crawl the fixture site, make articles disappear in different ways,
run `morgue recheck` (real Scrapy, real database) and read the removal report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from crawler.demo.server import SiteServer
from storage import models
from tests.helpers import FIXTURES, fresh_pg, morgue

FR = "/fr/monde/20251103-climat-nairobi-accord-fonds-villes-cotieres"
EN = "/en/world/20251104-port-strike-ends-after-talks"
ECO = "/fr/economie/20251031-zone-euro-inflation-ralentit-octobre"
SCI = "/en/science/20251102-alpine-glacier-lost-fifth-of-volume"


@pytest.fixture(params=["sqlite", "postgresql"])
def setup(request: pytest.FixtureRequest, tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'archive.db'}" if request.param == "sqlite" else fresh_pg()
    with SiteServer(FIXTURES / "site") as site:
        config = tmp_path / "morgue.toml"
        config.write_text(
            f"""
[liveness]
confirmations = 2
confirm_interval = "0s"

[[sources]]
name = "horizon"
start_urls = ["{site.base_url}/", "{site.base_url}/en/"]
feeds = ["{site.base_url}/rss.xml", "{site.base_url}/atom.xml"]
sitemaps = ["{site.base_url}/sitemap.xml"]
article_pattern = "/\\\\d{{8}}-"
""",
            encoding="utf-8",
        )
        common = ["--config", str(config), "--db", db]
        assert morgue(*common, "init", cwd=tmp_path).returncode == 0
        crawl = morgue(*common, "crawl", "--delay", "0", cwd=tmp_path)
        assert crawl.returncode == 0, crawl.stderr
        yield site, common, db, tmp_path


def statuses(db: str, site: SiteServer) -> dict[str, tuple[str, str | None]]:
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(select(models.Article.canonical_url, models.Article.status, models.Article.removal_reason))
        out = {url.replace(site.base_url, ""): (status, reason) for url, status, reason in rows}
    engine.dispose()
    return out


def test_removals_are_confirmed_never_from_503_and_restorations_are_events(setup) -> None:
    site, common, db, tmp = setup
    site.routes[FR] = {"status": 404}
    site.routes[EN] = {"status": 200, "file": "_soft404_en.html"}
    site.routes[ECO] = {"status": 503, "file": "_503.html"}
    site.routes[SCI] = {"status": 301, "location": "{{BASE}}/"}

    first = morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp)
    assert first.returncode == 0, first.stderr
    after_one = statuses(db, site)
    assert after_one[FR] == ("suspect", "not_found")  # one observation is never enough
    assert after_one[EN] == ("suspect", "soft_404")
    assert after_one[ECO][0] == "alive"  # a 503 says nothing
    assert after_one[SCI] == ("suspect", "redirect_home")

    assert morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp).returncode == 0
    after_two = statuses(db, site)
    assert after_two[FR] == ("removed", "not_found")
    assert after_two[EN] == ("removed", "soft_404")
    assert after_two[SCI] == ("removed", "redirect_home")
    assert after_two[ECO][0] == "alive"
    untouched = [p for p, (s, _) in after_two.items() if p not in (FR, EN, ECO, SCI)]
    assert untouched and all(after_two[p][0] == "alive" for p in untouched)

    report = morgue(*common, "report", "removed", "--format", "json", cwd=tmp)
    data = json.loads(report.stdout)
    removed = {i["url"].replace(site.base_url, ""): i for i in data["removed"]}
    assert set(removed) == {FR, EN, SCI}
    assert [e["status"] for e in removed[FR]["evidence"]] == [404, 404]
    assert removed[FR]["removed_at"] <= removed[FR]["evidence"][-1]["fetched_at"]
    counts = {(c["source"], c["reason"]): c["count"] for c in data["counts"]}
    assert counts == {("horizon", "not_found"): 1, ("horizon", "soft_404"): 1, ("horizon", "redirect_home"): 1}
    html = morgue(*common, "report", "removed", "--format", "html", cwd=tmp).stdout
    assert "<svg" in html and "Removed articles: 3" in html
    written = morgue(*common, "report", "removed", "--format", "csv", "--out", str(tmp / "removed.csv"), cwd=tmp)
    assert written.returncode == 0 and written.stdout == ""
    assert (tmp / "removed.csv").read_text("utf-8").count("\n") == 4  # header and three removals
    assert not (tmp / "removed.csv.part").exists()

    exported = morgue(*common, "export", "--status", "removed", "--format", "jsonl", cwd=tmp).stdout
    records = [json.loads(x) for x in exported.splitlines()]
    assert {r["removal_reason"] for r in records} == {"not_found", "soft_404", "redirect_home"}
    assert all(r["removed_at"] and r["status"] == "removed" for r in records)

    del site.routes[FR]  # the article comes back
    assert morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp).returncode == 0
    assert statuses(db, site)[FR] == ("alive", None)
    engine = create_engine(db)
    with engine.connect() as conn:
        events = (
            conn.execute(
                select(models.ArticleEvent.kind)
                .join(models.Article, models.Article.id == models.ArticleEvent.article_id)
                .where(models.Article.canonical_url == site.base_url + FR)
                .order_by(models.ArticleEvent.id)
            )
            .scalars()
            .all()
        )
        evidence = (
            conn.execute(
                select(models.Fetch.evidence).where(
                    models.Fetch.url == site.base_url + EN, models.Fetch.verdict == "soft_404"
                )
            )
            .scalars()
            .all()
        )
        probes = conn.execute(select(models.SiteProbe.host, models.SiteProbe.status)).all()
    engine.dispose()
    assert events == ["suspect", "removed", "restored"]
    assert evidence and all(b"Page not found" in e for e in evidence)  # the body is kept as evidence
    assert probes and {status for _, status in probes} == {404}  # an honest site: random URLs give 404


def test_unchanged_articles_answer_304_to_conditional_requests(setup) -> None:
    site, common, db, tmp = setup
    before = len(site.hits)
    assert morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp).returncode == 0
    engine = create_engine(db)
    with engine.connect() as conn:
        rows = conn.execute(
            select(models.Fetch.url, models.Fetch.status, models.Fetch.verdict)
            .join(models.CrawlRun)
            .where(models.CrawlRun.kind == "recheck")
        ).all()
    engine.dispose()
    assert len(site.hits) > before
    assert {verdict for _, _, verdict in rows} == {"alive"}
    assert {status for _, status, _ in rows} == {304}, rows  # validators of the article's own URL, not its AMP alias
    assert all(status == "alive" for status, _ in statuses(db, site).values())


def test_due_selection_skips_what_was_just_checked(setup) -> None:
    _, common, _db, tmp = setup
    result = morgue(*common, "recheck", "--delay", "0", cwd=tmp)  # nothing is due right after a crawl
    assert result.returncode == 0
    assert "0 pages fetched" in result.stdout


@pytest.mark.parametrize("setup", ["sqlite"], indirect=True)  # one backend: the rules are above the database
def test_an_article_going_behind_a_paywall_and_out_is_an_access_change_never_a_removal(setup) -> None:
    site, common, db, tmp = setup
    site.routes[EN] = {"status": 200, "file": "_paywalled_en.html"}  # headline, lead, one paragraph, a wall
    for _ in range(2):  # as many observations as would confirm a removal
        done = morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp)
        assert done.returncode == 0, done.stderr
    assert statuses(db, site)[EN] == ("alive", None)
    shown = json.loads(morgue(*common, "show", site.base_url + EN, "--format", "json", cwd=tmp).stdout)
    assert shown["access"] == "subscription"
    assert shown["versions"] == 1  # the archived free text is kept: no truncated version
    assert "three weeks" in shown["body"]
    verdicts = [f["verdict"] for f in shown["fetches"]]
    assert verdicts[-2:] == ["alive", "alive"]
    assert any("wall:article-behind" in f["reasons"] for f in shown["fetches"])

    del site.routes[EN]
    assert morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp).returncode == 0
    shown = json.loads(morgue(*common, "show", site.base_url + EN, "--format", "json", cwd=tmp).stdout)
    assert (shown["access"], shown["status"], shown["versions"]) == ("free", "alive", 1)
    changed = json.loads(morgue(*common, "report", "changed", "--format", "json", cwd=tmp).stdout)
    mine = [c for c in changed if c["canonical_url"].endswith(EN)]
    assert [c["access_changed"] for c in mine] == ["free->subscription, subscription->free"]
    removed = morgue(*common, "report", "removed", "--format", "json", cwd=tmp)
    assert EN not in removed.stdout


def test_a_notice_that_kept_a_copy_of_the_opening_paragraph_is_confirmed_never_stored_as_a_version(setup) -> None:
    # the headline stays, a "key points" box keeps the body's first paragraph (a sixth of it), the body is a
    # notice in words no lexicon holds: not an edit, so the archived text stays the baseline of every re-check
    site, common, db, tmp = setup
    site.routes[EN] = {"status": 200, "file": "_remnant_en.html"}
    for _ in range(2):  # confirmations = 2
        done = morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp)
        assert done.returncode == 0, done.stderr
    assert statuses(db, site)[EN] == ("removed", "removal_notice")
    shown = json.loads(morgue(*common, "show", site.base_url + EN, "--format", "json", cwd=tmp).stdout)
    assert shown["versions"] == 1  # the shrunk page never became the comparison baseline
    assert "Union members will be formally balloted" in shown["body"]
    checks = [f for f in shown["fetches"] if f["verdict"] == "removal_notice"]
    assert len(checks) == 2
    assert all(any(r.startswith("archived-text:mostly-gone") for r in f["reasons"]) for f in checks), checks
