import pytest

from crawler.page.discovery import DiscoveryError, page_links, parse_feed, parse_sitemap

BASE = "https://news.example.org/feed"

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>T</title>
<item><title>Un</title><link>https://news.example.org/fr/20251103-un</link>
<pubDate>Mon, 03 Nov 2025 08:15:00 +0100</pubDate></item>
<item><title>Deux</title><guid isPermaLink="true">https://news.example.org/fr/20251104-deux</guid></item>
<item><title>Relative</title><link>/fr/20251105-trois</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>One</title><link rel="alternate" href="https://news.example.org/en/20251103-one"/>
<link rel="enclosure" href="https://news.example.org/img.jpg"/>
<published>2025-11-03T08:15:00Z</published></entry>
</feed>"""

INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://news.example.org/sitemap-1.xml</loc></sitemap>
<sitemap><loc>https://news.example.org/sitemap-news.xml</loc></sitemap>
</sitemapindex>"""

NEWS = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://news.example.org/fr/20251103-un</loc><lastmod>2025-11-04</lastmod>
<news:news><news:publication><news:name>N</news:name><news:language>fr</news:language></news:publication>
<news:publication_date>2025-11-03T08:15:00+01:00</news:publication_date><news:title>Un titre</news:title>
</news:news></url>
<url><loc>https://news.example.org/fr/20251104-deux</loc><lastmod>2025-11-04T10:00:00Z</lastmod></url>
</urlset>"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><item><title>&lol3;</title><link>https://news.example.org/a</link></item>
</channel></rss>"""


def test_rss_items_with_link_guid_and_relative_urls() -> None:
    links = parse_feed(RSS, BASE)
    assert [link.url for link in links] == [
        "https://news.example.org/fr/20251103-un",
        "https://news.example.org/fr/20251104-deux",
        "https://news.example.org/fr/20251105-trois",
    ]
    assert links[0].published_raw == "Mon, 03 Nov 2025 08:15:00 +0100"
    assert links[0].title == "Un"


def test_atom_alternate_links_only() -> None:
    links = parse_feed(ATOM, BASE)
    assert [(link.url, link.published_raw) for link in links] == [
        ("https://news.example.org/en/20251103-one", "2025-11-03T08:15:00Z")
    ]


def test_sitemap_index_and_news_sitemap_dates() -> None:
    index = parse_sitemap(INDEX, BASE)
    assert index.is_index and len(index.links) == 2
    news = parse_sitemap(NEWS, BASE)
    assert not news.is_index
    assert news.links[0].published_raw == "2025-11-03T08:15:00+01:00"  # nested news:publication_date wins
    assert news.links[0].title == "Un titre"
    assert news.links[1].published_raw == "2025-11-04T10:00:00Z"  # lastmod otherwise


@pytest.mark.parametrize("body", [b"", b"<html><body>not a feed</body></html>", b"\x89PNG\r\n\x1a\n\x00\x00"])
def test_not_a_feed_is_a_clear_error(body: bytes) -> None:
    with pytest.raises(DiscoveryError):
        parse_feed(body, BASE)


def test_truncated_feed_yields_what_it_can() -> None:
    links = parse_feed(RSS[: RSS.index(b"<item><title>Relative")], BASE)
    assert len(links) == 2


def test_entity_bomb_is_not_expanded() -> None:
    links = parse_feed(BOMB, BASE)
    assert all(len(link.title or "") < 100 for link in links)


def test_page_links_in_scope_matching_pattern_deduplicated() -> None:
    html = """<html><body>
    <a href="/fr/monde/20251103-un">a</a>
    <a href="/fr/monde/20251103-un?utm_source=x#c">same</a>
    <a href="/fr/monde/">section</a>
    <a href="https://other.org/fr/20251103-x">out of scope</a>
    <a href="javascript:void(0)">js</a>
    <a href="https://news.example.org/en/20251104-two">b</a></body></html>"""
    links = list(page_links(html, "https://news.example.org/", domains=("example.org",), pattern=r"/\d{8}-"))
    assert links == [
        "https://news.example.org/fr/monde/20251103-un",
        "https://news.example.org/en/20251104-two",
    ]
