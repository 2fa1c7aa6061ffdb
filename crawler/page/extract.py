"""Article extraction: one decoded HTML page and its URL → one :class:`crawler.core.items.Article`.

Pure (no network, no settings, no Scrapy); the page is parsed once with lxml and the tree reused.
Evidence is taken in this order: JSON-LD (NewsArticle, Article, BlogPosting..., also inside ``@graph``,
lists and ``@id`` references), then OpenGraph/meta tags, then visible markup (h1, breadcrumb, byline,
``<time>``, "updated" datelines, figures, Microdata), then trafilatura for the body text and htmldate as
the last date fallback; the URL path is the last resort for the section (and the date).
:func:`extract_article` never raises: on unusable input it returns ``Article(url=url)``.

Per-source overrides (``[sources.overrides]`` in the config): one CSS or XPath selector per field
(:data:`OVERRIDE_FIELDS`), validated by :func:`compile_overrides`; what a selector matches wins over the
generic value, a selector that matches nothing leaves it. ``python -m bench.extraction`` measures the
generic path on the AEB pages against trafilatura.

Body: trafilatura in precision mode (fast mode when that keeps under 300 characters), then
:mod:`crawler.page.boilerplate` paragraph filtering and removal of the title, lead, byline and captions.
Boilerplate *containers* are not pruned before trafilatura: on the AEB benchmark that lowered body F1
(0.968 against 0.971); they only serve to judge context (lead, byline, figures, dates).
:func:`decode_html` turns bytes read from disk into text (BOM, declared/meta charset, charset-normalizer,
mojibake repair).
"""

from __future__ import annotations

import codecs
import functools
import html as htmllib
import json
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import charset_normalizer
import lxml.html
import trafilatura
from cssselect import SelectorError
from htmldate import find_date
from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.core.items import Article, Author, Image
from crawler.core.urls import absolute, canonicalize, is_site_root
from crawler.page.boilerplate import BOILERPLATE_ROLES, is_boilerplate, is_boilerplate_attr
from crawler.page.normalize import (
    clean_text,
    language_code,
    parse_datetime,
    repair_mojibake,
    split_authors,
    text_key,
)

__all__ = ["OVERRIDE_FIELDS", "Override", "OverrideError", "compile_overrides", "decode_html", "extract_article"]

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

ARTICLE_TYPES = frozenset(
    (
        "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting",
        "LiveBlogPosting", "Report", "SatiricalArticle", "TechArticle", "ScholarlyArticle",
        "SocialMediaPosting",
    )
)  # fmt: skip
PAGE_TYPES = frozenset(("WebPage", "ItemPage", "AboutPage", "CollectionPage"))

# --------------------------------------------------------------------------------------------------
# Decoding bytes
# --------------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in browsers
_WHATWG_ALIASES = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}
_COMMON_ENCODINGS = ("utf_8", "cp1252", "iso8859_15", "cp1251", "cp1256", "iso8859_6", "iso8859_2", "cp1250")


def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None
    name = {"iso8859_1": "iso8859_1", "latin1": "iso8859_1"}.get(name, name)
    return _WHATWG_ALIASES.get(name, name)


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """Decode an HTML document read from disk or a response body.

    Order: byte-order mark; strict UTF-8 (valid UTF-8 wins over a declared single-byte charset, a common
    lie); the declared charset (HTTP header) then the ``<meta charset>``/XML declaration, with Latin-1 read
    as windows-1252 like browsers do; then windows-1252 if the bytes look like Western European text, else
    charset-normalizer's guess (preferring common web encodings when it hesitates); finally windows-1252
    with replacement characters. Mojibake left in the text
    (UTF-8 that was already double-encoded upstream) is repaired.
    """
    if not data:
        return ""
    if isinstance(data, str):  # tolerate callers that already decoded
        return repair_mojibake(data)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return repair_mojibake(data[len(bom) :].decode(encoding, errors="replace"))
    try:
        return repair_mojibake(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    head = data[:4096]
    meta = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    for label in (declared_charset, meta.group(1) if meta else None):
        encoding = _codec(label)
        if not encoding or encoding.startswith(("utf_8", "utf_16", "utf_32")):
            continue  # UTF-8 already failed; a UTF-16 label on an ASCII-compatible page is a lie
        try:
            return repair_mojibake(data.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    guessed = _guess(data)
    if guessed is not None:
        return repair_mojibake(guessed)
    return repair_mojibake(data.decode("cp1252", errors="replace"))


_WESTERN_EXTRA = frozenset("’‘“”–—…«»€°•·©®™\xa0")


def _western(data: bytes) -> str | None:
    """The windows-1252 reading of ``data`` if it looks like Western European text: its non-ASCII
    characters are Latin letters or common punctuation, and a minority of the letters (unlike Cyrillic or
    Greek single-byte text read as windows-1252, where nearly every letter is non-ASCII)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = sum(c.isalpha() for c in text)
    non_ascii = [c for c in text if ord(c) > 127]
    if not letters or not non_ascii:
        return None
    latin = sum(("\xc0" <= c <= "\xff" and c not in "×÷") or c in _WESTERN_EXTRA for c in non_ascii)
    if latin >= 0.95 * len(non_ascii) and len(non_ascii) <= 0.3 * letters:
        return text
    return None


def _guess(data: bytes) -> str | None:
    western = _western(data[:200_000])
    if western is not None and len(data) <= 200_000:
        return western
    try:
        results = charset_normalizer.from_bytes(data[:200_000])
    except Exception:  # charset-normalizer on pathological input
        return None
    best = results.best()
    if best is None:
        return None
    for result in results:  # near-ties: prefer an encoding the web actually uses
        if result.encoding in _COMMON_ENCODINGS and result.chaos <= best.chaos + 0.02:
            try:
                return data.decode(result.encoding)
            except UnicodeDecodeError:
                continue
    return str(best)


# --------------------------------------------------------------------------------------------------
# Small tree helpers
# --------------------------------------------------------------------------------------------------

_BLOCK_TAG_NAMES = (
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr "
    "li main nav ol p pre section table td th tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "button"))
_REGION_TAGS = frozenset(("article", "main", "body", "html"))
_CONTEXT_BOILERPLATE_TAGS = frozenset(("nav", "footer", "aside", "form", "dialog"))
_CREDIT_ATTR = re.compile(
    r"credit|copyright|source|author|autor|photographer|fotograf|byline|signature|rights|urheber", re.I
)
_CAPTION_ATTR = re.compile(r"(^|[-_\s])(caption|legende|légende|legend|leyenda|didascalia|bildunterschrift)", re.I)
_LEAD_ATTR = re.compile(
    r"(?:^|[-_])(?:chapo|chapeau|chap|standfirst|lead|lede|leadtext|intro|introduction|summary|dek|deck|"
    r"teaser|teasertext|description|subtitle|subheadline|sub-?headline|excerpt|sapo|entradilla|bajada|"
    r"sumario|vorspann|abstract|strapline|heading-?sub)(?:$|[-_])",
    re.IGNORECASE,
)
_BYLINE_ATTR = re.compile(r"byline|author|auteur|autor|signature|writer|firma|verfasser", re.IGNORECASE)
_DATE_ATTR = re.compile(r"(?:^|[-_\s])(?:date|dates|time|timestamp|published|publish|pubdate|dateline)", re.I)
_MODIFIED_ATTR = re.compile(r"modif|update|updated|mise-a-jour|maj|aktualisiert|actualiz", re.IGNORECASE)
_HOME_WORDS = frozenset(
    text_key(w)
    for w in ("Accueil", "Home", "Homepage", "Home page", "Startseite", "Inicio", "Portada", "الرئيسية",
              "Página inicial", "Hauptseite", "La une", "Une", "Front page", "News", "Actualités")
)  # fmt: skip


def _classes(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _walk_text(el: Any, skip: Callable[[Any, str], bool], block: str) -> str:
    """The text under ``el`` with ``block`` at block and ``<br>`` boundaries, leaving out the subtrees
    for which ``skip(node, tag)`` is true."""
    parts: list[str] = []
    skip_depth = 0
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        skipped = skip(node, tag)
        if event == "start":
            if skipped:
                skip_depth += 1
            if skip_depth == 0:
                if tag in _BLOCK_TAGS:
                    parts.append(block)
                if node.text and tag:
                    parts.append(node.text)
        else:
            if skipped:
                skip_depth -= 1
            if skip_depth == 0:
                if tag in _BLOCK_TAGS:
                    parts.append(block)
                if node is not el and node.tail:
                    parts.append(node.tail)
    return "".join(parts)


def _text(el: Any, exclude: tuple[Any, ...] = ()) -> str:
    """Visible text of an element with spaces at block and ``<br>`` boundaries, leaving out the subtrees
    in ``exclude``; '' for non-elements."""
    if el is None or not isinstance(el.tag, str):
        return ""

    def skip(node: Any, tag: str) -> bool:
        return tag in _SKIP_TAGS or (bool(exclude) and any(node is x for x in exclude))

    return clean_text(_walk_text(el, skip, " ")) or ""


def _in_boilerplate(el: Any) -> bool:
    """True if an ancestor below the article/main/body region is navigation, aside, related, share..."""
    node = el.getparent()
    while node is not None and node.tag not in _REGION_TAGS:
        if node.tag in _CONTEXT_BOILERPLATE_TAGS or (node.get("role") or "") in BOILERPLATE_ROLES:
            return True
        if is_boilerplate_attr(node.get("class")) or is_boilerplate_attr(node.get("id")):
            return True
        node = node.getparent()
    return False


def _first(*values: T | None) -> T | None:
    for value in values:
        if value:
            return value
    return None


def _safe(fn: Callable[[], T], default: T) -> T:
    """Run one extraction step; a failure costs that field, never the article."""
    try:
        return fn()
    except Exception:  # broad on purpose: extraction must never raise
        LOGGER.debug("extraction step %s failed", getattr(fn, "__name__", fn), exc_info=True)
        return default


# --------------------------------------------------------------------------------------------------
# JSON-LD and meta
# --------------------------------------------------------------------------------------------------


def _load_json(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    text = re.sub(r"^\s*(?:<!--|//\s*<!\[CDATA\[|<!\[CDATA\[)|(?:-->|//\s*\]\]>|\]\]>)\s*$", "", text).strip()
    for candidate in (text, re.sub(r",\s*([}\]])", r"\1", text)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _types(node: dict[str, Any]) -> set[str]:
    raw = node.get("@type")
    values = raw if isinstance(raw, list) else [raw]
    return {v.rsplit("/", 1)[-1].rsplit(":", 1)[-1] for v in values if isinstance(v, str)}


def _walk_json(obj: Any, out: list[tuple[int, dict[str, Any]]], depth: int = 0) -> None:
    if depth > 12:
        return
    if isinstance(obj, dict):
        out.append((depth, obj))
        for value in obj.values():
            if isinstance(value, (dict, list)):
                _walk_json(value, out, depth + 1)
    elif isinstance(obj, list):
        for value in obj:
            _walk_json(value, out, depth + 1)


@dataclass(slots=True)
class _LinkedData:
    article: dict[str, Any] | None = None
    page: dict[str, Any] | None = None
    breadcrumb: list[str] = field(default_factory=list)
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)

    def resolve(self, value: Any) -> Any:
        """Follow an ``{"@id": ...}`` reference to the full node when the page has it."""
        if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in self.by_id:
            return self.by_id[value["@id"]]
        return value

    def get(self, key: str) -> Any:
        for node in (self.article, self.page):
            if node is not None and node.get(key) not in (None, "", []):
                return self.resolve(node.get(key))
        return None


def _ld_str(value: Any) -> str | None:
    """A string from a JSON-LD value: plain, ``{"name"|"@value"|"url": ...}`` or the first of a list."""
    if isinstance(value, list):
        value = next((v for v in value if v), None)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value") or value.get("url") or value.get("@id")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    if "&" in value:
        value = htmllib.unescape(value)
    return clean_text(value)


def _linked_data(tree: Any, page_urls: set[str]) -> _LinkedData:
    nodes: list[tuple[int, dict[str, Any]]] = []
    for script in tree.iter("script"):
        if "ld+json" in (script.get("type") or "").lower():
            data = _load_json(script.text or "")
            if data is not None:
                _walk_json(data, nodes)
    ld = _LinkedData()
    for _, node in nodes:
        node_id = node.get("@id")
        if isinstance(node_id, str) and len(node) > 2:
            ld.by_id.setdefault(node_id, node)

    def score(item: tuple[int, dict[str, Any]]) -> float:
        depth, node = item
        refs = [node.get("url"), node.get("@id"), node.get("mainEntityOfPage")]
        ref_urls = {canonicalize(r) for r in (_ld_str(x) if not isinstance(x, str) else x for x in refs) if r}
        return (
            3 * bool(ref_urls & page_urls)
            + 2 * bool(node.get("headline"))
            + bool(node.get("datePublished"))
            + bool(node.get("author") or node.get("articleBody"))
            - 0.1 * depth
        )

    articles = [item for item in nodes if _types(item[1]) & ARTICLE_TYPES]
    if articles:
        ld.article = max(articles, key=score)[1]
    pages = [node for _, node in nodes if _types(node) & PAGE_TYPES]
    ld.page = pages[0] if pages else None
    for _, node in nodes:
        if "BreadcrumbList" in _types(node):
            items = node.get("itemListElement")
            items = items if isinstance(items, list) else [items]
            entries = []
            for entry in items:
                if not isinstance(entry, dict):
                    continue
                position = entry.get("position")
                name = _ld_str(entry.get("name")) or _ld_str(ld.resolve(entry.get("item")))
                if name:
                    entries.append((position if isinstance(position, int) else len(entries) + 1, name))
            ld.breadcrumb = [name for _, name in sorted(entries, key=lambda e: e[0])]
            break
    return ld


def _meta_index(tree: Any) -> dict[str, list[str]]:
    meta: dict[str, list[str]] = {}
    for el in tree.iter("meta"):
        content = el.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = el.get(attr)
            if key:
                meta.setdefault(key.strip().lower(), []).append(content.strip())
    return meta


def _meta(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in meta.get(key, ()):
            cleaned = clean_text(htmllib.unescape(value) if "&" in value else value)
            if cleaned:
                return cleaned
    return None


# --------------------------------------------------------------------------------------------------
# Field extractors
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Page:
    tree: Any
    url: str
    base: str
    meta: dict[str, list[str]]
    ld: _LinkedData
    region: Any
    h1: Any = None


def _region(tree: Any, h1: Any) -> Any:
    """The element holding the article: the article/main around the h1, else the first article with text,
    else main, else body."""
    if h1 is not None:
        for ancestor in h1.iterancestors():
            if ancestor.tag in ("article", "main") or ancestor.get("role") == "main":
                return ancestor
    for article in tree.iter("article"):
        if len(article.findall(".//p")) >= 3 and not _in_boilerplate(article):
            return article
    main = next(tree.iter("main"), None)
    if main is not None:
        return main
    body = tree.find("body")
    return body if body is not None else tree


def _pick_h1(tree: Any, hints: list[str], site_name: str | None) -> Any:
    site_key = text_key(site_name)
    hint_keys = [k for k in (text_key(h) for h in hints) if k]
    candidates = []
    for h1 in tree.iter("h1"):
        key = text_key(_text(h1))
        if len(key) < 3 or key == site_key or _in_boilerplate(h1):
            continue
        candidates.append((h1, key))
    if not candidates:
        return None
    for h1, key in candidates:
        if any(key == hint or key in hint or hint in key for hint in hint_keys):
            return h1
    for h1, _ in candidates:
        if any(a.tag in ("article", "main") for a in h1.iterancestors()):
            return h1
    return candidates[0][0] if len(candidates) == 1 or not hint_keys else None


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


_ORGANIZATION_TYPES = frozenset(("Organization", "NewsMediaOrganization", "Corporation", "NGO"))
_AUTHOR_META = ("author", "article:author", "byl", "dc.creator", "parsely-author", "sailthru.author")


def _authors(page: _Page) -> tuple[Author, ...]:
    authors: list[Author] = []
    raw_authors = page.ld.get("author") or page.ld.get("creator")
    entries = raw_authors if isinstance(raw_authors, list) else [raw_authors] if raw_authors else []
    for entry in entries:
        entry = page.ld.resolve(entry)
        if isinstance(entry, dict) and _types(entry) & _ORGANIZATION_TYPES:
            continue  # organisations (the outlet, an agency) are not people
        raw = _ld_str(entry)
        if raw and not raw.startswith("http"):
            authors.extend(Author(name=name, name_raw=raw) for name in split_authors(raw))
    if not authors:
        raw = _byline(page)
        if raw:
            authors = [Author(name=name, name_raw=raw) for name in split_authors(raw)]
    if not authors:
        raw = _meta(page.meta, *_AUTHOR_META)
        if raw and not raw.startswith("http"):
            authors = [Author(name=name, name_raw=raw) for name in split_authors(raw)]
    unique: dict[str, Author] = {}
    for author in authors:
        unique.setdefault(author.name.casefold(), author)
    return tuple(unique.values())


_NOT_BYLINE_ATTR = re.compile(r"bio|avatar|photo|image|img|more|other", re.IGNORECASE)


def _byline(page: _Page) -> str | None:
    scopes = [page.region] if page.region is not None else []
    if page.h1 is not None and page.h1.getparent() is not None:
        scopes.insert(0, page.h1.getparent())
    for scope in scopes:
        for el in scope.iter():
            if not isinstance(el.tag, str) or el.tag in ("meta", "link", "img", "script"):
                continue
            attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
            if not _BYLINE_ATTR.search(attrs) or _NOT_BYLINE_ATTR.search(attrs):
                continue
            if _in_boilerplate(el):
                continue
            text = _text(el)
            if 3 <= len(text) <= 200 and split_authors(text):
                inner = [
                    d
                    for d in el.iterdescendants()
                    if isinstance(d.tag, str) and _BYLINE_ATTR.search(_classes(d)) and split_authors(_text(d))
                ]
                # "<div class=firma><span class=autor>Por A y B</span> Madrid</div>": the one inner byline
                return _text(inner[0]) if len(inner) == 1 else text
        names = []
        for el in scope.xpath(".//*[@rel='author' or @itemprop='author']"):
            name_el = next((n for n in el.iter() if n.get("itemprop") == "name"), el)
            text = name_el.get("content") if name_el.tag == "meta" else _text(name_el)
            if text and len(text) <= 200 and not _in_boilerplate(el):
                names.append(text)
        if names:
            return ", ".join(dict.fromkeys(names))
    return None


_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|[-_.])"
    r"|[/_-]((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)


@dataclass(slots=True)
class _Dated:
    at: datetime | None = None
    raw: str | None = None
    source: str | None = None


def _pick_date(candidates: Iterator[tuple[str, str | None]], not_after: datetime | None) -> _Dated:
    for source, raw in candidates:
        if not raw:
            continue
        parsed = parse_datetime(raw, not_after=not_after)
        if parsed is not None:
            return _Dated(parsed, clean_text(raw), source)
    return _Dated()


_MODIFIED_LABEL = re.compile(
    r"(?:\bmise?\s+à\s+jour|\bmodifi[ée]e?\s+le|\b(?:last\s+)?updated|\baktualisiert|\bactualizad[oa]|"
    r"\baggiornat[oa]|\bactualizaci[óo]n)\b",
    re.IGNORECASE,
)
# text nodes that may hold a visible "updated" label (XPath contains() is fast; the regex then decides)
_MODIFIED_TEXT_XPATH = etree.XPath(
    ".//text()[contains(., 'à jour') or contains(., 'pdated') or contains(., 'ktualisiert') or "
    "contains(., 'ctualizad') or contains(., 'ggiornat') or contains(., 'odifié') or contains(., 'ctualizaci')]"
)


def _visible_dates(page: _Page, modified: bool) -> Iterator[tuple[str, str | None]]:
    """Dates shown on the page: microdata, ``<time>`` elements (told apart by their classes), then, for
    the publication date, short elements whose class says date; for the modification date, short texts
    with an "updated" label ("Mis à jour le 15/11/2023 à 18h32", "Updated: ...", "Aktualisiert am ...").
    A dateline holding both dates gives each its own part."""
    prop = "dateModified" if modified else "datePublished"
    for el in page.tree.xpath(f"//*[@itemprop='{prop}']"):
        if el.tag != "meta":
            yield "visible", el.get("datetime") or el.get("content") or _text(el)
    for el in page.region.iter("time"):
        attrs = f"{el.get('class') or ''} {el.get('itemprop') or ''} {_classes(el.getparent())}"
        if bool(_MODIFIED_ATTR.search(attrs)) != modified or _in_boilerplate(el):
            continue
        yield "visible", el.get("datetime") or _text(el)
    if modified:
        yield from _visible_modified_labels(page)
        return
    for el in page.region.iter():
        if not isinstance(el.tag, str) or el.tag in ("time", "meta", "script", "style"):
            continue
        attrs = _classes(el)
        if _DATE_ATTR.search(attrs) and not _MODIFIED_ATTR.search(attrs) and not _in_boilerplate(el):
            text = _text(el)
            label = _MODIFIED_LABEL.search(text)
            if label is not None:  # "Publié le ... | Mis à jour le ...": the part before the label
                text = text[: label.start()].rstrip(" |,;-–—·•/(")
            if 6 <= len(text) <= 80:
                yield "visible", text


def _visible_modified_labels(page: _Page) -> Iterator[tuple[str, str | None]]:
    seen: set[Any] = set()
    for node in _MODIFIED_TEXT_XPATH(page.region):
        el = node.getparent()
        if el is None:
            continue
        if getattr(node, "is_tail", False) and el.getparent() is not None:
            el = el.getparent()
        if el in seen or not isinstance(el.tag, str) or el.tag in ("script", "style", "title"):
            continue
        seen.add(el)
        text = _text(el)
        label = _MODIFIED_LABEL.search(text)
        if label is None or len(text) > 120 or _in_boilerplate(el):
            continue  # no label, or a sentence of the article that happens to say "updated"
        yield "visible", text[label.start() :].rstrip(" |,;-–—·•/)")


def _published(page: _Page, not_after: datetime | None) -> _Dated:
    def candidates() -> Iterator[tuple[str, str | None]]:
        yield "json-ld", _ld_str(page.ld.get("datePublished"))
        yield "json-ld", _ld_str(page.ld.get("dateCreated"))
        for key in (
            "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
            "publishdate", "publish-date", "pubdate", "date", "dc.date.issued", "dcterms.created", "dc.date",
            "dcterms.date", "sailthru.date", "parsely-pub-date", "article.published",
            "cxenseparse:recs:publishtime",
        ):  # fmt: skip
            for value in page.meta.get(key, ()):
                yield "meta", value
        yield from _visible_dates(page, modified=False)
        match = _URL_DATE.search(page.url)
        if match:
            y, m, d = (g for g in match.groups() if g)
            yield "url", f"{y}-{int(m):02d}-{int(d):02d}"

    return _pick_date(candidates(), not_after)


_MODIFIED_META = (
    "article:modified_time", "og:updated_time", "datemodified", "last-modified", "dcterms.modified"
)


def _modified(page: _Page, not_after: datetime | None) -> _Dated:
    def candidates() -> Iterator[tuple[str, str | None]]:
        yield "json-ld", _ld_str(page.ld.get("dateModified"))
        for key in _MODIFIED_META:
            for value in page.meta.get(key, ()):
                yield "meta", value
        yield from _visible_dates(page, modified=True)

    return _pick_date(candidates(), not_after)


def _htmldate(tree: Any, not_after: datetime | None) -> _Dated:
    found = find_date(
        tree,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
        extensive_search=False,
        original_date=True,
        max_date=not_after.strftime("%Y-%m-%d") if not_after else None,
    )
    if not found:
        return _Dated()
    parsed = parse_datetime(found, not_after=not_after)
    return _Dated(parsed, found, "htmldate") if parsed else _Dated()


@functools.cache
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _language(page: _Page, body: str | None) -> str | None:
    declared = _first(
        language_code(page.tree.get("lang") or page.tree.get("{http://www.w3.org/XML/1998/namespace}lang")),
        language_code(_meta(page.meta, "og:locale")),
        language_code(_ld_str(page.ld.get("inLanguage"))),
        language_code(_meta(page.meta, "content-language", "language", "dc.language")),
    )
    if not body or len(body) < 200 or (declared and len(body) < 500):
        return declared
    detected, confidence = _language_identifier().classify(body[:1000])
    detected = language_code(detected)
    if declared is None or (detected and detected != declared and confidence >= 0.999 and len(body) >= 500):
        return detected or declared
    return declared


_CREDIT_LABEL = re.compile(
    r"^\s*(?:©|\(c\)|copyright|crédits?(?:\s+photo)?|credits?|photographs?|photos?|fotos?|bild|images?|"
    r"illustration|source|quelle|fuente)\s*[:©]?\s*",
    re.IGNORECASE,
)
_CREDIT_TRAIL = re.compile(
    r"(?:^|\s|[(\[])(?P<credit>(?:©|\(c\)|(?i:photographs?|photos?|crédits?|credits?|fotos?|bild|images?|source|"
    r"illustration)\s*:)\s*[^()\[\]]{2,80}?|(?<![\w/])(?:AFP|Reuters|REUTERS|AP|EPA|dpa|DPA|ANSA|EFE|"
    r"Getty Images|AFP PHOTO|Anadolu|Xinhua|Sipa|SIPA|Maxppp|MAXPPP|Belga)(?:\s*/\s*[^/()\[\]]{2,60}){0,2})"
    r"\s*[)\]]?\s*$"
)


def _clean_credit(text: str | None) -> str | None:
    text = clean_text(text)
    if not text:
        return None
    text = _CREDIT_LABEL.sub("", text).strip(" ")
    if text[:1] in "([" and text[-1:] in ")]":  # "(AFP)"
        text = text[1:-1]
    return clean_text(text.lstrip("([").rstrip(" ([")) or None


def _image_url(page: _Page, img: Any) -> str | None:
    candidates = [img.get(a) for a in ("src", "data-src", "data-lazy-src", "data-original", "data-url")]
    srcset = img.get("srcset") or img.get("data-srcset")
    if srcset:
        candidates.append(srcset.split(",")[0].strip().split(" ")[0])
    for candidate in candidates:
        if candidate and not candidate.startswith("data:") and not re.search(
            r"placeholder|blank\.gif|spacer|pixel\.gif|lazy\.(?:gif|png|svg)", candidate, re.I
        ):
            return absolute(page.base, candidate)
    return None


_CREDIT_ITEMPROPS = ("copyrightHolder", "creditText", "author", "copyrightNotice")


def _figure(page: _Page, figure: Any) -> Image | None:
    img = next(figure.iter("img"), None)
    if img is None:
        source = next(figure.iter("source"), None)
        srcset = source.get("srcset") if source is not None else None
        url = absolute(page.base, srcset.split(",")[0].strip().split(" ")[0]) if srcset else None
    else:
        url = _image_url(page, img)
    if not url:
        return None
    credit_els = [
        el
        for el in figure.iter()
        if isinstance(el.tag, str)
        and el is not figure
        and (_CREDIT_ATTR.search(_classes(el)) or el.get("itemprop") in _CREDIT_ITEMPROPS)
    ]
    credit_els = [el for el in credit_els if not any(a in credit_els for a in el.iterancestors())]
    credit = _clean_credit(" ".join(_text(el) for el in credit_els)) if credit_els else None
    caption_el = next(figure.iter("figcaption"), None)
    if caption_el is None:
        caption_el = next((el for el in figure.iter() if _CAPTION_ATTR.search(_classes(el))), None)
    caption = None
    if caption_el is not None:
        caption = _text(caption_el, tuple(credit_els)) or None
        if caption and not credit:
            match = _CREDIT_TRAIL.search(caption)
            if match:
                credit = _clean_credit(match.group("credit"))
                caption = clean_text(caption[: match.start("credit")].rstrip(" ([-–—|"))
    return Image(url=url, caption=caption or None, credit=credit)


def _images(page: _Page) -> tuple[Image, ...]:
    figures = [f for f in page.region.iter("figure") if not _in_boilerplate(f)]
    images: dict[str, Image] = {}
    for figure in figures:
        if any(a.tag == "figure" for a in figure.iterancestors()):
            continue
        image = _figure(page, figure)
        if image is not None and image.url not in images:
            images[image.url] = image
        if len(images) >= 20:
            break
    if len(images) < 20:
        for container in _captioned_media(page):
            image = _figure(page, container)
            if image is not None and image.url not in images:
                images[image.url] = image
    if not images:
        og = _meta(page.meta, "og:image", "og:image:url", "og:image:secure_url", "twitter:image")
        og = og or _ld_str(page.ld.get("image"))
        url = absolute(page.base, og) if og else None
        if url:
            images[url] = Image(url=url)
    return tuple(images.values())


_CAPTION_CLASS_XPATH = etree.XPath(
    ".//@class[contains(., 'aption') or contains(., 'egend') or contains(., 'égende') or contains(., 'eyenda')"
    " or contains(., 'idascalia') or contains(., 'nterschrift')]/.."
)


def _captioned_media(page: _Page) -> Iterator[Any]:
    """Figures without ``<figure>``: the parent of a caption-class element (``legende``, ``caption``...)
    outside any figure, when it holds exactly one image."""
    for el in _CAPTION_CLASS_XPATH(page.region):
        if el.tag in ("figure", "figcaption", "img") or not _CAPTION_ATTR.search(el.get("class") or ""):
            continue
        container = el.getparent()
        if container is None or container.tag in _REGION_TAGS or container is page.region:
            continue
        if any(a.tag == "figure" for a in el.iterancestors()) or len(container.findall(".//img")) != 1:
            continue
        if not _in_boilerplate(container):
            yield container


_PUBLISHER_NAME_XPATH = etree.XPath("//*[@itemprop='publisher']//*[@itemprop='name']")


def _microdata_publisher(tree: Any) -> str | None:
    """The publisher's name in schema.org Microdata (``itemprop="publisher"`` → ``itemprop="name"``)."""
    for el in _PUBLISHER_NAME_XPATH(tree):
        name = clean_text(el.get("content")) if el.tag == "meta" else _text(el)
        if name:
            return name
    return None


def _canonical(tree: Any, meta: dict[str, list[str]], url: str) -> str:
    links = tree.iter("link")
    link = next((el for el in links if "canonical" in (el.get("rel") or "").lower().split()), None)
    for href in (link.get("href") if link is not None else None, _meta(meta, "og:url")):
        target = absolute(url, href)
        if target and target.startswith(("http://", "https://")):
            if is_site_root(target) and not is_site_root(url):
                continue  # a template that points every page at the home page
            return canonicalize(target)
    return canonicalize(url)


def _paywalled(page: _Page) -> bool | None:
    for node in (page.ld.article, page.ld.page):
        if node is None:
            continue
        value = node.get("isAccessibleForFree")
        if isinstance(value, str):
            value = {"true": True, "false": False}.get(value.strip().lower())
        if isinstance(value, bool):
            return not value
    return None


# trafilatura collapses every whitespace character, no-break spaces included ("«\xa0passe\xa0»" would come
# back as "« passe »" while the title keeps its NBSP): a no-break space between two visible characters is
# swapped for a rare printable mark (U+2423 ␣) while it runs, and back to U+00A0 in its output.
_NBSP_TEXT_XPATH = etree.XPath("//text()[contains(., '\u00a0') or contains(., '\u202f')]")  # the usual two
_INNER_NBSP = re.compile("(?<=\\S)[\u00a0\u202f\u2007\u2008\u2009\u200a](?=\\S)")
_NBSP_MARK = "\u2423"  # ␣, printable: trafilatura drops private-use characters


def _protect_nbsp(tree: Any) -> list[tuple[Any, bool, str]]:
    """Mark the inner no-break spaces of ``tree`` in place; returns what :func:`_restore` puts back."""
    changed: list[tuple[Any, bool, str]] = []
    for node in _NBSP_TEXT_XPATH(tree):
        parent = node.getparent()
        if parent is None or parent.tag in ("script", "style"):
            continue
        marked = _INNER_NBSP.sub(_NBSP_MARK, str(node))
        if marked != node:
            changed.append((parent, node.is_tail, str(node)))
            if node.is_tail:
                parent.tail = marked
            else:
                parent.text = marked
    return changed


def _restore(changed: list[tuple[Any, bool, str]]) -> None:
    for parent, is_tail, original in changed:
        if is_tail:
            parent.tail = original
        else:
            parent.text = original


def _body_text(page: _Page) -> str | None:
    """trafilatura in precision mode; when that keeps (almost) nothing, its fast default mode."""
    options: dict[str, Any] = {
        "url": page.url,
        "include_comments": False,
        "include_tables": True,
        "with_metadata": False,
        "deduplicate": False,
    }
    changed = _protect_nbsp(page.tree)
    try:
        text = trafilatura.extract(page.tree, favor_precision=True, **options)
        if not text or len(text) < 300:
            second = trafilatura.extract(page.tree, fast=True, **options)
            if second and len(second) > len(text or ""):
                text = second
    finally:
        _restore(changed)
    return text.replace(_NBSP_MARK, "\xa0") if text and changed else text


def _body(
    page: _Page, lead: str | None, title: str | None, images: tuple[Image, ...], authors: tuple[Author, ...]
) -> str | None:
    """trafilatura's text, one paragraph per line, minus boilerplate paragraphs and minus the title, lead,
    byline, captions and credits that it may have kept."""
    text = _body_text(page)
    if not text:
        return None
    return _finish_body(text.split("\n"), lead, title, images, authors)


def _finish_body(
    lines: list[str], lead: str | None, title: str | None, images: tuple[Image, ...], authors: tuple[Author, ...]
) -> str | None:
    """Clean paragraphs joined by blank lines: boilerplate paragraphs dropped, and so are paragraphs equal
    to the title, the lead, a byline, a caption or a credit."""
    paragraphs = [p for p in (clean_text(line) for line in lines) if p and not is_boilerplate(p)]
    drop = {text_key(title), text_key(lead)} | {text_key(a.name_raw) for a in authors}
    for image in images:
        for value in (image.caption, image.credit, f"{image.caption or ''} {image.credit or ''}"):
            drop.add(text_key(value))
    drop.discard("")
    captions = [(text_key(i.caption), len(i.credit or "")) for i in images if i.caption and len(i.caption) >= 20]

    def is_caption(key: str) -> bool:  # "<caption> Photo : <credit>"
        return any(key.startswith(c) and len(key) - len(c) <= n + 20 for c, n in captions)

    names = {a.name.casefold() for a in authors}

    def is_byline(p: str) -> bool:  # "Von Jürgen Weiß" when the authors came from JSON-LD
        if len(p) > 150 or not any(n in p.casefold() for n in names):
            return False
        found = split_authors(p)
        return bool(found) and all(n.casefold() in names for n in found)

    paragraphs = [
        p
        for p in paragraphs
        if text_key(p) not in drop
        and not (captions and is_caption(text_key(p)))
        and not (names and is_byline(p))
    ]
    return "\n\n".join(paragraphs) or None


# --------------------------------------------------------------------------------------------------
# Per-source overrides
# --------------------------------------------------------------------------------------------------

OVERRIDE_FIELDS = (
    "title", "lead", "body", "section", "authors", "published_at", "modified_at", "tags", "language", "site_name"
)  # fmt: skip
_XPATH_NAMESPACES = {"re": "http://exslt.org/regular-expressions"}
_VALIDATION_TREE = lxml.html.document_fromstring("<html><head></head><body><p>x</p></body></html>")


class OverrideError(ValueError):
    """An override that cannot be used; ``field`` is the key it was given under."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Override:
    """One compiled per-source selector: ``css:SELECTOR`` or ``xpath:EXPR`` (a bare string is CSS)."""

    name: str  # the Article field it stands for
    kind: str  # "css" | "xpath"
    expression: str  # as written, without the prefix
    xpath: Any = field(repr=False, compare=False)  # etree.XPath (CSS is translated to XPath)

    def select(self, tree: Any) -> list[Any]:
        """Matched elements and/or strings (attribute values, ``text()``), in document order."""
        result = self.xpath(tree)
        if isinstance(result, list):
            return result
        return [result] if isinstance(result, str) else []


@functools.lru_cache(maxsize=512)
def _compile_override(field_name: str, spec: str) -> Override:
    """Compile one override; raises :class:`OverrideError` for an unknown field or an invalid selector."""
    if field_name not in OVERRIDE_FIELDS:
        raise OverrideError(field_name, f"unknown field (expected one of: {', '.join(sorted(OVERRIDE_FIELDS))})")
    if not isinstance(spec, str):
        raise OverrideError(field_name, f"expected a selector string like 'css:h1.title' (got {spec!r})")
    kind, _, expression = spec.strip().partition(":")
    if kind.lower() not in ("css", "xpath"):
        kind, expression = "css", spec.strip()  # a bare string is CSS ("a:hover" too)
    kind, expression = kind.lower(), expression.strip()
    if not expression:
        raise OverrideError(field_name, f"empty {kind.upper() if kind == 'css' else 'XPath'} selector")
    try:
        if kind == "css":
            compiled: Any = CSSSelector(expression, translator="html", namespaces=_XPATH_NAMESPACES)
        else:
            compiled = etree.XPath(expression, namespaces=_XPATH_NAMESPACES)
        probe = compiled(_VALIDATION_TREE)  # undefined prefixes and functions only fail when evaluated
    except (SelectorError, etree.XPathError) as exc:
        label = "CSS selector" if kind == "css" else "XPath"
        raise OverrideError(field_name, f"invalid {label} {expression!r}: {exc}") from None
    if not isinstance(probe, (list, str)):
        raise OverrideError(
            field_name, f"XPath {expression!r} gives a {type(probe).__name__}, not elements or strings"
        )
    return Override(name=field_name, kind=kind, expression=expression, xpath=compiled)


def compile_overrides(raw: Mapping[str, str]) -> dict[str, Override]:
    """Validate and compile a source's overrides (field name → selector).

    Raises :class:`OverrideError` (a ValueError) whose message starts with the field name, e.g.
    ``"title: invalid CSS selector 'h1[': Expected ident or '*', got <EOF at 3>"``.
    """
    compiled: dict[str, Override] = {}
    for name, spec in raw.items():
        if not isinstance(spec, str):
            raise OverrideError(str(name), f"expected a selector string like 'css:h1.title' (got {spec!r})")
        compiled[name] = _compile_override(name, spec)
    return compiled


def _usable_overrides(raw: Mapping[str, str] | None) -> dict[str, Override]:
    """The valid overrides; an invalid one is logged and ignored (extraction never raises)."""
    compiled: dict[str, Override] = {}
    for name, spec in (raw or {}).items():
        try:
            compiled.update(compile_overrides({name: spec}))
        except OverrideError as exc:
            LOGGER.warning("ignoring override %s", exc)
    return compiled


def _override_values(tree: Any, override: Override, attrs: tuple[str, ...] = ()) -> list[str]:
    """The non-empty texts an override selects: strings as they are; ``<meta>`` elements by their
    ``content``; other elements by the first of ``attrs`` they carry, else their visible text."""
    values: list[str] = []
    for item in override.select(tree):
        if isinstance(item, str):
            value = clean_text(item)
        elif isinstance(getattr(item, "tag", None), str):
            attr = next((a for a in (*attrs, "content") if item.get(a) and (a != "content" or item.tag == "meta")),
                        None)  # fmt: skip
            value = clean_text(item.get(attr)) if attr else _text(item)
        else:
            value = None
        if value:
            values.append(value)
    return values


def _override_text(tree: Any, override: Override | None, sep: str = " ") -> str | None:
    if override is None:
        return None
    values = _override_values(tree, override)
    return clean_text(sep.join(dict.fromkeys(values))) if values else None


def _override_section(tree: Any, override: Override | None, title: str | None, site_name: str | None) -> str | None:
    if override is None:
        return None
    skip = {text_key(title), text_key(site_name)} - {""}
    names: list[str] = []
    for value in _override_values(tree, override):
        key = text_key(value)
        if key in _HOME_WORDS or key in skip or re.fullmatch(r"[\W_]+", value):
            continue
        if not names or text_key(names[-1]) != key:
            names.append(value)
    return " / ".join(names) or None


def _override_tags(tree: Any, override: Override | None) -> tuple[str, ...]:
    if override is None:
        return ()
    values = _override_values(tree, override)
    if len(values) == 1 and "," in values[0]:  # a keywords string
        values = values[0].split(",")
    tags: dict[str, str] = {}
    for value in values:
        tag = clean_text(value)
        if tag and len(tag) <= 100:
            tags.setdefault(text_key(tag), tag)
    return tuple(tags.values())


def _override_authors(tree: Any, override: Override | None) -> tuple[Author, ...]:
    if override is None:
        return ()
    authors: dict[str, Author] = {}
    for raw in _override_values(tree, override):
        for name in split_authors(raw):
            authors.setdefault(name.casefold(), Author(name=name, name_raw=raw))
    return tuple(authors.values())


def _override_date(tree: Any, override: Override | None, not_after: datetime | None) -> _Dated:
    if override is None:
        return _Dated()
    return _pick_date((("override", v) for v in _override_values(tree, override, ("datetime",))), not_after)


_PARAGRAPH_SKIP_TAGS = frozenset(("figure", "figcaption", *_CONTEXT_BOILERPLATE_TAGS))
_BREAK = "\x00"  # a block boundary; _parse removes NULs from the page, so none is left in its text


def _is_furniture(node: Any) -> bool:
    """Page furniture inside a selected body: scripts, figures, nav/aside/footer/form, ads, share bars..."""
    return (
        node.tag in _SKIP_TAGS
        or node.tag in _PARAGRAPH_SKIP_TAGS
        or (node.get("role") or "") in BOILERPLATE_ROLES
        or is_boilerplate_attr(node.get("class"))
        or is_boilerplate_attr(node.get("id"))
    )


def _paragraph_lines(el: Any) -> list[str]:
    """The text of one element, one line per block (``<p>``, headings, list items, ``<br>``...), without
    the furniture below it (the element itself is kept whatever its class)."""

    def skip(node: Any, tag: str) -> bool:
        return bool(tag) and node is not el and _is_furniture(node)

    return _walk_text(el, skip, _BREAK).split(_BREAK)  # newlines in the source are only spaces


def _override_body_lines(tree: Any, override: Override | None) -> list[str]:
    if override is None:
        return []
    lines: list[str] = []
    selected = [item for item in override.select(tree) if isinstance(item, str) or isinstance(item.tag, str)]
    elements = [item for item in selected if not isinstance(item, str)]
    for item in selected:
        if isinstance(item, str):
            lines.extend(re.split(r"\n\s*\n", item))  # a blank line separates paragraphs
        elif not any(a in elements for a in item.iterancestors()):  # nested matches: once
            lines.extend(_paragraph_lines(item))
    return lines


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# the options trafilatura parses with, so that handing it our tree changes nothing
_PARSER_OPTIONS: dict[str, Any] = {
    "remove_comments": True, "remove_pis": True, "collect_ids": False, "default_doctype": False
}
_HTML_PARSER = lxml.html.HTMLParser(**_PARSER_OPTIONS)
_UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8", **_PARSER_OPTIONS)


def _parse(html: str) -> Any:
    """The page as an lxml tree rooted at <html>, parsed once; None when there is nothing to parse."""
    if not html or not isinstance(html, str) or not html.strip():
        return None
    html = _CONTROL_CHARS.sub("", html)
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        tree = lxml.html.document_fromstring(html, parser=_HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        try:  # e.g. lone surrogates
            tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_UTF8_PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return None
    if tree is None:
        return None
    return tree if tree.tag == "html" else tree.getroottree().getroot()


def extract_article(
    html: str, *, url: str, fetched_at: datetime | None = None, overrides: Mapping[str, str] | None = None
) -> Article:
    """Extract an :class:`Article` from a decoded HTML page.

    ``url`` is the final URL (after redirects); ``fetched_at`` (aware) bounds every date: a date after it
    is rejected, with no tolerance. ``overrides`` maps field names (:data:`OVERRIDE_FIELDS`) to a
    source's selectors (``css:...``, ``xpath:...``, bare = CSS); what an override selects, when not empty,
    wins over the generic value (dates then have the source ``"override"``); an invalid override is
    logged and ignored (validate with :func:`compile_overrides` when loading the config). Never raises;
    returns ``Article(url=url)`` when the input is unusable.
    """
    tree = _safe(lambda: _parse(html), None)
    if tree is None:
        return Article(url=url)
    compiled = _usable_overrides(overrides) if overrides else {}
    return _safe(lambda: _extract(tree, url, fetched_at, compiled), Article(url=url))


def _extract(tree: Any, url: str, fetched_at: datetime | None, overrides: dict[str, Override]) -> Article:
    base_el = tree.find(".//base[@href]")
    base = _first(absolute(url, base_el.get("href")) if base_el is not None else None, url) or url
    meta = _safe(lambda: _meta_index(tree), {})
    canonical = _safe(lambda: _canonical(tree, meta, url), canonicalize(url))
    ld = _safe(lambda: _linked_data(tree, {canonicalize(url), canonical}), _LinkedData())
    page = _Page(tree=tree, url=url, base=base, meta=meta, ld=ld, region=tree)
    ov = overrides.get

    site_name = _safe(lambda: _override_text(tree, ov("site_name")), None) or _first(
        _meta(meta, "og:site_name", "application-name"),
        _ld_str(ld.resolve(ld.get("publisher"))),
    ) or _safe(lambda: _microdata_publisher(tree), None)
    hints = [h for h in (_meta(meta, "og:title", "twitter:title"), _ld_str(ld.get("headline"))) if h]
    page.h1 = _safe(lambda: _pick_h1(tree, hints, site_name), None)
    page.region = _safe(lambda: _region(tree, page.h1), tree)

    title = _safe(lambda: _override_text(tree, ov("title")), None) or _safe(lambda: _title(page, site_name), None)
    lead = _safe(lambda: _override_text(tree, ov("lead")), None) or _safe(lambda: _lead(page, title), None)
    images = _safe(lambda: _images(page), ())
    published = _safe(lambda: _override_date(tree, ov("published_at"), fetched_at), _Dated())
    if published.at is None:
        published = _safe(lambda: _published(page, fetched_at), _Dated())
    if published.at is None:
        published = _safe(lambda: _htmldate(tree, fetched_at), _Dated())
    modified = _safe(lambda: _override_date(tree, ov("modified_at"), fetched_at), _Dated())
    if modified.at is None:
        modified = _safe(lambda: _modified(page, fetched_at), _Dated())
    authors = _safe(lambda: _override_authors(tree, ov("authors")), ()) or _safe(lambda: _authors(page), ())
    body_lines = _safe(lambda: _override_body_lines(tree, ov("body")), [])
    body = _safe(lambda: _finish_body(body_lines, lead, title, images, authors), None) if body_lines else None
    if body is None:
        body = _safe(lambda: _body(page, lead, title, images, authors), None)
    section = _safe(lambda: _override_section(tree, ov("section"), title, site_name), None)
    language = _safe(lambda: language_code(_override_text(tree, ov("language"))), None)

    return Article(
        url=url,
        canonical_url=canonical,
        title=title,
        lead=lead,
        body=body,
        section=section or _safe(lambda: _section(page, title, site_name), None),
        tags=_safe(lambda: _override_tags(tree, ov("tags")), ()) or _safe(lambda: _tags(page), ()),
        authors=authors,
        published_at=published.at,
        published_raw=published.raw,
        published_source=published.source,
        modified_at=modified.at,
        modified_raw=modified.raw,
        modified_source=modified.source,
        language=language or _safe(lambda: _language(page, body), None),
        images=images,
        site_name=site_name,
        is_paywalled=_safe(lambda: _paywalled(page), None),
    )
