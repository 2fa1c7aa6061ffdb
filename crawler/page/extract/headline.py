"""Title and lead: the article's own headline and its visible standfirst."""

from __future__ import annotations

import re

from crawler.page.boilerplate import is_boilerplate
from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _LEAD_ATTR, _classes, _in_boilerplate, _text
from crawler.page.extract.structured import _ld_str, _meta
from crawler.page.normalize import (
    text_key,
)

_TITLE_SEPARATORS = re.compile(r"\s+[-|–—·•»]\s+")
_SEPARATOR_CHARS = " -|–—·•»"


def _strip_site_suffix(title: str, site_name: str | None, *, aggressive: bool = False) -> str:
    """'Irak : ... - RFI' → 'Irak : ...': drop a leading or trailing segment equal to the site name, or,
    when ``aggressive`` (``<title>`` fallbacks), a short trailing segment after " - ", " | "..."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    site_key = text_key(site_name)
    if site_key and text_key(parts[-1]) == site_key:
        return title[: title.rfind(parts[-1])].rstrip(_SEPARATOR_CHARS)
    if site_key and text_key(parts[0]) == site_key:
        return title[len(parts[0]) :].lstrip(_SEPARATOR_CHARS)
    if aggressive and len(parts[-1]) <= 30 and len(parts[-1]) < len(title) / 3:
        return title[: title.rfind(parts[-1])].rstrip(_SEPARATOR_CHARS)
    return title


def _title(page: _Page, site_name: str | None) -> str | None:
    if page.h1 is not None:
        text = _text(page.h1)
        if text:
            return text
    og = _meta(page.meta, "og:title", "twitter:title")
    if og:
        return _strip_site_suffix(og, site_name) if site_name else og
    headline = _ld_str(page.ld.get("headline")) or _ld_str(page.ld.get("name"))
    if headline:
        return _strip_site_suffix(headline, site_name)
    title_el = page.tree.find(".//title")
    text = _text(title_el) if title_el is not None else ""
    return _strip_site_suffix(text, site_name, aggressive=True) if text else None


_NOT_LEAD_ATTR = re.compile(
    r"author|bio|avatar|image|img|photo|video|media|caption|credit|figure|meta|seo|card|list|item|related|"
    r"comment|newsletter|promo|menu|footer|sidebar|widget|toc|table|nav|tag|product|price|deal",
    re.IGNORECASE,
)
_NOT_IN_LEAD_TAGS = ("h1", "img", "picture", "video", "figure", "iframe")
_LEAD_SKIP_TAGS = frozenset(("meta", "img", "figure", "figcaption", "picture", "a", "li", "ul", "ol", "time"))


def _reads_like_a_lead(text: str) -> bool:
    """Not a truncated teaser ("...") nor a breadcrumb or menu ("Blog > Sport > Tennis")."""
    if text.endswith(("...", "…")) or len(re.findall(r"\s[>›»|/]\s", text)) >= 2:
        return False
    return not is_boilerplate(text)


def _lead(page: _Page, title: str | None) -> str | None:
    """The visible standfirst: an element near the top of the article whose class or itemprop says
    chapo/standfirst/lead/intro/summary/dek..., else a bold first paragraph under the h1, or one sharing
    the h1's <header>. Never the meta description; None when nothing visible qualifies."""
    title_key = text_key(title)
    h1 = page.h1
    after_h1 = h1 is None or not any(a is page.region for a in h1.iterancestors())
    long_paragraphs = 0
    for el in page.region.iter():
        if el is h1:
            after_h1 = True
            continue
        tag = el.tag
        if not isinstance(tag, str) or tag in _LEAD_SKIP_TAGS:
            continue
        if tag == "p" and after_h1 and len(el.text_content()) > 150:
            long_paragraphs += 1
            if long_paragraphs > 2:
                break  # the body has started: a standfirst comes before it
        attrs = f"{el.get('class') or ''} {el.get('itemprop') or ''} {el.get('data-component') or ''}"
        if not after_h1 or not any(_LEAD_ATTR.search(token) for token in attrs.split()):
            continue
        if _NOT_LEAD_ATTR.search(attrs) or len(el.findall(".//p")) > 3:
            continue
        if any(el.find(f".//{tag}") is not None for tag in _NOT_IN_LEAD_TAGS):
            continue  # the lead media block, or a wrapper of the whole header
        if any(a.tag in ("figure", "figcaption") for a in el.iterancestors()) or _in_boilerplate(el):
            continue
        text = _text(el)
        if 30 <= len(text) <= 1500 and text_key(text) != title_key and _reads_like_a_lead(text):
            return text
    if h1 is None:
        return None
    following = h1.xpath("following::p[1]")
    if not following:
        return None
    p = following[0]
    text = _text(p)
    if not (80 <= len(text) <= 1000) or _in_boilerplate(p) or _NOT_LEAD_ATTR.search(_classes(p)):
        return None
    if not _reads_like_a_lead(text):
        return None
    h1_headers = set(h1.iterancestors("header"))
    shared_header = any(a in h1_headers for a in p.iterancestors("header"))
    strong = "".join(_text(s) for s in p.iter("strong", "b"))
    if shared_header or len(strong) >= 0.8 * len(text):
        return text
    return None
