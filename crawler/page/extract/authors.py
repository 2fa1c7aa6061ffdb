"""Authors: JSON-LD, meta, and the visible byline."""

from __future__ import annotations

import re

from crawler.core.items import Author
from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _BYLINE_ATTR, _classes, _in_boilerplate, _text
from crawler.page.extract.structured import _ld_str, _meta, _types
from crawler.page.normalize import (
    split_authors,
)

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
