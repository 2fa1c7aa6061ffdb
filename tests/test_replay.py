"""A crawl and its re-crawls replay in pywb at "latest"; ``morgue reextract`` re-reads the captures (#14).

The fixture site is crawled twice with the default config (no ``warc_dir``: captures go beside
the SQLite archive): the first crawl stores every page; the second, from the start pages only,
asks for the seed article with its stored ETag and gets a 304, while the other articles, whose
validators were dropped in between, come back whole and byte for byte the same (200, identical
payload).

pywb pins packages that morgue's own dependencies outgrow (redis 2.10, Werkzeug 2.2, gevent 23.9),
so it lives in its own virtual environment: ``$MORGUE_PYWB_PYTHON``, else ``.venv-pywb/bin/python``
at the repository's root (``.ci/run`` makes it: ``python -m venv .venv-pywb && .venv-pywb/bin/pip
install 'pywb==2.9.1'``; the ``replay`` extra of pyproject names the version). Without it the pywb
test is skipped, unless ``MORGUE_REQUIRE_PYWB=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import html
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, update
from warcio.archiveiterator import ArchiveIterator

from crawler.components.warc import PROFILE_IDENTICAL, PROFILE_NOT_MODIFIED, read_capture
from crawler.core.items import WarcRef
from crawler.demo.server import SiteServer
from storage import models
from tests.helpers import FIXTURES, morgue

ROOT = Path(__file__).resolve().parent.parent
SEED = "/fr/moyen-orient/20141208-irak-coalition-envoyer-1500-soldats-combattre-groupe-ei"
SEED_TITLE = "Irak: la coalition va envoyer 1500 soldats pour combattre le groupe EI"


def _config(path: Path, base: str, *, listing_only: bool) -> Path:
    discovery = "" if listing_only else f'feeds = ["{base}/rss.xml"]\nsitemaps = ["{base}/sitemap.xml"]'
    path.write_text(
        f'[[sources]]\nname = "horizon"\nstart_urls = ["{base}/", "{base}/en/"]\n{discovery}\n'
        'article_pattern = "/\\\\d{8}-"\n',
        encoding="utf-8",
    )
    return path


@dataclass
class Recrawled:
    site: SiteServer
    tmp: Path
    db: str
    warc: Path
    identical: str  # the article sent again whole (no validators) in the third crawl
    common: list[str]
    versions: int = 0  # after the first crawl

    def morgue(self, *args: str):
        return morgue(*self.common, *args, cwd=self.tmp)

    def rows(self, q):
        engine = create_engine(self.db)
        with engine.begin() as conn:
            rows = conn.execute(q).all()
        engine.dispose()
        return rows

    def execute(self, statement) -> None:
        engine = create_engine(self.db)
        with engine.begin() as conn:
            conn.execute(statement)
        engine.dispose()


@pytest.fixture(scope="module")
def recrawled(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("replay")
    db = f"sqlite:///{tmp / 'archive.db'}"
    with SiteServer(FIXTURES / "site") as site:
        full = ["--config", str(_config(tmp / "morgue.toml", site.base_url, listing_only=False)), "--db", db]
        listing = ["--config", str(_config(tmp / "listing.toml", site.base_url, listing_only=True)), "--db", db]
        assert morgue(*full, "init", cwd=tmp).returncode == 0
        c = Recrawled(site, tmp, db, tmp / "archive-warc", "", listing)
        first = morgue(*full, "crawl", "--delay", "0", cwd=tmp)
        assert first.returncode == 0, first.stdout + first.stderr
        c.versions = c.rows(select(func.count()).select_from(models.ArticleVersion))[0][0]
        seed = site.base_url + SEED
        c.execute(update(models.Article).where(models.Article.canonical_url != seed).values(etag=None))
        second = c.morgue("crawl", "--delay", "0")
        assert second.returncode == 0, second.stdout + second.stderr
        assert "0 new articles, 0 updated" in second.stdout
        run = c.rows(select(func.max(models.CrawlRun.id)))[0][0]
        fetched = c.rows(
            select(models.Fetch.url, models.Fetch.status)
            .where(models.Fetch.run_id == run, models.Fetch.kind == "article", models.Fetch.verdict == "alive")
            .order_by(models.Fetch.url)
        )
        assert (seed, 304) in fetched
        c.identical = next(url for url, status in fetched if status == 200)
        yield c


def _warc_records(directory: Path) -> list[tuple[str, dict[str, str]]]:
    out = []
    for path in sorted(directory.glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                out.append((record.rec_type, dict(record.rec_headers.headers)))
    return out


def test_captures_are_kept_by_default_and_304s_are_revisits_of_the_stored_page(recrawled: Recrawled) -> None:
    c = recrawled
    assert c.warc.is_dir()  # beside archive.db, without warc_dir in the config
    records = _warc_records(c.warc)
    by_url: dict[str, list[dict[str, str]]] = {}
    for kind, headers in records:
        if kind in ("response", "revisit"):
            by_url.setdefault(headers["WARC-Target-URI"], []).append({"kind": kind, **headers})
    seed = by_url[c.site.base_url + SEED]
    assert [(r["kind"], r.get("WARC-Profile")) for r in seed] == [("response", None), ("revisit", PROFILE_NOT_MODIFIED)]
    identical = by_url[c.identical]
    assert [(r["kind"], r.get("WARC-Profile")) for r in identical] == [
        ("response", None),
        ("revisit", PROFILE_IDENTICAL),
    ]
    for capture in (seed, identical):
        for revisit in capture[1:]:
            assert revisit["WARC-Refers-To"] == capture[0]["WARC-Record-ID"]
            assert revisit["WARC-Refers-To-Date"] == capture[0]["WARC-Date"]
            assert revisit["WARC-Payload-Digest"] == capture[0]["WARC-Payload-Digest"]

    fetches = c.rows(
        select(models.Fetch.status, models.Fetch.warc_file, models.Fetch.warc_offset, models.Fetch.warc_length)
        .where(models.Fetch.url == c.site.base_url + SEED)
        .order_by(models.Fetch.fetched_at)
    )
    assert [f.status for f in fetches] == [200, 304]
    for status, *ref in fetches:
        record, _, payload = read_capture(c.warc, WarcRef(*ref))
        assert record.rec_type == ("response" if status == 200 else "revisit")
        assert SEED_TITLE in html.unescape(payload.decode("utf-8"))
    assert c.rows(select(func.count()).select_from(models.ArticleVersion))[0][0] == c.versions  # none from revisits


def _pywb_python() -> str:
    python = os.environ.get("MORGUE_PYWB_PYTHON") or str(ROOT / ".venv-pywb" / "bin" / "python")
    if not Path(python).exists():
        message = f"pywb's environment is missing ({python}): see the docstring of {Path(__file__).name}"
        if os.environ.get("MORGUE_REQUIRE_PYWB"):
            pytest.fail(message)
        pytest.skip(message)
    return python


def test_pywb_replays_the_latest_capture_of_a_recrawled_article_as_its_page(recrawled: Recrawled) -> None:
    c = recrawled
    urls = [c.site.base_url + SEED, c.identical]
    done = subprocess.run(
        [_pywb_python(), str(FIXTURES / "pywb_replay.py"), str(c.tmp / "pywb"), str(c.warc), *urls],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    revisits = sum(1 for kind, _ in _warc_records(c.warc) if kind == "revisit")
    assert revisits >= 2 and result["index"].count('"mime": "warc/revisit"') == revisits  # pywb's own indexer
    latest = {}
    for kind, headers in _warc_records(c.warc):
        if kind in ("response", "revisit") and headers["WARC-Target-URI"] in urls:
            latest[headers["WARC-Target-URI"]] = datetime.fromisoformat(headers["WARC-Date"].replace("Z", "+00:00"))
    titles = dict(c.rows(select(models.Article.canonical_url, models.ArticleVersion.title).join(models.ArticleVersion)))
    for url in urls:
        for mode, replay in result["replay"][url].items():
            assert replay["status"] == 200, (url, mode, replay["status"])
            assert titles[url] in html.unescape(replay["body"]), (url, mode)
            # the capture replayed is the latest one (a revisit), served as the page it refers to
            replayed = parsedate_to_datetime(replay["memento_datetime"])
            assert replayed == latest[url].replace(microsecond=0), (url, mode)


def test_export_warc_brings_the_captures_that_revisits_refer_to(recrawled: Recrawled) -> None:
    c = recrawled
    out = c.tmp / "alive.warc.gz"
    export = c.morgue("export", "--format", "warc", "--status", "alive", "--out", str(out))
    assert export.returncode == 0, export.stderr
    with out.open("rb") as fh:
        kinds = [r.rec_type for r in ArchiveIterator(fh)]
    fetches = c.rows(select(func.count()).select_from(models.Fetch).where(models.Fetch.article_id.is_not(None)))[0][0]
    assert kinds.count("response") + kinds.count("revisit") == fetches
    assert kinds.count("revisit") >= 2 and kinds.count("request") == fetches


def test_reextract_updates_fields_from_the_captures_without_a_new_version(recrawled: Recrawled) -> None:
    c = recrawled
    V = models.ArticleVersion  # noqa: N806 - a table alias
    seed_url = c.site.base_url + SEED
    ids = dict(c.rows(select(models.Article.canonical_url, V.id).join(V)))
    before = {v.id: v for v in c.rows(select(V))}
    # what an older extractor stored: another title and body for the seed, no tags for another article
    c.execute(
        update(V).where(V.id == ids[seed_url]).values(title="Irak", body="Un corps ancien.", content_hash="0" * 64)
    )
    other = ids[c.identical]
    c.execute(update(V).where(V.id == other).values(tags=["ancien"]))

    result = c.morgue("reextract")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"{len(before)} captures re-extracted: 2 articles changed"
    counts = {line.split()[0]: line.split()[1] for line in lines[1:]}
    assert counts == {"title": "1", "body": "1", "tags": "1"}

    after = {v.id: v for v in c.rows(select(V))}
    assert after.keys() == before.keys()  # no new version
    for vid in (ids[seed_url], other):
        assert (after[vid].title, after[vid].body, after[vid].tags) == (
            before[vid].title,
            before[vid].body,
            before[vid].tags,
        )
        assert after[vid].content_hash == before[vid].content_hash  # the next crawl finds it unchanged
        assert after[vid].number == before[vid].number
    events = c.rows(
        select(models.ArticleEvent.article_id, models.ArticleEvent.verdict).where(
            models.ArticleEvent.kind == "reextract"
        )
    )
    assert sorted(v for _, v in events) == ["body", "tags", "title"]
    again = c.morgue("reextract", "--source", "horizon")
    assert again.returncode == 0 and again.stdout.splitlines() == [
        f"{len(before)} captures re-extracted: 0 articles changed"
    ]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert c.morgue("reextract", "--since", tomorrow).stdout.startswith("0 captures re-extracted")
    assert c.morgue("reextract", "--source", "nowhere").returncode == 2
