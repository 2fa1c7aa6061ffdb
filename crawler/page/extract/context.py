"""The page as the field extractors see it: tree, URL, meta, JSON-LD, the headline element and the article region."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crawler.page.extract.dom import _in_boilerplate, _text
from crawler.page.extract.structured import _LinkedData
from crawler.page.normalize import (
    text_key,
)

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
