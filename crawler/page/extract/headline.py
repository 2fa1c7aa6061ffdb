"""Title and lead: the article's own headline and its visible standfirst."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from lxml import etree

from crawler.page.boilerplate import is_boilerplate
from crawler.page.extract.context import _Page, _visually_hidden
from crawler.page.extract.dom import _LEAD_ATTR, _classes, _in_boilerplate, _text
from crawler.page.extract.structured import _ld_str, _meta
from crawler.page.normalize import (
    clean_text,
    text_key,
)

_TITLE_SEPARATORS = re.compile(r"\s+[-|–—·•»]\s+|\s*[|：]\s*")
_SEPARATOR_CHARS = " -|–—·•»:："
_WORD = re.compile(r"\w+")
# a kicker, overline or "Dachzeile" printed above or before the headline, inside the heading element
_KICKER_ATTR = re.compile(
    r"kicker|overline|topline|dachzeile|eyebrow|roofline|spitzmarke|supertitle|pre-?title|pre-?headline|"
    r"(?:^|[-_])(?:topic|flag|label|rubric)(?:$|[-_])",
    re.IGNORECASE,
)


def _words(text: str | None) -> list[str]:
    return _WORD.findall(text_key(text))


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
    if aggressive and len(parts[-1]) <= 30 and len(parts[-1]) < len(title) / 3 and _may_be_a_name(parts[-1]):
        return title[: title.rfind(parts[-1])].rstrip(_SEPARATOR_CHARS)
    return title


_QUOTES = "\"'„“”‚‘’«»‹›「」『』"


def _may_be_a_name(segment: str) -> bool:
    """A site name is not a quotation ("– „Lage ernst“") nor a question or exclamation."""
    segment = segment.strip()
    return bool(segment) and not (segment[0] in _QUOTES and segment[-1] in _QUOTES) and segment[-1] not in "?!？！"


def _is_separator(rest: str) -> bool:
    """Whether ``rest`` (read from the headline outwards) starts with a title separator then a name."""
    rest = rest.lstrip(" ")
    return bool(rest) and rest[0] in _SEPARATOR_CHARS and bool(rest.strip(_SEPARATOR_CHARS))


def _headline_hints(page: _Page) -> list[str]:
    """The headlines the page declares, most specific first: og:title, twitter:title, JSON-LD headline and
    alternativeHeadline, <title>."""
    title_el = page.tree.find(".//title")
    raw = (
        _meta(page.meta, "og:title"),
        _meta(page.meta, "twitter:title"),
        _ld_str(page.ld.get("headline")) or _ld_str(page.ld.get("name")),
        _ld_str(page.ld.get("alternativeHeadline")),
        _text(title_el) if title_el is not None else None,
    )
    return [h for h in raw if h]


def _site_names(headlines: list[str], site_name: str | None) -> list[list[str]]:
    """Site names as word lists: og:site_name, and what one headline of the page adds to another as a
    separated prefix or suffix ("X - Daily Example" where JSON-LD says "X")."""
    names = [_words(site_name)] if site_name else []
    keys = [text_key(h) for h in headlines]
    for key in keys:
        for other in keys:
            if len(other) < 10 or len(other) >= len(key):
                continue
            if key.startswith(other) and _is_separator(key[len(other) :]):
                names.append(_words(key[len(other) :]))
            elif key.endswith(other) and _is_separator(key[: -len(other)][::-1]):
                names.append(_words(key[: -len(other)]))
    return [n for n in names if n]


def _without_names(title: str, names: list[list[str]]) -> str:
    """``title`` without a leading or trailing segment (or run of segments) that is a site name."""
    separators = list(_TITLE_SEPARATORS.finditer(title))
    for match in separators:
        if _words(title[match.end() :]) in names:
            return title[: match.start()].strip()
    for match in reversed(separators):
        if _words(title[: match.start()]) in names:
            return title[match.end() :].strip()
    return title


def _meta_titles(page: _Page, site_name: str | None, shown: str | None = None) -> list[str]:
    """The declared headlines without site names, deduplicated, in :func:`_headline_hints` order; ``shown``
    (the visible headline) helps to tell the site name apart."""
    hints = _headline_hints(page)
    title_el = page.tree.find(".//title")
    page_title = _text(title_el) if title_el is not None else None
    names = _site_names([*hints, shown] if shown else hints, site_name)
    cores: list[str] = []
    for hint in hints:
        core = _without_names(hint, names)
        if core == hint and hint == page_title:
            core = _strip_site_suffix(hint, site_name, aggressive=True)
        if core and text_key(core) not in {text_key(c) for c in cores}:
            cores.append(core)
    return cores


def _kicker(h1: Any) -> Any:
    """The kicker/overline element inside the heading, when it has one before the headline text."""
    children = [c for c in h1 if isinstance(c.tag, str) and _text(c)]
    if len(children) < 2:
        return None
    first = children[0]
    kicker_class = any(_KICKER_ATTR.search(token) for token in _classes(first).split())
    if kicker_class and len(_text(first)) < len(_text(h1)) / 2:
        return first
    return None


def _kicker_before(h1: Any) -> str | None:
    """The short line printed just before the heading (an overline, "Dachzeile"): its previous sibling, or
    its wrapper's when the heading comes first in it."""
    node = h1
    for _ in range(2):
        previous = node.getprevious()
        while previous is not None and not (isinstance(previous.tag, str) and _text(previous)):
            previous = previous.getprevious()
        if previous is not None:
            break
        node = node.getparent()
        if node is None or node.tag in ("article", "main", "body", "header"):
            return None
    else:
        return None
    if previous.tag in ("p", "ul", "ol", "nav", "figure", "img", "picture", "time", "h1"):
        return None
    if _visually_hidden(previous) or _in_boilerplate(previous):
        return None
    text = _text(previous)
    return text if text and len(text) <= 80 and len(text) < len(_heading_text(h1)) else None


def _heading_text(h1: Any, exclude: tuple[Any, ...] = ()) -> str:
    """The heading's visible text, its child elements kept apart by a space ("Demo" + "Der ..." is never
    "DemoDer ...") and visually hidden helper text left out."""
    hidden = tuple(
        el
        for el in h1.iterdescendants()
        if isinstance(el.tag, str) and _visually_hidden(el) and _WORD.search(el.text_content())
    )  # hidden words go, hidden punctuation between kicker and headline stays
    parts = [h1.text or ""]
    for child in h1:
        if isinstance(child.tag, str) and child not in exclude and child not in hidden:
            parts.append(" " + _text(child, exclude + hidden) + " ")
        parts.append(child.tail or "")
    return (clean_text("".join(parts)) or "").strip(" -|–—·•:：")


def _h1_title(h1: Any, declared: list[str]) -> str | None:
    full = _heading_text(h1)
    if not full:
        return None
    full_words = _words(full)
    for title in declared if len(h1) else ():
        if _words(title) == full_words:
            return title  # the same words: the page's own punctuation between kicker and headline
    before = _kicker_before(h1)
    if before:
        joined = _words(before) + full_words
        for title in declared:
            if _words(title) == joined:
                return title  # every part shown, and the page's own headline joins them: its punctuation
    kicker = _kicker(h1)
    if kicker is not None:
        return _heading_text(h1, (kicker,)) or full
    for child in h1:
        if isinstance(child.tag, str) and any(_words(title) == _words(_text(child)) for title in declared):
            return _text(child)  # the declared headline is one part of the heading: the rest is a kicker
    if full.endswith(("…", "...")):
        stem = text_key(full.rstrip(".… "))
        return next((t for t in declared if text_key(t).startswith(stem) and len(t) > len(stem)), full)
    return full


def _declares(heading: Any, declared: list[list[str]]) -> bool:
    """Whether the heading shows one of the declared headlines: the same words, with or without its kicker."""
    if _words(_heading_text(heading)) in declared:
        return True
    kicker = _kicker(heading)
    return kicker is not None and _words(_heading_text(heading, (kicker,))) in declared


def _shown_heading(page: _Page, declared: list[str]) -> Any:
    """The headline of an ``<hgroup>`` (HTML's heading group: the headline with its overline or subtitle)
    in the article, else in the page, that shows a declared headline: the headline where the page has no
    usable h1 (it sits in a breadcrumb or navigation bar) or its h1 lies outside the article."""
    words = [w for w in (_words(d) for d in declared) if w]
    if not words:
        return None
    body = page.tree.find(".//body")
    for scope in dict.fromkeys(s for s in (page.region, body) if s is not None):
        for group in scope.iter("hgroup"):
            for heading in group.iter("h1", "h2", "h3", "h4", "h5", "h6"):
                if heading is page.h1 or _in_boilerplate(heading) or _visually_hidden(heading):
                    continue
                if _declares(heading, words):
                    return heading
    return None


def _title(page: _Page, site_name: str | None) -> str | None:
    """The headline as shown (the h1 without kicker; the ``<hgroup>`` headline where the h1 sits in a breadcrumb
    or outside the article), else the declared headline without site name."""
    heading = page.h1
    shown = _heading_text(heading) if heading is not None else None
    declared = _meta_titles(page, site_name, shown)
    if heading is None or not any(a is page.region for a in heading.iterancestors()):
        found = _shown_heading(page, declared)
        heading = found if found is not None else heading
    if heading is not None:
        text = _h1_title(heading, declared)
        if text:
            return text
    return declared[0] if declared else None


def _alternative_titles(page: _Page, title: str | None, site_name: str | None) -> tuple[str, ...]:
    """The other distinct headlines the page declares, without site names."""
    seen = {text_key(title)}
    out: list[str] = []
    for hint in _meta_titles(page, site_name, title):
        key = text_key(hint)
        if key and key not in seen:
            seen.add(key)
            out.append(hint)
    return tuple(out)


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


_SUMMARY_TAGS = frozenset(("p", "div", "span", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "section", "header"))
_HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
_SUMMARY_CONTEXT_ATTR = re.compile(
    r"(?:^|[-_])(?:\w*caption|credits?|legend|byline|authors?|comments?|related|teaser-?list)(?:$|[-_])", re.I
)


def _summaries(page: _Page) -> list[tuple[list[str], str]]:
    """The summaries the page declares (og/twitter/meta description, JSON-LD description): word lists and
    texts."""
    found: list[tuple[list[str], str]] = []
    for text in (
        _meta(page.meta, "og:description"),
        _meta(page.meta, "description"),
        _meta(page.meta, "twitter:description"),
        _ld_str(page.ld.get("description")),
    ):
        words = _words(text)
        if len(words) >= 6 and text and words not in (f[0] for f in found):
            found.append((words, text))
    return found


def _summary_match(words: list[str], summaries: list[list[str]]) -> float:
    """How well an element's words cover a declared summary (an F1; 0 when it is not that summary)."""
    best = 0.0
    bag = Counter(words)
    for summary in summaries:
        common = sum((bag & Counter(summary)).values())
        if not common:
            continue
        recall, precision = common / len(summary), common / len(words)
        f1 = 2 * recall * precision / (recall + precision)
        if f1 >= 0.8 or (recall >= 0.9 and precision >= 0.55):
            best = max(best, f1)
    return best


def _signature(el: Any) -> tuple[tuple[str, str], ...]:
    """The element's tag and class with its parent's and grandparent's: how the page styles a text block."""
    nodes = [el, *list(el.iterancestors())[:2]]
    return tuple((str(n.tag), re.sub(r"\d+", "#", n.get("class") or "")) for n in nodes)  # "par1", "par2"...


def _is_body_paragraph(el: Any) -> bool:
    """A plain text block followed by blocks styled the same way: the body's first paragraph, not a
    standfirst (which is set apart by its own element, class or bold type)."""
    text = _text(el)
    strong = "".join(_text(s) for s in el.iter("strong", "b"))
    if not text or len(strong) >= 0.8 * len(text) or el.tag in _HEADINGS:
        return False
    if any(a.tag in ("strong", "b") or a.tag in _HEADINGS for a in el.iterancestors()):
        return False
    if any((n.get("itemprop") or "") == "articleBody" for n in (el, *el.iterancestors("p"))):
        return True
    signature = _signature(el)
    same = 0
    for other in el.xpath(f"following::{el.tag}[position() <= 40]"):
        if len(other.text_content()) > 60 and _signature(other) == signature:
            same += 1
            if same >= 2:
                return True
    return False


def _shown_summary(page: _Page, title_key: str) -> str | None:
    """The declared summary where the page shows it as a standfirst after the headline: the element whose
    text is the og/meta/JSON-LD description, unless it is merely the body's first paragraph."""
    declared = _summaries(page)
    if not declared:
        return None
    summaries = [words for words, _ in declared]
    high = 2 * max(len(text) for _, text in declared) + 60
    for el in _summary_candidates(page, [text for _, text in declared]):
        words = _words(_text(el)) if len(el.text_content()) <= high else []
        score = _summary_match(words, summaries) if words else 0.0
        if not score:
            continue
        el = _innermost_match(el, score, summaries)
        if not _summary_context_ok(el):
            continue  # a caption or teaser repeating the description: look further
        if _is_body_paragraph(el):
            return None  # the description is the body's first paragraph: no separate standfirst
        text = _text(el)
        if text_key(text) != title_key and _reads_like_a_lead(text):
            return text
    return None


_FOLLOWING_TEXT = etree.XPath("following::text()[contains(., $word)]")
_INNER_TEXT = etree.XPath("//body//text()[contains(., $word)]")


def _summary_candidates(page: _Page, texts: list[str]) -> list[Any]:
    """The blocks after the headline (not longer than twice a summary) that hold a text with the longest
    word of a declared summary: in document order, each block before the blocks inside it."""
    high = 2 * max(len(t) for t in texts) + 60
    seen: set[Any] = set()
    found: list[Any] = []
    for text in texts:
        word = max(_WORD.findall(text), key=len)
        nodes = _FOLLOWING_TEXT(page.h1, word=word) if page.h1 is not None else _INNER_TEXT(page.tree, word=word)
        for node in nodes:
            el = node.getparent()
            if el is None:
                continue
            if node.is_tail:
                el = el.getparent()
            chain = []
            while el is not None and el.tag not in ("body", "html", "article", "main"):
                if len(el.text_content()) > high:
                    break
                if el.tag in _SUMMARY_TAGS:
                    chain.append(el)
                el = el.getparent()
            for block in reversed(chain):  # outermost first
                if block not in seen:
                    seen.add(block)
                    found.append(block)
        if found:
            break
    return found


def _innermost_match(el: Any, score: float, summaries: list[list[str]]) -> Any:
    """Down to the child that holds the summary at least as well (a wrapper's dateline or byline left out)."""
    while True:
        for child in el:
            if isinstance(child.tag, str):
                child_score = _summary_match(_words(_text(child)), summaries)
                if child_score >= score:
                    el, score = child, child_score
                    break
        else:
            return el


def _summary_context_ok(el: Any) -> bool:
    """Not a caption, credit, byline, teaser link or navigation that happens to repeat the description."""
    if any(el.find(f".//{tag}") is not None for tag in _NOT_IN_LEAD_TAGS):
        return False
    for node in (el, *el.iterancestors()):
        if node.tag in ("a", "figure", "figcaption", "body"):
            return node.tag == "body"
        if node.tag in ("article", "main"):
            break
        if any(_SUMMARY_CONTEXT_ATTR.search(token) for token in _classes(node).split()):
            return False
    return not _in_boilerplate(el)


def _lead(page: _Page, title: str | None) -> str | None:
    """The visible standfirst: the declared summary where the page shows it after the headline (not as
    the body's first paragraph), else an element near the top of the article whose class or itemprop says
    chapo/standfirst/lead/intro/summary/dek..., else a bold first paragraph under the h1, or one sharing
    the h1's <header>. Never the meta description unless the page shows it; None when nothing visible
    qualifies."""
    shown = _shown_summary(page, text_key(title))
    if shown:
        return shown
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
            if long_paragraphs > 2 or _is_body_paragraph(el):
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
