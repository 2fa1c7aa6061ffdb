"""The page as the field extractors see it: tree, URL, meta, JSON-LD, the headline element and the article region."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from crawler.page.extract.dom import _classes, _in_boilerplate, _text
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


def _is_logo(h1: Any) -> bool:
    """The site's logo set as a heading (class "logo", or an image with a short alt text)."""
    return bool(re.search(r"logo|brand", _classes(h1), re.IGNORECASE))


def _pick_h1(tree: Any, hints: list[str], site_name: str | None) -> Any:
    site_key = text_key(site_name)
    hint_keys = [k for k in (text_key(h) for h in hints) if k]
    candidates = []
    for h1 in tree.iter("h1"):
        key = text_key(_text(h1))
        if len(key) < 3 or key == site_key or _in_boilerplate(h1) or _visually_hidden(h1) or _is_logo(h1):
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


_HIDDEN_CLASS = re.compile(
    r"^(?:[\w-]*[-_])?(?:sr-only|visually-?hidden|screen-?reader(?:-text|-only)?|offscreen|a11y-hidden|blind|hidden)$",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _visually_hidden(el: Any) -> bool:
    """Text for screen readers or hidden by the page: ``hidden``, ``aria-hidden``, sr-only style classes."""
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").lower() == "true":
        return True
    if _HIDDEN_STYLE.search(el.get("style") or ""):
        return True
    return any(_HIDDEN_CLASS.match(token) for token in (el.get("class") or "").split())
