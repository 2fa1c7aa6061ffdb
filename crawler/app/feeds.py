"""Atom 1.0 feeds of the removals and of the changed articles, built with ``xml.etree``.

One module for both readers: ``morgue serve`` (``/feeds/removed.atom``, ``/feeds/changed.atom``)
and ``morgue report removed|changed --format atom`` print the same document for the same data.
Entry ids are ``urn:uuid:`` names derived from the article and the event (a removal, a change
to a given version), so a feed reader sees an entry once and a new change as a new entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
GENERATOR = "morgue"

ET.register_namespace("", ATOM_NS)


def _tag(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _urn(*parts: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "morgue:" + "\n".join(parts)).urn


def _when(value: datetime | None) -> str:
    return (value or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(value: datetime | None) -> str:
    return value.astimezone(UTC).date().isoformat() if value else "?"


def _text(parent: ET.Element, name: str, value: str, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, _tag(name), attrs)
    child.text = value
    return child


def _feed(
    kind: str,
    title: str,
    entries: list[dict[str, Any]],
    *,
    now: datetime,
    sources: tuple[str, ...],
    self_url: str | None,
) -> str:
    feed = ET.Element(_tag("feed"))
    scope = ", ".join(sources)
    _text(feed, "id", _urn("feed", kind, *sources))
    _text(feed, "title", f"{title} ({scope})" if scope else title)
    updated = max((e["updated"] for e in entries), default=None) or now
    _text(feed, "updated", _when(updated))
    author = ET.SubElement(feed, _tag("author"))
    _text(author, "name", GENERATOR)
    _text(feed, "generator", GENERATOR)
    if self_url:
        ET.SubElement(feed, _tag("link"), {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    for e in entries:
        entry = ET.SubElement(feed, _tag("entry"))
        _text(entry, "id", e["id"])
        _text(entry, "title", e["title"])
        _text(entry, "updated", _when(e["updated"]))
        ET.SubElement(entry, _tag("link"), {"rel": "alternate", "href": e["link"]})
        if e.get("source"):
            ET.SubElement(entry, _tag("category"), {"term": e["source"]})
        _text(entry, "summary", e["summary"])
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def removed_feed(
    items: Iterable[dict[str, Any]],
    *,
    now: datetime,
    sources: tuple[str, ...] = (),
    self_url: str | None = None,
) -> str:
    """The Atom feed of confirmed removals (``storage.reports.removed_report(...).items``)."""
    entries = []
    for item in items:
        evidence = item.get("evidence") or []
        last = evidence[-1] if evidence else None
        said = ""
        if last:
            status = f"HTTP {last['status']}" if last.get("status") else "no response"
            reasons = ", ".join(last.get("reasons") or []) or last.get("verdict") or ""
            said = f" Last evidence {_day(last.get('fetched_at'))}: {status}, {reasons}."
        entries.append(
            {
                "id": _urn("removed", item["canonical_url"], _when(item.get("removed_at"))),
                "title": f"Removed: {item.get('title') or item['canonical_url']}",
                "updated": item.get("removed_at") or item.get("last_seen_at"),
                "link": item.get("url") or item["canonical_url"],
                "source": item.get("source"),
                "summary": (
                    f"{item.get('source')}: removed {_day(item.get('removed_at'))} "
                    f"({item.get('reason') or 'unknown'}); "
                    f"first seen {_day(item.get('first_seen_at'))}, last seen alive {_day(item.get('last_seen_at'))}."
                    + said
                ),
            }
        )
    return _feed("removed", "morgue: removed articles", entries, now=now, sources=sources, self_url=self_url)


def changed_feed(
    items: Iterable[dict[str, Any]],
    *,
    now: datetime,
    sources: tuple[str, ...] = (),
    self_url: str | None = None,
) -> str:
    """The Atom feed of articles whose headline or text changed (``storage.diffs.changed_articles``)."""
    entries = []
    for item in items:
        parts = []
        if item.get("headline_changed"):
            parts.append(f"headline changed from “{item.get('previous_title') or ''}” to “{item.get('title') or ''}”")
        if item.get("words_added") or item.get("words_removed"):
            parts.append(f"{item.get('words_added', 0)} words added, {item.get('words_removed', 0)} removed")
        if item.get("access_changed"):
            parts.append(f"access {item['access_changed']}")
        parts.append(f"version {item.get('from_version')} to {item.get('to_version')}")
        entries.append(
            {
                "id": _urn(
                    "changed", item["canonical_url"], str(item.get("to_version")), _when(item.get("changed_at"))
                ),
                "title": f"Changed: {item.get('title') or item['canonical_url']}",
                "updated": item.get("changed_at"),
                "link": item.get("url") or item["canonical_url"],
                "source": item.get("source"),
                "summary": f"{item.get('source')}: " + "; ".join(parts) + ".",
            }
        )
    return _feed("changed", "morgue: changed articles", entries, now=now, sources=sources, self_url=self_url)
