"""`morgue serve` in a real browser: headless Chromium (Debian's package) driven by Playwright.

The archive comes from a real crawl of the fixture site and a real re-check (the CLI in
subprocesses, WARC on): between the two, the French seed article changed (two versions) and
three articles disappeared in different ways (removals confirmed at the first observation,
``confirmations = 1``, with their evidence). One article with a hostile capture (scripts that
try to reach the parent page, the top window and another origin) is added through the storage
layer. The interface runs in a
thread on 127.0.0.1; every page is screenshot into ``MORGUE_TEST_ARTIFACTS`` (default
``tests/artifacts/``, gitignored); with ``MORGUE_DOCS_SCREENSHOT=1`` the removals page is also
written to ``docs/removals.png`` (the README's picture).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

import pytest

from crawler.app.web import create_app, read_only
from crawler.components.warc import WarcWriter
from crawler.core.items import Article, FetchResult, Verdict
from crawler.demo.server import SiteServer
from storage.archive import record_fetch
from storage.db import make_engine, make_sessionmaker, upgrade
from tests.helpers import FIXTURES, morgue

CHROMIUM = Path("/usr/bin/chromium")
if not os.environ.get("CI"):  # in CI (.ci/run installs both) a missing browser fails the run
    pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)
from playwright import sync_api as playwright_api  # noqa: E402 - after the skip

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("MORGUE_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
SEED = "/fr/moyen-orient/20141208-irak-coalition-envoyer-1500-soldats-combattre-groupe-ei"
FR = "/fr/monde/20251103-climat-nairobi-accord-fonds-villes-cotieres"
EN = "/en/world/20251104-port-strike-ends-after-talks"
ECO = "/fr/economie/20251031-zone-euro-inflation-ralentit-octobre"
HOSTILE = "/fr/monde/20251106-page-piegee"
ATOM = "{http://www.w3.org/2005/Atom}"


def _config(path: Path, base: str) -> Path:
    path.write_text(
        f"""warc_dir = "warc"

[liveness]
confirmations = 1
gone_confirmations = 1
confirm_interval = "0s"

[[sources]]
name = "horizon"
start_urls = ["{base}/", "{base}/en/"]
feeds = ["{base}/rss.xml"]
sitemaps = ["{base}/sitemap.xml"]
article_pattern = "/\\\\d{{8}}-"
""",
        encoding="utf-8",
    )
    return path


def _hostile_html(other: str) -> str:
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Page piégée</title>
<link rel="stylesheet" href="{other}/evil.css">
<meta http-equiv="refresh" content="0; url={other}/refreshed">
</head><body><h1 id="hostile">Une page piégée</h1><p>Le texte archivé de la page piégée.</p>
<img src="{other}/pixel.png" alt="">
<script>
document.title = "script ran";
try {{ parent.document.body.innerHTML = "pwned"; }} catch (e) {{}}
try {{ top.document.body.innerHTML = "pwned"; }} catch (e) {{}}
try {{ top.location = "{other}/top-location"; }} catch (e) {{}}
try {{ fetch("{other}/fetched"); }} catch (e) {{}}
try {{ localStorage.setItem("pwned", "1"); }} catch (e) {{}}
</script>
<script src="{other}/evil.js"></script>
<iframe src="{other}/framed"></iframe>
</body></html>"""


def _add_hostile_article(db: str, warc_dir: Path, base: str, other: str) -> None:
    """An article whose archived page is hostile, stored as a crawl would (WARC record + fetch)."""
    url = base + HOSTILE
    body = _hostile_html(other).encode("utf-8")
    now = datetime.now(UTC)
    writer = WarcWriter(warc_dir, prefix="hostile")
    ref = writer.write_exchange(
        url=url, status=200, response_headers=[("Content-Type", "text/html; charset=utf-8")], body=body, fetched_at=now
    )
    writer.close()
    engine = make_engine(db)
    with make_sessionmaker(engine).begin() as session:
        record_fetch(
            session,
            FetchResult(
                url=url,
                source="horizon",
                fetched_at=now,
                verdict=Verdict.ALIVE,
                status=200,
                final_url=url,
                content_type="text/html; charset=utf-8",
                warc_file=ref.file,
                warc_offset=ref.offset,
                warc_length=ref.length,
                article=Article(
                    url=url, canonical_url=url, title="Une page piégée", body="Le texte archivé.", language="fr"
                ),
            ),
        )
    engine.dispose()


@dataclass
class Served:
    base: str  # the interface
    site: SiteServer  # the crawled fixture site
    other: SiteServer  # "the live web" the hostile capture tries to reach
    browser: Any
    seconds: dict[str, float]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    from werkzeug.serving import make_server

    tmp = tmp_path_factory.mktemp("web")
    db = f"sqlite:///{tmp / 'archive.db'}"
    seconds: dict[str, float] = {}
    with SiteServer(FIXTURES / "site") as site, SiteServer(FIXTURES / "site") as other:
        common = ["--config", str(_config(tmp / "morgue.toml", site.base_url)), "--db", db]
        started = time.perf_counter()
        engine = make_engine(db)
        upgrade(engine)
        engine.dispose()
        first = morgue(*common, "crawl", "--delay", "0", cwd=tmp)
        assert first.returncode == 0, first.stderr
        site.routes[SEED] = {"status": 200, "file": "_seed_changed.html"}
        site.routes[FR] = {"status": 404, "file": "_404.html"}
        site.routes[EN] = {"status": 200, "file": "_soft404_en.html"}
        site.routes[ECO] = {"status": 410, "file": "_gone.html"}
        recheck = morgue(*common, "recheck", "--all", "--delay", "0", cwd=tmp)
        assert recheck.returncode == 0 and "1 updated, 3 dead" in recheck.stdout, recheck.stdout + recheck.stderr
        seconds["crawl and recheck"] = time.perf_counter() - started
        _add_hostile_article(db, tmp / "warc", site.base_url, other.base_url)

        engine = read_only(make_engine(db))
        server = make_server("127.0.0.1", 0, create_app(make_sessionmaker(engine), str(tmp / "warc")), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        started = time.perf_counter()
        with playwright_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            seconds["browser start"] = time.perf_counter() - started
            try:
                yield Served(f"http://127.0.0.1:{server.server_port}", site, other, browser, seconds)
            finally:
                browser.close()
                server.shutdown()
                engine.dispose()
    print("\n" + ", ".join(f"{k} {v:.1f}s" for k, v in seconds.items()))


@pytest.fixture
def page(served: Served) -> Iterator[Any]:
    context = served.browser.new_context(viewport={"width": 1200, "height": 900})
    p = context.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    yield p
    context.close()
    assert not errors, errors  # the interface's own pages run no script, so none can fail


def follow(p: Any, link: Any) -> None:
    """Open the page ``link`` points to. (A click lands in the sandboxed frame instead of the link
    when the page is scrolled down to that frame, a Chromium out-of-process-frame hit-test quirk.)"""
    p.goto(urljoin(p.url, link.get_attribute("href")))


def click(p: Any, target: Any) -> None:
    """Click ``target`` (a selector or a locator) and wait for the page it leads to."""
    with p.expect_navigation(wait_until="domcontentloaded"):  # not "load": it waits for the framed capture too
        (p.locator(target) if isinstance(target, str) else target).click()


def shot(p: Any, name: str) -> Path:
    """A full-page screenshot of the page ``p`` shows, taken in a page of its own (a full-page
    shot resizes the view, which the page under test must not go through)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    snap = p.context.new_page()
    try:
        snap.goto(p.url)
        frame = snap.locator("iframe.capture-frame")
        if frame.count():  # a full-page shot paints an out-of-process frame only once it has been in view
            frame.scroll_into_view_if_needed()
            snap.wait_for_timeout(200)
        snap.screenshot(path=str(path), full_page=True)
    finally:
        snap.close()
    return path


def test_search_finds_the_french_seed_article(served: Served, page: Any) -> None:
    page.goto(served.base + "/")
    page.fill("input[name=q]", "coalition anti-jihadiste")
    click(page, "button[type=submit]")
    first = page.locator("li.result").first
    assert "Irak: la coalition va envoyer 1 500 soldats de plus" in first.locator("a.title").inner_text()
    assert first.locator(".snippet mark").count() >= 1
    assert "coalition" in first.locator(".snippet mark").first.inner_text().lower()
    assert page.locator("li.result").count() == 1
    shot(page, "search")
    # the filters narrow the same search: another status, another section, a date range
    page.select_option("select[name=status]", "removed")
    click(page, "button[type=submit]")
    assert page.locator("li.result").count() == 0
    page.goto(served.base + "/?q=coalition&section=Irak+%2F+Terrorisme&since=2014-12-01&until=2015-01-01")
    assert page.locator("li.result").count() == 1
    page.goto(served.base + "/?q=anti-jihadiste&since=2015-01-01")
    assert page.locator("li.result").count() == 0


def test_the_seed_article_shows_two_versions_and_their_word_diff(served: Served, page: Any) -> None:
    page.goto(served.base + "/?q=coalition")
    click(page, page.locator("li.result a.title").first)
    assert page.locator("tr.version").count() == 2
    deleted = " ".join(page.locator(".diff-title del").all_inner_texts())
    assert "1500" in deleted and "combattre" in deleted
    inserted = " ".join(page.locator(".diff ins").all_inner_texts())
    assert "de plus contre" in inserted and "nettement progressé" in inserted
    assert page.locator(".diff .summary").inner_text().startswith("Version 1 → 2")
    # each version's archived page is framed from the WARC record
    frame = page.frame_locator("iframe.capture-frame")
    assert "1 500 soldats de plus" in frame.locator("body").inner_text()
    assert page.locator("section.liveness tr.fetch").count() >= 2
    shot(page, "article")
    # any two versions: the same version twice shows no change
    page.select_option("select[name=old]", "2")
    click(page, "form.compare button")
    assert page.locator(".diff ins").count() == 1 and page.locator(".diff del").count() == 1  # the summary only
    follow(page, page.locator("tr.version").first.get_by_role("link", name="view"))
    assert "1500 soldats pour combattre" in page.frame_locator("iframe.capture-frame").locator("body").inner_text()


def test_a_removed_article_shows_its_reason_and_evidence(served: Served, page: Any) -> None:
    page.goto(served.base + "/removed")
    rows = page.locator("tr.removal")
    assert rows.count() == 3
    reasons = sorted(rows.locator("td.reason").all_inner_texts())
    assert reasons == ["gone", "not_found", "soft_404"]
    assert page.locator("svg.chart rect.bar").count() == 1  # all three the same day
    path = shot(page, "removed")
    if os.environ.get("MORGUE_DOCS_SCREENSHOT"):
        shutil.copyfile(path, ROOT / "docs" / "removals.png")

    click(page, page.locator("tr.removal", has_text="not_found").get_by_role("link").first)
    removal = page.locator("section.removal")
    assert "not_found" in removal.locator(".reason").inner_text()
    evidence = removal.locator("ul.evidence li")
    assert evidence.count() == 1 and "HTTP 404" in evidence.first.inner_text()
    verdicts = page.locator("section.liveness tr.fetch td:nth-child(2)").all_inner_texts()
    assert verdicts == ["alive", "not_found"]
    # by default the page frames the removal evidence: the page the server answered, from its WARC record
    assert "HTTP 404, not_found" in page.locator("section.capture h2").inner_text()
    assert page.frame_locator("iframe.capture-frame").locator("h1").first.inner_text() == "Page introuvable"
    shot(page, "removed-article")
    follow(page, page.locator("tr.version").first.get_by_role("link", name="view"))  # and the archived version
    assert "version 1" in page.locator("section.capture h2").inner_text()
    assert "Nairobi" in page.frame_locator("iframe.capture-frame").locator("h1").first.inner_text()
    follow(page, evidence.last.get_by_role("link"))
    assert "HTTP 404" in page.locator("section.capture h2").inner_text()

    page.goto(served.base + "/changed")
    assert page.locator("tr.change").count() == 1
    assert "was:" in page.locator("tr.change").inner_text()
    shot(page, "changed")
    page.goto(served.base + "/runs")
    kinds = page.locator("tr.run td:nth-child(2)").all_inner_texts()
    assert kinds == ["recheck", "crawl"]
    shot(page, "runs")


def test_a_hostile_capture_changes_nothing(served: Served, page: Any) -> None:
    before = len(served.other.requests)
    page.goto(served.base + "/article?url=" + served.site.base_url + HOSTILE)
    frame = page.frame_locator("iframe.capture-frame")
    assert frame.locator("h1#hostile").inner_text() == "Une page piégée"  # the capture is shown...
    page.wait_for_timeout(500)  # ... and given time to try its tricks
    assert page.url.startswith(served.base + "/article")
    assert "pwned" not in page.locator("body").inner_text()
    assert page.locator("h1").first.inner_text() == "Une page piégée"
    assert page.title() == "Une page piégée · morgue"
    assert page.evaluate("() => localStorage.getItem('pwned')") is None
    shot(page, "hostile-article")

    direct = page.context.new_page()  # opened alone, the CSP sandbox alone holds it
    response = direct.goto(served.base + page.locator("section.capture a").get_attribute("href"))
    assert "sandbox" in response.headers["content-security-policy"]
    direct.wait_for_timeout(500)
    assert direct.title() == "Page piégée"  # its script never ran
    assert direct.url.startswith(served.base + "/capture/")
    assert len(served.other.requests) == before, served.other.requests  # nothing reached the live web


def test_the_atom_feed_validates_and_lists_the_removal(served: Served, page: Any) -> None:
    response = page.goto(served.base + "/feeds/removed.atom?source=horizon")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.body())
    assert feed.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert feed.find(ATOM + name) is not None and feed.find(ATOM + name).text
    entries = feed.findall(ATOM + "entry")
    assert len(entries) == 3
    for entry in entries:
        for name in ("id", "title", "updated", "summary"):
            assert entry.find(ATOM + name).text, name
        datetime.fromisoformat(entry.find(ATOM + "updated").text)
    links = [e.find(ATOM + "link").get("href") for e in entries]
    assert served.site.base_url + FR in links
    summary = next(e.find(ATOM + "summary").text for e in entries if e.find(ATOM + "link").get("href").endswith(FR))
    assert "not_found" in summary and "HTTP 404" in summary
    empty = ET.fromstring(page.goto(served.base + "/feeds/removed.atom?source=nowhere").body())
    assert empty.findall(ATOM + "entry") == []
    changed = ET.fromstring(page.goto(served.base + "/feeds/changed.atom").body())
    assert [e.find(ATOM + "link").get("href") for e in changed.findall(ATOM + "entry")] == [served.site.base_url + SEED]
