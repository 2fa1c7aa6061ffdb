"""Authors: JSON-LD, meta, and the visible byline.

Order of evidence: the people of JSON-LD ``author`` (an entry that names an agency or a newsroom is kept
as a whole: the publisher listed it as an author), the visible byline when it names more people than
JSON-LD, ``meta`` author tags, then an organisation credited as the author (even the outlet itself) when
nothing names anyone. A byline that holds only an agency gives that agency. Parts of a byline that are
the site's own name ("Jane Doe, <Outlet> Region") are dropped when a person remains.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from crawler.core.items import Author
from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _BYLINE_ATTR, _classes, _in_boilerplate, _text
from crawler.page.extract.structured import _ld_str, _meta, _types
from crawler.page.normalize import AGENCIES, clean_text, split_authors, text_key

_ORGANIZATION_TYPES = frozenset(("Organization", "NewsMediaOrganization", "Corporation", "NGO"))
_AUTHOR_META = (
    "author", "article:author", "og:article:author", "byl", "dc.creator", "parsely-author", "sailthru.author",
    "articleauthor", "article.author", "cxenseparse:author",
)  # fmt: skip
_LABEL = re.compile(
    r"^\s*(?:by|von|par|por|di|da|de|door|av|af|af|przez|autor(?:in)?|author|auteur|text|texte|texto)\b\s*:?\s*",
    re.IGNORECASE,
)
_SOURCE_LABEL = re.compile(r"^\s*(?:quelle|source|fuente|fonte|bron|kilde|källa|źródło|zdroj)\s*:", re.IGNORECASE)
_IMAGE_CREDIT = re.compile(r"^\s*(?:image|images|photo|photos|foto|fotos|bild|picture|credit)s?\s*:", re.I)


def _tokens(name: str | None) -> tuple[str, ...]:
    words = re.findall(r"\w+", text_key(name))
    return tuple(words[1:] if words[:1] == ["the"] and len(words) > 1 else words)


def _site_keys(page: _Page) -> set[tuple[str, ...]]:
    """The site's own names as word tuples: og:site_name, application-name, the JSON-LD publisher, the domain."""
    names = [_meta(page.meta, "og:site_name", "application-name"), _ld_str(page.ld.resolve(page.ld.get("publisher")))]
    host = urlsplit(page.url).hostname or ""
    labels = [p for p in host.split(".") if p not in ("www", "m", "amp")]
    names.extend(labels[:1])
    return {k for k in (_tokens(n) for n in names) if k}


def _is_site(name: str, site: set[tuple[str, ...]]) -> bool:
    """The outlet, not a person: "Outlet Region" for the site "Outlet", "Example.com" for example.com."""
    key = _tokens(name)
    return bool(key) and any(key[: len(s)] == s or s[: len(key)] == key for s in site)


def _whole_name(raw: str | None) -> str | None:
    """A name credited as a whole ("The Associated Press", "MND Staff", "dpa"), label removed."""
    text = clean_text(raw)
    if not text or _SOURCE_LABEL.match(text) or _IMAGE_CREDIT.match(text):
        return None
    text = _LABEL.sub("", text, count=1).strip(" \t.,;:-–—|•·'\"«»“”()[]")
    if not text or len(text) > 60 or len(text.split()) > 6 or text.startswith("http") or "@" in text:
        return None
    if re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)+", text):  # a URL slug ("jane-doe"), not the printed name
        return None
    return text if any(c.isalpha() for c in text) else None


def _agencies_only(raw: str | None) -> list[str]:
    """The agencies a byline names when it names nobody else: "Par AFP", "dpa", "AFP/Reuters"."""
    text = _whole_name(raw)
    if not text:
        return []
    parts = [p.strip() for p in re.split(r"\s*(?:,|/|&|\+|;|\s(?:and|und|et|y|e)\s)\s*", text) if p.strip()]
    if parts and all(p.casefold() in AGENCIES for p in parts):
        return parts
    return []


def _names(raw: str | None, site: set[tuple[str, ...]]) -> list[str]:
    """People in a byline string, without pieces that are the site's own name (kept when nothing else)."""
    if not raw or _SOURCE_LABEL.match(raw) or _IMAGE_CREDIT.match(raw):
        return []
    names = split_authors(raw)
    people = [n for n in names if not _is_site(n, site)]
    return people or names or _agencies_only(raw)


def _ld_authors(page: _Page, site: set[tuple[str, ...]]) -> tuple[list[Author], list[Author]]:
    """(people and agencies, organisations) of JSON-LD ``author``/``creator``."""
    people: list[Author] = []
    organisations: list[Author] = []
    raw_authors = page.ld.get("author") or page.ld.get("creator")
    entries = raw_authors if isinstance(raw_authors, list) else [raw_authors] if raw_authors else []
    for entry in entries:
        entry = page.ld.resolve(entry)
        raw = _ld_str(entry)
        if not raw or raw.startswith("http"):
            continue
        if isinstance(entry, dict) and _types(entry) & _ORGANIZATION_TYPES:
            whole = _whole_name(raw)
            if whole:
                organisations.append(Author(name=whole, name_raw=raw))
            continue
        names = _names(raw, site)
        if not names and isinstance(entry, dict):  # one entry, one name: "The Associated Press", "MND Staff"
            whole = _whole_name(raw)
            names = [whole] if whole and not _is_site(whole, site) else []
        people.extend(Author(name=name, name_raw=raw) for name in names)
    return people, organisations


def _authors(page: _Page) -> tuple[Author, ...]:
    site = _site_keys(page)
    authors, organisations = _ld_authors(page, site)
    raw = _byline(page, near_headline_only=bool(authors))  # with JSON-LD people: only to find more of them
    byline = [Author(name=name, name_raw=raw) for name in _names(raw, site)] if raw else []
    if not authors or _adds_people(authors, byline):
        authors = byline or authors
    outlet: list[Author] = []  # a meta author that names the site itself ("Outlet (www.outlet.example)")
    if not authors:
        raw = _meta(page.meta, *_AUTHOR_META)
        if raw and not raw.startswith("http") and "@" not in raw:
            names = _names(raw, site) or [n for n in [_whole_name(raw)] if n]
            found = [Author(name=name, name_raw=raw) for name in names]
            host = (urlsplit(page.url).hostname or "").removeprefix("www.")
            if host and host in raw.casefold() and raw.casefold() != host:
                outlet = found
            else:
                authors = found
    if not authors:
        authors = organisations
    if not authors:  # a byline outside the headline's block and the article element
        raw = _labelled_author(page.tree) or _byline_block(page.tree)
        authors = [Author(name=name, name_raw=raw) for name in _names(raw, site)] if raw else outlet
    unique: dict[str, Author] = {}
    for author in authors:
        unique.setdefault(author.name.casefold(), author)
    return tuple(unique.values())


def _adds_people(known: list[Author], byline: list[Author]) -> bool:
    """Whether the visible byline names everyone JSON-LD names, and more."""
    have = {a.name.casefold() for a in known}
    seen = {a.name.casefold() for a in byline}
    return len(seen) > len(have) and have <= seen


_NOT_BYLINE_ATTR = re.compile(r"bio|avatar|photo|image|img|more|other|comment|quote", re.IGNORECASE)
_AUTHOR_HREF = re.compile(r"/(?:authors?|autor(?:en|in)?|auteurs?|autores?|redakteur\w*|journalist\w*)/", re.I)


def _byline(page: _Page, near_headline_only: bool = False) -> str | None:
    scopes = [page.region] if page.region is not None and not near_headline_only else []
    if page.h1 is not None and page.h1.getparent() is not None:
        scopes.insert(0, page.h1.getparent())
    for i, scope in enumerate(scopes):
        found = _byline_block(scope) or _byline_links(scope, by_href=i == 0 and page.h1 is not None)
        if found:
            return found
    return None


_FIGURE_TAGS = frozenset(("figure", "figcaption", "picture"))


def _byline_block(scope: Any) -> str | None:
    for el in scope.iter():
        if not isinstance(el.tag, str) or el.tag in ("meta", "link", "img", "script"):
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _BYLINE_ATTR.search(attrs) or _NOT_BYLINE_ATTR.search(attrs):
            continue
        if _in_boilerplate(el) or any(a.tag in _FIGURE_TAGS for a in el.iterancestors()):
            continue  # a photographer credited in a figure is not the story's author
        text = _text(el)
        if 3 <= len(text) <= 200 and (split_authors(text) or _agencies_only(text)) and not _SOURCE_LABEL.match(text):
            inner = [
                d
                for d in el.iterdescendants()
                if isinstance(d.tag, str) and _BYLINE_ATTR.search(_classes(d)) and split_authors(_text(d))
            ]
            # "<div class=firma><span class=autor>Por A y B</span> Madrid</div>": the one inner byline
            if len(inner) == 1:
                return _text(inner[0])
            # "<div class=bylines><a class=author>A</a><a class=author>B</a></div>": names side by side
            leaves = [d for d in inner if not any(x in inner for x in d.iterdescendants())]
            if len(leaves) > 1 and all(d.tag == "a" or "name" in _classes(d).lower() for d in leaves):
                return ", ".join(dict.fromkeys(_text(d) for d in leaves))
            return text
    return None


def _byline_links(scope: Any, by_href: bool) -> str | None:
    """``rel=author``/``itemprop=author`` elements, or (next to the headline) links to author pages."""
    names = []
    for el in scope.xpath(".//*[@rel='author' or @itemprop='author']"):
        name_el = next((n for n in el.iter() if n.get("itemprop") == "name"), el)
        text = name_el.get("content") if name_el.tag == "meta" else _text(name_el)
        if text and len(text) <= 200 and not _in_boilerplate(el):
            names.append(text)
    if not names and by_href:
        for el in scope.iter("a"):
            text = _text(el)
            if _AUTHOR_HREF.search(el.get("href") or "") and 3 <= len(text) <= 60 and not _in_boilerplate(el):
                names.append(text)
            if len(names) >= 6:
                break
    return ", ".join(dict.fromkeys(names)) or None


_AUTHOR_LABEL = re.compile(
    r"^(?:autor(?:in)?(?:\s*/\s*autor(?:in)?)?|author|auteur|autore|autora|written by|text|texto|texte)\s*:?$",
    re.IGNORECASE,
)
_LABEL_XPATH = etree.XPath("//body//*[self::strong or self::b or self::dt or self::th or self::span][text()]")


def _labelled_author(tree: Any) -> str | None:
    """``<li><strong>Author</strong> Jane Doe</li>``: the name after an author label."""
    for el in _LABEL_XPATH(tree):
        if not _AUTHOR_LABEL.match(_text(el)) or _in_boilerplate(el):
            continue
        following = el.getnext()
        name = clean_text(el.tail) or (_text(following) if following is not None else "")
        if name and len(name) <= 100:
            return name
    return None
