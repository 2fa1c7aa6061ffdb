"""Structured data: JSON-LD (with @graph, lists and @id references), meta tags, Microdata, canonical URL."""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crawler.core.urls import absolute, canonicalize, is_site_root
from crawler.page.extract.dom import ARTICLE_TYPES, PAGE_TYPES, _text
from crawler.page.normalize import (
    clean_text,
)

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
