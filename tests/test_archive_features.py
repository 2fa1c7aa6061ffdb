"""The archive (#6): incremental crawls, versions and diffs, full-text search, WARC files.

Storage-level tests on seeded data, then the real CLI in subprocesses crawling the fixture
site on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import html
import json
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, delete, func, select
from warcio.archiveiterator import ArchiveIterator
from warcio.cli import main as warcio_main

from crawler.components.warc import WarcWriter, export_warc, read_record
from crawler.config import ConfigError, parse_config
from crawler.core.items import Article, FetchResult, Verdict, WarcRef
from crawler.demo.server import SiteServer
from crawler.page.discovery import Link
from crawler.spiders.news import Archived, NewsSpider
from storage import models
from storage.archive import record_fetch
from storage.db import make_engine, make_sessionmaker, upgrade
from storage.diffs import DiffError, changed_articles, diff_versions
from storage.search import fts5_query, search_articles
from tests.helpers import FIXTURES, fresh_pg, morgue

T0 = datetime(2025, 11, 3, 8, 0, tzinfo=UTC)
SEED = "/fr/moyen-orient/20141208-irak-coalition-envoyer-1500-soldats-combattre-groupe-ei"
HOSTILE = ["'; DROP TABLE articles; --", '"unbalanced', "nowhere OR 1=1", "NEAR(a b", "title:*", "--", "*", "_"]


# -- storage: search, diffs, 304s -----------------------------------------------------------


def alive(url: str, at: datetime, *, title: str, body: str, lead: str | None = None, lang: str = "fr") -> FetchResult:
    return FetchResult(
        url=url,
        source="news",
        fetched_at=at,
        verdict=Verdict.ALIVE,
        status=200,
        final_url=url,
        article=Article(url=url, canonical_url=url, title=title, lead=lead, body=body, language=lang),
    )


@pytest.fixture
def sessions(db_url: str):
    engine = make_engine(db_url)
    upgrade(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


A = "https://news.example.org/fr/20251103-a"
B = "https://news.example.org/fr/20251103-b"
C = "https://news.example.org/en/20251103-c"


def test_search_is_ranked_current_only_and_literal(sessions) -> None:
    with sessions.begin() as s:
        record_fetch(s, alive(A, T0, title="La coalition anti-jihadiste en Irak", body="Des soldats partent."))
        record_fetch(s, alive(B, T0, title="Marchés", body="Rien à voir.\n\nLa coalition anti-jihadiste, en passant."))
        record_fetch(s, alive(C, T0, title="Port strikes end", body="Dockers ended their strikes.", lang="en"))
    with sessions() as s:
        found = search_articles(s, "coalition anti-jihadiste")
        assert [r["canonical_url"] for r in found] == [A, B]  # a title match ranks first
        assert found[0]["rank"] > found[1]["rank"]
        assert "[coalition]" in found[0]["snippet"] and "[coalition]" in found[1]["snippet"]
        assert [r["canonical_url"] for r in search_articles(s, "COALITION anti-JIHADISTE")] == [A, B]
        assert [r["canonical_url"] for r in search_articles(s, "coalition", sources=("other",))] == []
        assert [r["canonical_url"] for r in search_articles(s, "coalition", limit=1)] == [A]
        for text in HOSTILE:
            assert search_articles(s, text) == [], text
    with sessions.begin() as s:  # a new version replaces the old text in the index
        record_fetch(s, alive(A, T0 + timedelta(days=1), title="Le retrait", body="Les troupes rentrent."))
    with sessions() as s:
        assert [r["canonical_url"] for r in search_articles(s, "coalition")] == [B]
        assert [r["canonical_url"] for r in search_articles(s, "retrait")] == [A]
    with sessions.begin() as s:  # a deleted article leaves the index with its versions
        s.execute(delete(models.Article).where(models.Article.canonical_url == B))
    with sessions() as s:
        assert search_articles(s, "coalition") == []
        assert s.scalar(select(func.count()).select_from(models.Article)) == 2


def test_fts5_query_quotes_every_term() -> None:
    assert fts5_query("coalition anti-jihadiste") == '"coalition" "anti-jihadiste"'
    assert fts5_query('say "hi') == '"say" """hi"'
    assert fts5_query("-- * ()") is None


def test_diff_of_two_versions_and_the_changed_report(sessions) -> None:
    with sessions.begin() as s:
        record_fetch(s, alive(A, T0, title="Un titre", lead="Le chapo.", body="Premier paragraphe.\n\nSecond."))
        record_fetch(
            s, alive(A, T0 + timedelta(days=1), title="Un titre", lead="Le chapo.", body="Premier.\n\nSecond.")
        )
        record_fetch(
            s, alive(A, T0 + timedelta(days=2), title="Un titre corrigé", lead="Le chapo.", body="Premier.\n\nSecond.")
        )
        record_fetch(s, alive(C, T0, title="Once", body="Only one version.", lang="en"))
        record_fetch(s, alive(B, T0, title="Stable", body="Rien ne change."))
        moved = alive(B, T0 + timedelta(days=1), title="Stable", body="Rien ne change.")
        record_fetch(s, replace(moved, article=replace(moved.article, section="Ailleurs")))  # not text
    with sessions() as s:
        assert diff_versions(s, B).diff == ""
        last = diff_versions(s, A + "?utm_source=x")
        assert (last.old, last.new, last.title_changed) == (2, 3, True)
        assert "-Un titre\n+Un titre corrigé" in last.diff and "--- v2/title" in last.diff
        first = diff_versions(s, A, 1, 2)
        assert not first.title_changed and "-Premier paragraphe.\n+Premier." in first.diff
        assert (first.words_added, first.words_removed) == (1, 2)
        with pytest.raises(DiffError, match="only one version"):
            diff_versions(s, C)
        with pytest.raises(DiffError, match="no version 7"):
            diff_versions(s, A, 1, 7)
        with pytest.raises(DiffError, match="no archived article"):
            diff_versions(s, "https://elsewhere.example/")

        report = changed_articles(s)
        assert [(r["canonical_url"], r["changes"], r["headline_changed"]) for r in report] == [(A, 2, True)]
        assert (report[0]["previous_title"], report[0]["words_added"], report[0]["words_removed"]) == ("Un titre", 2, 2)
        recent = changed_articles(s, since=T0 + timedelta(days=2))
        assert [(r["from_version"], r["to_version"], r["words_added"], r["words_removed"]) for r in recent] == [
            (2, 3, 1, 0)
        ]
        assert changed_articles(s, since=T0 + timedelta(days=3)) == []
        assert changed_articles(s, sources=("other",)) == []
        # --until: the archive as it stood then (version 3, the new headline, came later)
        then = changed_articles(s, until=T0 + timedelta(days=2))
        assert [(r["from_version"], r["to_version"], r["headline_changed"]) for r in then] == [(1, 2, False)]
        assert changed_articles(s, until=T0 + timedelta(days=1)) == []


def test_not_modified_is_a_seen_time_not_a_version(sessions) -> None:
    with sessions.begin() as s:
        record_fetch(s, alive(A, T0, title="Un titre", body="Texte."))
    later = T0 + timedelta(days=1)
    with sessions.begin() as s:
        record_fetch(
            s, FetchResult(url=A, source="news", fetched_at=later, verdict=Verdict.ALIVE, status=304, final_url=A)
        )
    with sessions() as s:
        article = s.scalar(select(models.Article))
        versions = s.scalars(select(models.ArticleVersion)).all()
        assert article.last_seen_at == later and article.status == "alive"
        assert len(versions) == 1 and versions[0].last_seen_at == later


# -- the spider: conditional requests and date skipping --------------------------------------


def test_news_spider_sends_validators_and_skips_what_has_not_changed() -> None:
    from crawler.config import Source

    base = "https://news.example.org"
    seen = datetime(2025, 11, 4, tzinfo=UTC)
    known = {
        f"{base}/a/20251101-old": Archived(last_seen_at=seen, status="alive", etag='"e1"', last_modified="Sat, 01 Nov"),
        f"{base}/a/20251102-updated": Archived(last_seen_at=seen, status="alive", etag='"e2"'),
        f"{base}/a/20251103-suspect": Archived(last_seen_at=seen, status="suspect", etag='"e3"'),
    }
    crawler = get_crawler(NewsSpider)
    source = Source(name="n", start_urls=(base,), allowed_domains=("news.example.org",))
    spider = NewsSpider.from_crawler(crawler, sources=(source,), known=known)
    links = [
        Link(url=f"{base}/a/20251101-old", published_raw="2025-11-01T10:00:00+00:00"),  # not newer: skipped
        Link(url=f"{base}/a/20251102-updated", published_raw="2025-11-01", modified_raw="2025-11-05T08:00:00Z"),
        Link(url=f"{base}/a/20251103-suspect", published_raw="2025-11-01"),  # not alive: always fetched
        Link(url=f"{base}/a/20251104-new", published_raw="2025-11-04"),
    ]
    requests = {r.url: r for r in spider._article_requests(links, source)}
    assert sorted(requests) == [f"{base}/a/20251102-updated", f"{base}/a/20251103-suspect", f"{base}/a/20251104-new"]
    assert requests[f"{base}/a/20251102-updated"].headers.get("If-None-Match") == b'"e2"'
    assert requests[f"{base}/a/20251103-suspect"].headers.get("If-None-Match") == b'"e3"'
    assert requests[f"{base}/a/20251104-new"].headers.get("If-None-Match") is None
    assert crawler.stats.get_value("morgue/skipped_unchanged") == 1
    assert crawler.stats.get_value("morgue/conditional_requests") == 2
    undated = list(spider._article_requests([f"{base}/a/20251101-old?utm_source=x"], source))
    assert undated == []  # the same article again (already decided): not requested twice


# -- WARC writer and config ----------------------------------------------------------------------


def test_warc_writer_rotates_and_export_copies_records_with_their_requests(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_size=2_000)
    refs = []
    for i in range(6):
        body = f"<html><title>Article {i}</title>{'x' * 1500}</html>".encode()
        refs.append(
            writer.write_exchange(
                url=f"http://h.example/a{i}?q=1",
                status=200 if i else 404,
                response_headers=[("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")],
                body=body,
                request_headers=[("User-Agent", "morgue")],
            )
        )
    writer.close()
    assert len({r.file for r in refs}) > 1 and len(writer.files) == len({r.file for r in refs})
    for i, ref in enumerate(refs):
        record, payload = read_record(tmp_path, ref)
        assert record.rec_type == "response" and payload.startswith(f"<html><title>Article {i}<".encode())
        assert record.http_headers.get_statuscode() == ("200" if i else "404")
        assert record.http_headers.get_header("Transfer-Encoding") is None  # stored de-chunked
    out = tmp_path / "out" / "sel.warc.gz"
    out.parent.mkdir()
    assert export_warc([refs[1], refs[4], refs[1], WarcRef("gone.warc.gz", 0, 10)], tmp_path, out) == 2
    with out.open("rb") as fh:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)]
    a1, a4 = "http://h.example/a1?q=1", "http://h.example/a4?q=1"
    assert records == [("warcinfo", None), ("response", a1), ("request", a1), ("response", a4), ("request", a4)]
    with pytest.raises(SystemExit) as checked:  # digests verified by warcio itself
        warcio_main(["check", str(out), *map(str, writer.files)])
    assert checked.value.code == 0


def test_warc_config_keys_are_checked() -> None:
    assert parse_config({"warc_dir": "warc", "warc_max_size": 10_000_000}).warc_dir == "warc"
    with pytest.raises(ConfigError, match=r"^warc_dir:"):
        parse_config({"warc_dir": 3})
    with pytest.raises(ConfigError, match=r"^warc_max_size:"):
        parse_config({"warc_max_size": "1GB"})


# -- end to end: the real CLI, a real crawl of the fixture site ------------------------------


@dataclass
class Crawled:
    site: SiteServer
    common: list[str]  # --config ... --db ...
    listing: list[str]  # the same source with start pages only: every article link is undated
    db: str
    tmp: Path
    seconds: float  # wall time of the first crawl (`morgue crawl` subprocess)

    def morgue(self, *args: str, listing: bool = False):
        return morgue(*(self.listing if listing else self.common), *args, cwd=self.tmp)

    def rows(self, q):
        engine = create_engine(self.db)
        with engine.connect() as conn:
            rows = conn.execute(q).all()
        engine.dispose()
        return rows


def _config(path: Path, base: str, *, listing_only: bool) -> Path:
    discovery = f'feeds = ["{base}/rss.xml", "{base}/atom.xml"]\nsitemaps = ["{base}/sitemap.xml"]'
    if listing_only:
        discovery = ""
    path.write_text(
        f"""warc_dir = "warc"
warc_max_size = 40000

[[sources]]
name = "horizon"
start_urls = ["{base}/", "{base}/en/"]
{discovery}
article_pattern = "/\\\\d{{8}}-"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def crawled(request: pytest.FixtureRequest, tmp_path: Path):
    db = f"sqlite:///{tmp_path / 'archive.db'}" if request.param == "sqlite" else fresh_pg()
    with SiteServer(FIXTURES / "site") as site:
        full = _config(tmp_path / "morgue.toml", site.base_url, listing_only=False)
        listing = _config(tmp_path / "listing.toml", site.base_url, listing_only=True)
        common = ["--config", str(full), "--db", db]
        assert morgue(*common, "init", cwd=tmp_path).returncode == 0
        started = time.perf_counter()
        first = morgue(*common, "crawl", "--delay", "0", cwd=tmp_path)
        seconds = time.perf_counter() - started
        assert first.returncode == 0, first.stdout + first.stderr
        yield Crawled(site, common, ["--config", str(listing), "--db", db], db, tmp_path, seconds)


def _version_count(c: Crawled) -> int:
    return c.rows(select(func.count()).select_from(models.ArticleVersion))[0][0]


def test_second_crawl_of_an_unchanged_site_stores_no_version_and_is_conditional(crawled: Crawled) -> None:
    c = crawled
    versions = _version_count(c)
    assert versions == 8
    before = len(c.site.requests)
    started = time.perf_counter()
    second = c.morgue("crawl", "--delay", "0")
    seconds = time.perf_counter() - started
    assert second.returncode == 0, second.stderr
    assert "0 new articles, 0 updated" in second.stdout
    assert _version_count(c) == versions
    paths = [p for p, _ in c.site.requests[before:]]
    assert SEED not in paths  # its sitemap lastmod (2014) is older than its last visit: skipped
    print(
        f"\n[{c.db.split(':')[0]}] first crawl {c.seconds:.2f}s, unchanged second crawl {seconds:.2f}s "
        f"({len(c.site.requests) - before} requests instead of {before})"
    )

    seen_before = dict(c.rows(select(models.Article.canonical_url, models.Article.last_seen_at)))
    before = len(c.site.requests)
    third = c.morgue("crawl", "--delay", "0", listing=True)  # undated links: conditional requests
    assert third.returncode == 0, third.stderr
    assert "0 new articles, 0 updated" in third.stdout
    assert _version_count(c) == versions
    conditional = {p: h.get("If-None-Match") for p, h in c.site.requests[before:] if p == SEED}
    assert conditional[SEED] and conditional[SEED].startswith('"')
    run = c.rows(select(func.max(models.CrawlRun.id)))[0][0]
    fetched = select(models.Fetch.url, models.Fetch.status).where(models.Fetch.run_id == run)
    statuses = dict(c.rows(fetched.where(models.Fetch.kind == "article")))
    assert statuses[c.site.base_url + SEED] == 304
    seen_after = dict(c.rows(select(models.Article.canonical_url, models.Article.last_seen_at)))
    assert seen_after[c.site.base_url + SEED] > seen_before[c.site.base_url + SEED]  # seen, not stored again
    version_seen = c.rows(
        select(models.ArticleVersion.last_seen_at)
        .join(models.Article)
        .where(models.Article.canonical_url == c.site.base_url + SEED)
    )
    assert [v for (v,) in version_seen] == [seen_after[c.site.base_url + SEED]]


def test_full_text_search_finds_the_seed_article(crawled: Crawled) -> None:
    c = crawled
    result = c.morgue("query", "coalition anti-jihadiste", "--format", "json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found and found[0]["canonical_url"] == c.site.base_url + SEED
    assert "[coalition]" in found[0]["snippet"] and "jihadiste]" in found[0]["snippet"]
    assert [r["rank"] for r in found] == sorted((r["rank"] for r in found), reverse=True)
    filtered = c.morgue("query", "coalition", "--status", "alive", "--since", "2014-12-01", "--until", "2015-01-01")
    assert filtered.returncode == 0 and "Irak" in filtered.stdout
    table = c.morgue("query", "combattre", "--source", "nowhere", "--format", "jsonl")
    assert table.returncode == 0 and table.stdout == ""
    for text in HOSTILE:
        hostile = c.morgue("query", "--format", "json", "--", text)
        assert hostile.returncode == 0, (text, hostile.stderr)
        assert json.loads(hostile.stdout) == [], text
    assert c.rows(select(func.count()).select_from(models.Article))[0][0] == 8


def test_a_changed_article_gets_a_version_a_diff_and_a_report(crawled: Crawled) -> None:
    c = crawled
    c.site.routes[SEED] = {"status": 200, "file": "_seed_changed.html"}
    changed = c.morgue("crawl", "--delay", "0", listing=True)  # its ETag no longer matches
    assert changed.returncode == 0, changed.stderr
    assert "0 new articles, 1 updated" in changed.stdout
    url = c.site.base_url + SEED

    versions = c.morgue("show", url, "--versions", "--format", "json")
    assert [v["number"] for v in json.loads(versions.stdout)] == [1, 2]
    assert "2 versions" in c.morgue("show", url, "--versions").stdout

    diff = c.morgue("diff", url)
    assert diff.returncode == 0, diff.stderr
    assert "headline changed" in diff.stdout
    assert "-Irak: la coalition va envoyer 1500 soldats pour combattre le groupe EI" in diff.stdout
    assert "+Irak: la coalition va envoyer 1 500 soldats de plus contre le groupe EI" in diff.stdout
    assert "+" in diff.stdout and "nettement progressé" in diff.stdout
    as_json = json.loads(c.morgue("diff", url, "1", "2", "--format", "json").stdout)
    assert as_json["title_changed"] and as_json["words_added"] > 0 and as_json["words_removed"] > 0
    assert c.morgue("diff", url, "1").returncode == 2
    assert c.morgue("diff", url, "1", "5").returncode == 1

    report = json.loads(c.morgue("report", "changed", "--format", "json").stdout)
    assert [(r["canonical_url"], r["headline_changed"]) for r in report] == [(url, True)]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert json.loads(c.morgue("report", "changed", "--since", tomorrow, "--format", "json").stdout) == []
    assert "1 changed articles" in c.morgue("report", "changed").stdout

    assert json.loads(c.morgue("query", "nettement progressé", "--format", "json").stdout)[0]["canonical_url"] == url
    assert json.loads(c.morgue("query", "quelques progrès ces derniers", "--format", "json").stdout) == []

    ((file, offset, length),) = c.rows(
        select(models.ArticleVersion.warc_file, models.ArticleVersion.warc_offset, models.ArticleVersion.warc_length)
        .join(models.Article)
        .where(models.Article.canonical_url == url, models.ArticleVersion.number == 2)
    )
    _, payload = read_record(c.tmp / "warc", WarcRef(file, offset, length))
    assert "1 500 soldats de plus contre le groupe EI" in html.unescape(payload.decode("utf-8"))


def test_the_warc_files_of_a_crawl_match_the_archive(crawled: Crawled) -> None:
    c = crawled
    files = sorted((c.tmp / "warc").glob("morgue-*.warc.gz"))
    assert len(files) > 1  # rotated at warc_max_size
    responses: dict[str, list[str]] = {}
    requests = 0
    for f in files:
        with f.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "response":
                    digest = hashlib.sha256(record.content_stream().read()).hexdigest()
                    responses.setdefault(record.rec_headers.get_header("WARC-Target-URI"), []).append(digest)
                elif record.rec_type == "request":
                    requests += 1
                    assert record.rec_headers.get_header("WARC-Concurrent-To")
    assert requests == sum(len(v) for v in responses.values())

    fetches = c.rows(
        select(
            models.Fetch.final_url,
            models.Fetch.body_sha256,
            models.Fetch.verdict,
            models.Fetch.warc_file,
            models.Fetch.warc_offset,
            models.Fetch.warc_length,
        ).where(models.Fetch.status.is_not(None))
    )
    assert fetches and all(f.warc_file for f in fetches)
    for f in fetches:
        record, payload = read_record(c.tmp / "warc", WarcRef(f.warc_file, f.warc_offset, f.warc_length))
        assert record.rec_headers.get_header("WARC-Target-URI") == f.final_url
        assert hashlib.sha256(payload).hexdigest() == f.body_sha256
        assert f.body_sha256 in responses[f.final_url]
    gone = [f for f in fetches if f.verdict == "gone"]
    assert gone  # removal evidence points to its record, a 410
    record, _ = read_record(c.tmp / "warc", WarcRef(gone[0].warc_file, gone[0].warc_offset, gone[0].warc_length))
    assert record.http_headers.get_statuscode() == "410"

    versions = c.rows(
        select(
            models.ArticleVersion.title,
            models.ArticleVersion.warc_file,
            models.ArticleVersion.warc_offset,
            models.ArticleVersion.warc_length,
        )
    )
    for title, *ref in versions:
        _, payload = read_record(c.tmp / "warc", WarcRef(*ref))
        assert title in html.unescape(payload.decode("utf-8")), title

    out = c.tmp / "alive.warc.gz"
    export = c.morgue("export", "--format", "warc", "--status", "alive", "--out", str(out))
    assert export.returncode == 0, export.stderr
    with out.open("rb") as fh:
        exported = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(fh)]
    article_fetches = c.rows(
        select(func.count()).select_from(models.Fetch).where(models.Fetch.article_id.is_not(None))
    )[0][0]
    assert [t for t, _ in exported].count("response") == article_fetches
    assert [t for t, _ in exported].count("request") == article_fetches
    assert c.morgue("export", "--format", "warc").returncode == 2  # --out is required


def test_an_unwritable_warc_dir_is_refused_before_crawling(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    config = tmp_path / "morgue.toml"
    config.write_text('[[sources]]\nname = "x"\nstart_urls = ["http://127.0.0.1:9/"]\n', encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'a.db'}"
    assert morgue("--config", str(config), "--db", db, "init", cwd=tmp_path).returncode == 0
    result = morgue("--config", str(config), "--db", db, "crawl", "--warc-dir", str(blocker / "warc"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("Error: --warc-dir: cannot write WARC files to")
    engine = create_engine(db)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(models.CrawlRun)).scalar() == 0
    engine.dispose()
