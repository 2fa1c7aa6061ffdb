"""Per-source overrides: one CSS or XPath selector per field, validated when the config loads."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import lxml.html
from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.core.items import Author
from crawler.page.boilerplate import BOILERPLATE_ROLES, is_boilerplate_attr
from crawler.page.extract.dates import _Dated, _pick_date
from crawler.page.extract.dom import _CONTEXT_BOILERPLATE_TAGS, _HOME_WORDS, _SKIP_TAGS, LOGGER, _text, _walk_text
from crawler.page.normalize import (
    clean_text,
    split_authors,
    text_key,
)

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
