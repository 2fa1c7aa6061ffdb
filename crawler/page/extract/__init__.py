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

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crawler.core.items import Article
from crawler.core.urls import absolute, canonicalize
from crawler.page.extract.access import Access, detect_access
from crawler.page.extract.authors import _authors
from crawler.page.extract.body import _body, _finish_body, _language
from crawler.page.extract.context import _Page, _pick_h1, _region
from crawler.page.extract.dates import _Dated, _htmldate, _modified, _published
from crawler.page.extract.decoding import decode_html
from crawler.page.extract.dom import _first, _safe
from crawler.page.extract.headline import _alternative_titles, _lead, _title
from crawler.page.extract.images import _images
from crawler.page.extract.overrides import (
    OVERRIDE_FIELDS,
    Override,
    OverrideError,
    _override_authors,
    _override_body_lines,
    _override_date,
    _override_section,
    _override_tags,
    _override_text,
    _usable_overrides,
    compile_overrides,
)
from crawler.page.extract.parse import parse_html
from crawler.page.extract.section import _section, _tags
from crawler.page.extract.structured import (
    _canonical,
    _ld_str,
    _linked_data,
    _LinkedData,
    _meta,
    _meta_index,
    _microdata_publisher,
)
from crawler.page.normalize import language_code

__all__ = [
    "OVERRIDE_FIELDS",
    "Override",
    "OverrideError",
    "compile_overrides",
    "decode_html",
    "extract_article",
    "parse_html",
]


def extract_article(
    html: str,
    *,
    url: str,
    fetched_at: datetime | None = None,
    overrides: Mapping[str, str] | None = None,
    tree: Any = None,
) -> Article:
    """Extract an :class:`Article` from a decoded HTML page.

    ``url`` is the final URL (after redirects); ``fetched_at`` (aware) bounds every date: a date after it
    is rejected, with no tolerance. ``overrides`` maps field names (:data:`OVERRIDE_FIELDS`) to a
    source's selectors (``css:...``, ``xpath:...``, bare = CSS); what an override selects, when not empty,
    wins over the generic value (dates then have the source ``"override"``); an invalid override is
    logged and ignored (validate with :func:`compile_overrides` when loading the config). Never raises;
    returns ``Article(url=url)`` when the input is unusable. ``tree``: ``html`` already parsed with
    :func:`parse_html` (the page pipeline parses once for extraction and liveness); never modified.
    """
    if tree is None:
        tree = _safe(lambda: parse_html(html), None)
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

    site_name = (
        _safe(lambda: _override_text(tree, ov("site_name")), None)
        or _first(
            _meta(meta, "og:site_name", "application-name"),
            _ld_str(ld.resolve(ld.get("publisher"))),
        )
        or _safe(lambda: _microdata_publisher(tree), None)
    )
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
        published = _safe(lambda: _htmldate(tree, url, fetched_at), _Dated())
    modified = _safe(lambda: _override_date(tree, ov("modified_at"), fetched_at), _Dated())
    if modified.at is None:
        modified = _safe(lambda: _modified(page, fetched_at), _Dated())
    authors = _safe(lambda: _override_authors(tree, ov("authors")), ()) or _safe(lambda: _authors(page), ())
    body_lines = _safe(lambda: _override_body_lines(tree, ov("body")), [])
    body = _safe(lambda: _finish_body(body_lines, lead, title, images, authors), None) if body_lines else None
    if body is None:
        body = _safe(lambda: _body(page, lead, title, images, authors), None)
    access = _safe(lambda: detect_access(page, body), Access(body=body))
    body = access.body
    section = _safe(lambda: _override_section(tree, ov("section"), title, site_name), None)
    language = _safe(lambda: language_code(_override_text(tree, ov("language"))), None)

    return Article(
        url=url,
        canonical_url=canonical,
        title=title,
        alternative_titles=_safe(lambda: _alternative_titles(page, title, site_name), ()),
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
        is_paywalled=access.is_paywalled,
        access=access.access,
        access_evidence=access.evidence,
        body_complete=access.body_complete,
    )
