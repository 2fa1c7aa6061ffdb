"""Body text: trafilatura over the parsed tree, boilerplate paragraphs and repeated fields removed; the language."""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from typing import Any

import trafilatura
from lxml import etree

from crawler.core.items import Author, Image
from crawler.page.boilerplate import is_boilerplate
from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _first, _in_boilerplate, _text
from crawler.page.extract.structured import _ld_str, _meta
from crawler.page.normalize import (
    clean_text,
    language_code,
    split_authors,
    text_key,
)


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


def _key(text: str) -> str:
    """A cheap comparison key for the same text seen in the tree and in trafilatura's output."""
    return " ".join(text.split()).casefold()


_BODY_BLOCKS = frozenset({"p", "h2", "h3", "h4", "blockquote"})


def _body_container(page: _Page, keys: set[str]) -> tuple[str, str] | None:
    """(tag, class) of the element that holds most of the paragraphs trafilatura kept, or None."""
    counts: Counter[tuple[str, str]] = Counter()
    for p in page.tree.iter("p"):
        parent = p.getparent()
        if parent is None or not parent.get("class"):
            continue
        raw = "".join(p.itertext())
        if len(raw) >= 35 and _key(raw) in keys:
            counts[(parent.tag, parent.get("class"))] += 1
    return counts.most_common(1)[0][0] if counts else None


_ENTRY_CLASS = re.compile(r"(?:^|\s)(?:h?entry|hentry|h-entry|post|type-post)(?:\s|$)")


def _article_of(el: Any) -> Any:
    """The nearest element that frames one article or blog entry: ``<article>``, schema.org Article or
    BlogPosting microdata, or the usual entry classes (``hentry``, ``post``, ``type-post``)."""
    for node in el.iterancestors():
        if node.tag == "article" or "Article" in (node.get("itemtype") or "") or "Posting" in (
            node.get("itemtype") or ""
        ):
            return node
        if _ENTRY_CLASS.search(node.get("class") or ""):
            return node
    return None


def _complete_split_body(page: _Page, lines: list[str]) -> list[str]:
    """Articles split into several sibling containers of the same tag and class (between ad slots, or in
    chunks after the first screen): trafilatura often keeps only the first. Paragraphs and subheadings of the
    same-class containers it left out entirely are put back after the last kept paragraph that precedes them."""
    keys = {_key(line) for line in lines if len(line) >= 40}
    signature = _body_container(page, keys) if keys else None
    if signature is None:
        return lines
    tag, cls = signature
    containers = [el for el in page.tree.iter(tag) if el.get("class") == cls]
    if len(containers) < 2:
        return lines
    position = {_key(line): i for i, line in enumerate(lines)}
    inserts: defaultdict[int, list[str]] = defaultdict(list)
    anchor, added, article = -1, 0, None
    for container in containers:
        blocks = [_text(el) for el in container if isinstance(el.tag, str) and el.tag in _BODY_BLOCKS]
        kept = [position[_key(b)] for b in blocks if _key(b) in position]
        if kept:
            anchor, article = max(anchor, *kept), _article_of(container)
            continue
        if _in_boilerplate(container) or _article_of(container) is not article:
            continue  # furniture, or the next article of an endless page
        for block in blocks:
            if block:
                inserts[anchor].append(block)
                added += len(block)
    if added < 200:
        return lines
    out = list(inserts.get(-1, ()))
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, ()))
    return out


def _body(
    page: _Page, lead: str | None, title: str | None, images: tuple[Image, ...], authors: tuple[Author, ...]
) -> str | None:
    """trafilatura's text, one paragraph per line, completed with the parts of a split article body it left out,
    minus boilerplate paragraphs and minus the title, lead, byline, captions and credits that it may have kept."""
    text = _body_text(page)
    if not text:
        return None
    lines = _without_link_lines(page, text.split("\n"))
    return _finish_body(_complete_split_body(page, lines), lead, title, images, authors)


_LONG_LINKS = etree.XPath("//a[@href][string-length(.) >= $n]")
_LIST_MARK = re.compile(r"^[-*•]\s+")


def _without_link_lines(page: _Page, lines: list[str]) -> list[str]:
    """Drop the lines that are wholly the text of a link: teaser cards and "read more" boxes inside the body,
    related-article lists after it. An article's own paragraphs are never one link."""
    candidates = {_key(_LIST_MARK.sub("", line)) for line in lines if len(line) >= 25}
    if not candidates:
        return lines
    shortest = min(len(c) for c in candidates) - 5
    linked: set[str] = set()
    for a in _LONG_LINKS(page.tree, n=shortest):
        href = (a.get("href") or "").strip()
        if href.startswith(("#", "javascript:")):
            continue  # in-page anchors of headings are not links away
        linked.add(_key("".join(a.itertext())))
        for el in a.iter("p", "h2", "h3", "h4", "span", "div"):
            part = "".join(el.itertext())
            if len(part) >= shortest:
                linked.add(_key(part))
    dropped = (candidates & linked) | _linked_list_items(page, lines)
    if not dropped:
        return lines
    for el in _UNLINKED_BLOCKS(page.tree):  # a subheading also shown as a teaser link elsewhere stays
        dropped.discard(_key("".join(el.itertext())))
    return [line for line in lines if _key(_LIST_MARK.sub("", line)) not in dropped]


_LONG_ITEMS = etree.XPath("//li[a][string-length(.) >= 25]")


def _linked_list_items(page: _Page, lines: list[str]) -> set[str]:
    """Keys of the list lines whose item is mostly link text ("- Topic: headline" with the headline linked):
    related-article lists."""
    items = {_key(line[2:]) for line in lines if line.startswith("- ") and len(line) >= 25}
    if not items:
        return set()
    found: set[str] = set()
    for li in _LONG_ITEMS(page.tree):
        text = "".join(li.itertext())
        key = _key(text)
        if key in items:
            linked = sum(len("".join(a.itertext())) for a in li.iter("a") if a.get("href"))
            if linked >= 0.6 * len(text.strip()):
                found.add(key)
    return found


_UNLINKED_BLOCKS = etree.XPath("//*[self::h2 or self::h3 or self::h4][not(ancestor::a)]")


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
