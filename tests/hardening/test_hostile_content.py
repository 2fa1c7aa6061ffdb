"""Hostile content: every misbehaving URL of tests/hardening/hostile_server.py gets a fetch row
with a clear verdict, reason or error; the crawl goes on and ends ``succeeded``, with the good
articles archived, nothing expanded and memory bounded. One real crawl per database (SQLite,
PostgreSQL), shared by these tests (see conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.hardening.hostile_server import ARTICLES, CHAIN_HOPS, GOOD
from tests.helpers import HostileCrawl

MAX_RSS_MB = 700  # a 1 GB gzip bomb, a 50 MB page and a 27 MB sitemap must not show here


def test_the_crawl_survives_everything_and_archives_the_good_articles(hostile: HostileCrawl) -> None:
    assert hostile.returncode == 0, hostile.stderr[-3000:]
    assert [r["status"] for r in hostile.runs] == ["succeeded"]
    for path, title in GOOD.items():
        assert (hostile.version(path) or {}).get("title") == title
    requested = {hostile.path(f["url"]) for f in hostile.fetches}
    assert set(ARTICLES) <= requested  # every hostile URL was tried and recorded
    assert hostile.max_rss_mb < MAX_RSS_MB, f"peak memory {hostile.max_rss_mb} MB"
    assert hostile.seconds < 90


@pytest.mark.parametrize("path", ["/news/20250102-latin1-declared-utf8", "/news/20250102-utf8-declared-latin1"])
def test_a_charset_that_lies_is_read_right(hostile: HostileCrawl, path: str) -> None:
    version = hostile.version(path)
    assert version is not None and version["title"].startswith("Élection à Noël : café, crème brûlée")
    assert "\ufffd" not in version["title"] + version["body"] and "Ã" not in version["title"] + version["body"]


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/news/20250103-pdf", "application/pdf"),
        ("/news/20250103-jpeg", "image/jpeg"),
        ("/news/20250103-jpeg-as-html", "image/jpeg"),  # declared text/html: recognised by its bytes
    ],
)
def test_a_binary_body_at_an_article_url_is_recorded_not_archived(
    hostile: HostileCrawl, path: str, media_type: str
) -> None:
    fetch = hostile.fetch(path)
    assert fetch["status"] == 200 and f"not-html:{media_type}" in fetch["reasons"]
    assert hostile.version(path) is None


@pytest.mark.parametrize("path", ["/news/20250104-huge", "/news/20250104-huge-stream"])
def test_a_50_mb_page_is_cut_at_the_size_limit_and_recorded_as_too_large(hostile: HostileCrawl, path: str) -> None:
    fetch = hostile.fetch(path)
    assert (fetch["verdict"], fetch["reasons"]) == ("transient", ["net:too-large"])
    assert fetch["error"].startswith("too-large: ") and "10485760" in fetch["error"]
    assert hostile.version(path) is None
    assert hostile.site.hits[path] == 1  # not retried


def test_a_gzip_bomb_is_never_inflated_past_the_limit(hostile: HostileCrawl) -> None:
    page = hostile.fetch("/news/20250105-gzip-bomb")
    assert page["reasons"] == ["net:too-large"] and "DOWNLOAD_MAXSIZE" in page["error"]
    sitemap = hostile.fetch("/sitemaps/gzip-bomb.xml.gz")  # gzip body, no Content-Encoding: the spider inflates it
    assert sitemap["error"].startswith("too-large: decompresses to more than")
    assert hostile.max_rss_mb < MAX_RSS_MB


def test_a_redirect_loop_and_a_50_hop_chain_are_cut_and_named(hostile: HostileCrawl) -> None:
    loop = hostile.fetch("/news/20250106-loop-a")
    assert (loop["verdict"], loop["reasons"]) == ("transient", ["net:redirect-loop"])
    chain = hostile.fetch("/news/20250106-chain-0")
    assert (chain["verdict"], chain["reasons"]) == ("transient", ["net:too-many-redirects"])
    assert hostile.site.hits["/news/20250106-loop-a"] + hostile.site.hits["/news/20250106-loop-b"] == 11
    assert not any(hostile.site.hits[f"/news/20250106-chain-{n}"] for n in range(11, CHAIN_HOPS + 1))


def test_a_response_that_drips_one_byte_a_second_times_out(hostile: HostileCrawl) -> None:
    fetch = hostile.fetch("/news/20250107-drip")
    assert (fetch["verdict"], fetch["reasons"]) == ("transient", ["net:timeout"])
    assert "took longer than 4.0 seconds" in fetch["error"]
    assert hostile.site.hits["/news/20250107-drip"] <= 2  # one retry at most


@pytest.mark.parametrize(
    ("path", "title"),
    [
        ("/news/20250108-truncated-html", "Un article tronqué au milieu d'une balise"),
        ("/news/20250108-malformed-html", "Balises mal formées"),
    ],
)
def test_truncated_and_malformed_html_is_archived_with_what_is_there(
    hostile: HostileCrawl, path: str, title: str
) -> None:
    assert hostile.fetch(path)["verdict"] == "alive"
    version = hostile.version(path)
    assert version is not None and version["title"] == title and len(version["body"].split()) > 100


def test_a_body_cut_by_the_connection_is_recorded_as_truncated(hostile: HostileCrawl) -> None:
    fetch = hostile.fetch("/news/20250108-cut-connection")
    assert (fetch["verdict"], fetch["reasons"]) == ("transient", ["net:truncated"])
    assert fetch["error"] == "truncated: the connection closed before the whole body arrived"
    assert hostile.version("/news/20250108-cut-connection") is None


def test_malformed_feeds_give_what_can_be_recovered_or_a_clear_error(hostile: HostileCrawl) -> None:
    for path in ("/feeds/malformed.rss", "/feeds/malformed.atom"):
        assert hostile.fetch(path)["verdict"] == "alive"
    for path in ("/news/20250114-from-malformed-rss", "/news/20250114-from-malformed-atom"):
        assert hostile.fetch(path)["status"] == 404  # links recovered from them were followed (and are 404s)
    garbage = hostile.fetch("/feeds/garbage.rss")
    assert garbage["error"].startswith("malformed feed: ")


@pytest.mark.parametrize("path", ["/feeds/bomb.rss", "/sitemaps/bomb.xml"])
def test_an_xml_entity_bomb_is_never_expanded(hostile: HostileCrawl, path: str) -> None:
    assert hostile.fetch(path)["verdict"] == "alive"
    stored = [str(v) for row in hostile.fetches + hostile.versions for v in row.values()]
    assert not any("lollol" in value for value in stored)
    assert all(len(hostile.path(f["url"])) < 200 for f in hostile.fetches)
    assert hostile.max_rss_mb < MAX_RSS_MB


def test_a_sitemap_index_that_lists_itself_is_fetched_once(hostile: HostileCrawl) -> None:
    assert hostile.fetch("/sitemaps/self-index.xml")["verdict"] == "alive"
    assert hostile.site.hits["/sitemaps/self-index.xml"] == 1


def test_a_sitemap_of_500000_urls_is_read_up_to_the_limit_and_bounded(hostile: HostileCrawl) -> None:
    fetch = hostile.fetch("/sitemaps/big.xml")
    assert "sitemap:truncated:50000" in fetch["reasons"]
    assert "links:over-max-articles:49980" in fetch["reasons"]  # max_articles = 20 for this source
    big = [f for f in hostile.fetches if hostile.path(f["url"]).startswith("/big/")]
    assert len(big) == 20 == sum(n for p, n in hostile.site.hits.items() if p.startswith("/big/"))
    assert hostile.max_rss_mb < MAX_RSS_MB


def test_very_long_urls_are_never_requested_followed_or_stored(hostile: HostileCrawl) -> None:
    listing = hostile.fetch("/")
    assert "links:too-long:1" in listing["reasons"]
    assert hostile.site.hits["/news/20250112-long-link"] == 0
    redirect = hostile.fetch("/news/20250112-redirect-long")
    assert (redirect["verdict"], redirect["reasons"]) == ("blocked", ["redirect:url-too-long"])
    assert hostile.site.hits["/news/20250112-long-target"] == 0
    canonical = hostile.version("/news/20250112-long-canonical")  # rel=canonical of 10,000 characters
    assert canonical is not None and canonical["title"] == "Une URL canonique interminable"
    article = next(a for a in hostile.articles if hostile.path(a["canonical_url"]) == "/news/20250112-long-canonical")
    assert article["status"] == "alive"
    assert all(len(f["url"]) <= 2048 and len(f["final_url"] or "") <= 2048 for f in hostile.fetches)


def test_very_long_headers_are_cut_or_dropped_not_fatal(hostile: HostileCrawl) -> None:
    fetch = hostile.fetch("/news/20250112-long-headers")
    assert fetch["verdict"] == "alive" and fetch["etag"] is None and fetch["last_modified"] is None
    assert fetch["content_type"].startswith("text/html") and len(fetch["content_type"]) == 255
    assert hostile.version("/news/20250112-long-headers") is not None


def test_zero_width_and_bidi_controls_are_removed_from_titles(hostile: HostileCrawl) -> None:
    version = hostile.version("/news/20250109-invisible")
    assert version is not None and version["title"] == "Titre avec des caractères invisibles"


def test_dates_in_the_future_or_that_do_not_parse_are_not_trusted(hostile: HostileCrawl) -> None:
    for path in ("/news/20250110-future-date", "/news/20250110-bad-date"):
        version = hostile.version(path)  # the URL's own date is the evidence left
        assert version is not None and version["published_at"].date().isoformat() == path[6:10] + "-01-10"
    for path in ("/news/undated-future", "/news/undated-bad-date"):
        version = hostile.version(path)
        assert version is not None and version["published_at"] is None
    now = datetime.now(UTC).replace(tzinfo=None)
    assert all(v["published_at"] is None or v["published_at"].replace(tzinfo=None) <= now for v in hostile.versions)


def test_nul_characters_and_lone_surrogates_never_reach_the_database(hostile: HostileCrawl) -> None:
    version = hostile.version("/news/20250111-nul-and-surrogates")
    assert version is not None and version["title"] == "Titre avec un NUL"
    for value in (str(v) for row in hostile.versions + hostile.fetches for v in row.values()):
        assert "\x00" not in value and not any(0xD800 <= ord(c) <= 0xDFFF for c in value)
