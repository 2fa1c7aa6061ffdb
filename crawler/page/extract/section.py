"""Section and tags: breadcrumb, meta, JSON-LD, URL path."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree

from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _HOME_WORDS, _first, _text
from crawler.page.extract.structured import _ld_str, _meta
from crawler.page.normalize import (
    clean_text,
    text_key,
)


def _section(page: _Page, title: str | None, site_name: str | None) -> str | None:
    items = _visible_breadcrumb(page.tree) or page.ld.breadcrumb
    skip = {text_key(site_name), text_key(title)} - {""}
    names: list[str] = []
    for item in items:
        key = text_key(item)
        if not key or key in _HOME_WORDS or key in skip or len(item) > 80 or not re.search(r"\w", item):
            continue
        if title and len(key) > 25 and text_key(title).startswith(key.rstrip(".… ")):
            continue  # the article itself, possibly truncated
        if not names or text_key(names[-1]) != key:
            names.append(item)
    if names:
        return " / ".join(names)
    section = _ld_str(page.ld.get("articleSection"))
    return _first(section, _meta(page.meta, "article:section", "section", "parsely-section"), _url_section(page.url))


_URL_SECTION_SKIP = frozenset(
    "www amp m mobile news nachrichten noticias notizie actualite actualites article articles artikel story "
    "stories post posts content contents index html live liveblog blog blogs video videos photo photos "
    "node id page pages edition editions fr en de es it ar pt nl world-news".split()
)


def _url_section(url: str) -> str | None:
    """The last resort for the section: the first words of the URL path before the slug, date or id
    ("/sociedad/2024-01-15/slug.html" → "Sociedad"; "/region/pas-de-calais/slug" → "Region / Pas-de-calais").
    Language codes and generic words ("news", "article", "amp"...) are skipped."""
    segments = [s for s in urlsplit(url).path.split("/") if s][:-1]
    names: list[str] = []
    for segment in segments:
        segment = unquote(segment).lower()
        if segment in _URL_SECTION_SKIP:
            continue
        if not re.fullmatch(r"[^\W\d_]+(?:-[^\W\d_]+){0,3}", segment) or len(segment) > 30:
            break  # a date, an id or a slug: the section path has ended
        names.append(segment[:1].upper() + segment[1:])
        if len(names) == 2:
            break
    return " / ".join(names) or None


# attribute axes then the parent: three times faster than testing every element's attributes
_BREADCRUMB_XPATH = etree.XPath(
    "//@class[contains(., 'readcrumb') or contains(., 'READCRUMB') or contains(., 'ariane')]/.."
    " | //@id[contains(., 'readcrumb') or contains(., 'ariane')]/.."
    " | //@aria-label[contains(., 'readcrumb') or contains(., 'riane')]/.."
    " | //@itemtype[contains(., 'BreadcrumbList')]/.."
)


def _visible_breadcrumb(tree: Any) -> list[str]:
    containers = _BREADCRUMB_XPATH(tree)
    if not containers:
        return []
    container = containers[0]
    items = [li for li in container.iter("li") if li.find(".//li") is None]
    if not items:
        items = [el for el in container.iter() if isinstance(el.tag, str) and el.get("itemprop") == "name"]
    if not items:
        items = [el for el in container.iter("a", "span", "strong", "h2", "h3") if not len(el)]
    texts = [_text(el) for el in items]
    return [t for t in texts if t and not re.fullmatch(r"[\W_]+", t)]


def _tags(page: _Page) -> tuple[str, ...]:
    values: list[str] = []
    for key in ("article:tag", "og:article:tag"):
        values.extend(page.meta.get(key, ()))
    if not values:
        keywords = page.ld.get("keywords")
        if isinstance(keywords, str):
            values = keywords.split(",")
        elif isinstance(keywords, list):
            values = [v for v in (_ld_str(k) for k in keywords) if v]
    if not values:
        raw = _meta(page.meta, "news_keywords", "keywords")
        values = raw.split(",") if raw else []
    seen: set[str] = set()
    tags: list[str] = []
    for value in values:
        tag = clean_text(value)
        if tag and len(tag) <= 100 and text_key(tag) not in seen:
            seen.add(text_key(tag))
            tags.append(tag)
    return tuple(tags)
