"""Discovery: article URLs from feeds (RSS 2.0, Atom), sitemaps (index, urlset, news) and
listing pages. Pure functions over bytes; no I/O.

XML is parsed with entity resolution and network access off, so an entity bomb is never
expanded; a malformed document yields what can be recovered, or :class:`DiscoveryError`.
Sitemaps are parsed incrementally and only their first :data:`MAX_SITEMAP_URLS` entries are
read, so a sitemap of any length costs bounded time and memory beyond its body.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html
from lxml import etree

from crawler.core.urls import absolute, canonicalize, in_domains

MAX_SITEMAP_URLS = 50_000  # the sitemap protocol's own limit per file
SITEMAP_MAX_BYTES = 50 * 1024 * 1024  # ... and its size limit (uncompressed), the download limit of sitemaps


class DiscoveryError(ValueError):
    """A feed or sitemap that cannot be read; the message says why."""


@dataclass(frozen=True, slots=True)
class Link:
    url: str
    published_raw: str | None = None  # feed pubDate / news:publication_date / lastmod
    title: str | None = None
    modified_raw: str | None = None  # sitemap lastmod / Atom updated: when the page last changed


_SAFE_XML = {
    "resolve_entities": False,
    "no_network": True,
    "huge_tree": False,
    "recover": True,
    "remove_comments": True,
    "load_dtd": False,
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**_SAFE_XML)


def _root(body: bytes, what: str) -> etree._Element:
    body = body.lstrip()
    if not body:
        raise DiscoveryError(f"empty {what}")
    try:
        root = etree.fromstring(body, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise DiscoveryError(f"malformed {what}: {exc}") from None
    if root is None:
        raise DiscoveryError(f"malformed {what}: no XML root element")
    return root


def _local(tag: object) -> str:
    return etree.QName(tag).localname.lower() if isinstance(tag, str) else ""


def _child_text(el: etree._Element, *names: str) -> str | None:
    for child in el:
        if _local(child.tag) in names:
            text = "".join(child.itertext()).strip()
            if text:
                return text
    return None


def parse_feed(body: bytes, base_url: str) -> list[Link]:
    """Entries of an RSS 2.0, RSS 1.0 (RDF) or Atom feed, in document order."""
    root = _root(body, "feed")
    kind = _local(root.tag)
    if kind not in ("rss", "feed", "rdf"):
        raise DiscoveryError(f"not a feed: root element <{kind}>")
    links: list[Link] = []
    for entry in root.iter():
        name = _local(entry.tag)
        if name == "item":  # RSS 2.0 / 1.0
            href = _child_text(entry, "link")
            if not href:
                guid = [
                    c for c in entry if _local(c.tag) == "guid" and c.get("isPermaLink", "true") != "false"
                ]
                href = (guid[0].text or "").strip() if guid else None
            date = _child_text(entry, "pubdate", "date", "published", "updated")
        elif name == "entry":  # Atom
            href = None
            for link in entry:
                if (
                    _local(link.tag) == "link"
                    and link.get("rel", "alternate") == "alternate"
                    and link.get("href")
                ):
                    href = link.get("href")
                    break
            date = _child_text(entry, "published", "updated")
        else:
            continue
        url = absolute(base_url, href)
        if url:
            updated = _child_text(entry, "updated") if name == "entry" else None
            links.append(Link(url=url, published_raw=date, title=_child_text(entry, "title"), modified_raw=updated))
    return links


@dataclass(frozen=True, slots=True)
class Sitemap:
    is_index: bool
    links: list[Link]  # child sitemaps for an index, pages for a urlset
    truncated: bool = False  # more than MAX_SITEMAP_URLS entries: the rest were not read


def _sitemap_entry(el: etree._Element, base_url: str) -> Link | None:
    loc = absolute(base_url, _child_text(el, "loc"))
    if not loc:
        return None
    date = title = None
    for news in el.iter():
        if _local(news.tag) == "publication_date" and news.text:
            date = news.text.strip()
        elif _local(news.tag) == "title" and news.text and news is not el:
            title = news.text.strip()
    lastmod = _child_text(el, "lastmod")
    return Link(url=loc, published_raw=date or lastmod, title=title, modified_raw=lastmod)


def parse_sitemap(body: bytes, base_url: str) -> Sitemap:
    """A sitemap index or urlset, with ``lastmod`` and nested ``news:publication_date``.

    Streamed: entries are read one by one and dropped from the tree once read; reading stops
    after :data:`MAX_SITEMAP_URLS` of them (``truncated`` then says there were more)."""
    body = body.lstrip()
    if not body:
        raise DiscoveryError("empty sitemap")
    root: etree._Element | None = None
    links: list[Link] = []
    truncated = False
    try:
        for event, el in etree.iterparse(io.BytesIO(body), events=("start", "end"), **_SAFE_XML):
            if root is None:
                root = el
                if _local(root.tag) not in ("sitemapindex", "urlset"):
                    raise DiscoveryError(f"not a sitemap: root element <{_local(root.tag)}>")
                continue
            if event != "end" or el.getparent() is not root:
                continue
            if _local(el.tag) in ("sitemap", "url"):
                if len(links) >= MAX_SITEMAP_URLS:
                    truncated = True
                    break
                link = _sitemap_entry(el, base_url)
                if link is not None:
                    links.append(link)
            el.clear()
            while el.getprevious() is not None:  # keep the tree as small as the entry being read
                del root[0]
    except etree.XMLSyntaxError as exc:
        if root is None:
            raise DiscoveryError(f"malformed sitemap: {exc}") from None
    if root is None:
        raise DiscoveryError("malformed sitemap: no XML root element")
    return Sitemap(is_index=_local(root.tag) == "sitemapindex", links=links, truncated=truncated)


def page_links(html: str, base_url: str, *, domains: tuple[str, ...], pattern: str | None) -> Iterator[str]:
    """In-scope links of a listing page, in order, without duplicates (by canonical URL)."""
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return
    base = doc.xpath("//base/@href")
    base_url = absolute(base_url, base[0]) or base_url if base else base_url
    seen: set[str] = set()
    regex = re.compile(pattern) if pattern else None
    for href in doc.xpath("//a/@href"):
        url = absolute(base_url, href)
        if not url or not url.startswith(("http://", "https://")) or not in_domains(url, domains):
            continue
        url = url.split("#", 1)[0]
        if regex is not None and not regex.search(url):
            continue
        key = canonicalize(url)
        if key not in seen:
            seen.add(key)
            yield url
