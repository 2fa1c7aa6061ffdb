"""Publication and modification dates: JSON-LD, meta, visible <time> and datelines, htmldate, the URL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from htmldate import find_date
from lxml import etree

from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _DATE_ATTR, _MODIFIED_ATTR, _classes, _in_boilerplate, _text
from crawler.page.extract.structured import _ld_str
from crawler.page.normalize import (
    clean_text,
    in_own_offset,
    local_datetime,
    parse_datetime,
)

_URL_DATE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?:/|$|[-_.])"
    r"|[/_-]((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[/_.-]|$)"
)


@dataclass(slots=True)
class _Dated:
    at: datetime | None = None
    raw: str | None = None
    source: str | None = None


def _pick_date(candidates: Iterator[tuple[str, str | None]], not_after: datetime | None) -> _Dated:
    for source, raw in candidates:
        if not raw:
            continue
        parsed = parse_datetime(raw, not_after=not_after)
        if parsed is not None:
            return _Dated(parsed, clean_text(raw), source)
    return _Dated()


_MODIFIED_LABEL = re.compile(
    r"(?:\bmise?\s+à\s+jour|\bmodifi[ée]e?\s+le|\b(?:last\s+)?updated|\baktualisiert|\bactualizad[oa]|"
    r"\baggiornat[oa]|\bactualizaci[óo]n)\b",
    re.IGNORECASE,
)
# text nodes that may hold a visible "updated" label (XPath contains() is fast; the regex then decides)
_MODIFIED_TEXT_XPATH = etree.XPath(
    ".//text()[contains(., 'à jour') or contains(., 'pdated') or contains(., 'ktualisiert') or "
    "contains(., 'ctualizad') or contains(., 'ggiornat') or contains(., 'odifié') or contains(., 'ctualizaci')]"
)


_TEASER_LINK = etree.XPath("boolean(.//a[@href][string-length(normalize-space(.)) >= 20])")


def _in_teaser(el: Any) -> bool:
    """A date in a list item that also links to a headline: another article's date, in a teaser list."""
    item = el if el.tag == "li" else next(el.iterancestors("li"), None)
    return item is not None and bool(_TEASER_LINK(item))


def _visible_dates(page: _Page, modified: bool) -> Iterator[tuple[str, str | None]]:
    """Dates shown on the page: microdata, ``<time>`` elements (told apart by their classes), then, for
    the publication date, short elements whose class says date; for the modification date, short texts
    with an "updated" label ("Mis à jour le 15/11/2023 à 18h32", "Updated: ...", "Aktualisiert am ...").
    A dateline holding both dates gives each its own part."""
    prop = "dateModified" if modified else "datePublished"
    for el in page.tree.xpath(f"//*[@itemprop='{prop}']"):
        if el.tag != "meta":
            yield "visible", el.get("datetime") or el.get("content") or _text(el)
    for el in page.region.iter("time"):
        attrs = f"{el.get('class') or ''} {el.get('itemprop') or ''} {_classes(el.getparent())}"
        if bool(_MODIFIED_ATTR.search(attrs)) != modified or _in_boilerplate(el) or _in_teaser(el):
            continue
        yield "visible", el.get("datetime") or _text(el)
    if modified:
        yield from _visible_modified_labels(page)
        return
    for el in page.region.iter():
        if not isinstance(el.tag, str) or el.tag in ("time", "meta", "script", "style"):
            continue
        attrs = _classes(el)
        if _DATE_ATTR.search(attrs) and not _MODIFIED_ATTR.search(attrs) and not _in_boilerplate(el):
            if _in_teaser(el):
                continue
            text = _text(el)
            label = _MODIFIED_LABEL.search(text)
            if label is not None:  # "Publié le ... | Mis à jour le ...": the part before the label
                text = text[: label.start()].rstrip(" |,;-–—·•/(")
            if 6 <= len(text) <= 80:
                yield "visible", text


def _visible_modified_labels(page: _Page) -> Iterator[tuple[str, str | None]]:
    seen: set[Any] = set()
    for node in _MODIFIED_TEXT_XPATH(page.region):
        el = node.getparent()
        if el is None:
            continue
        if getattr(node, "is_tail", False) and el.getparent() is not None:
            el = el.getparent()
        if el in seen or not isinstance(el.tag, str) or el.tag in ("script", "style", "title"):
            continue
        seen.add(el)
        text = _text(el)
        label = _MODIFIED_LABEL.search(text)
        if label is None or len(text) > 120 or _in_boilerplate(el):
            continue  # no label, or a sentence of the article that happens to say "updated"
        yield "visible", text[label.start() :].rstrip(" |,;-–—·•/)")


def _published(page: _Page, not_after: datetime | None) -> _Dated:
    def candidates() -> Iterator[tuple[str, str | None]]:
        yield "json-ld", _ld_str(page.ld.get("datePublished"))
        yield "json-ld", _ld_str(page.ld.get("dateCreated"))
        for key in (
            "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
            "publishdate", "publish-date", "pubdate", "date", "dc.date.issued", "dcterms.created", "dc.date",
            "dcterms.date", "sailthru.date", "parsely-pub-date", "article.published",
            "cxenseparse:recs:publishtime",
        ):  # fmt: skip
            for value in page.meta.get(key, ()):
                yield "meta", value
        yield from _visible_dates(page, modified=False)
        match = _URL_DATE.search(page.url)
        if match:
            y, m, d = (g for g in match.groups() if g)
            yield "url", f"{y}-{int(m):02d}-{int(d):02d}"

    dated = _local_reading(page, _pick_date(candidates(), not_after))
    # the printed day only matters for a meta date, a UTC stamp, or no date at all (it costs a walk of the region)
    needed = dated.at is None or dated.source == "meta" or bool(_IN_UTC.search(dated.raw or ""))
    printed = _printed_day(page, not_after) if needed else None
    if printed is not None:
        return _printed_reading(dated, printed)
    return _url_day(page, dated)


# what a date element prints for a reader, not a machine stamp ("2021-10-27T20:35:36+01:00")
_MACHINE_STAMP = re.compile(r"^\s*\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_PRINTED_DATE_ATTR = re.compile(
    r"(?:^|[-_\s])(?:date|dates|datum|fecha|time|timestamp|published|publish|pubdate|dateline)", re.I
)


_CHANGED_LABEL = re.compile(
    r"\b(?:ge[äa]ndert|changed|modified|updated|aktualisiert|mis\s+à\s+jour|actualizado|aggiornato|stand)\b", re.I
)


def _after_changed_label(el: Any) -> bool:
    """The element (or the list it starts) follows a "changed"/"updated" label: the date it holds is not the
    publication date."""
    for _ in range(3):
        previous = el.getprevious()
        if previous is not None:
            return bool(_CHANGED_LABEL.search(_text(previous)[-40:]))
        el = el.getparent()
        if el is None:
            return False
    return False


# elements that may hold a printed date (the regex then decides); XPath selects them faster than a Python walk
_DATE_LIKE_XPATH = etree.XPath(
    ".//*[self::time or @itemprop='datePublished' or contains(@class, 'dat') or contains(@class, 'time') or "
    "contains(@class, 'fecha') or contains(@class, 'publish') or contains(@id, 'dat') or contains(@id, 'time') "
    "or contains(@class, 'Dat') or contains(@class, 'Time') or contains(@class, 'Publish')]"
)


def _printed_day(page: _Page, not_after: datetime | None) -> tuple[date, str] | None:
    """The one publication day the article region prints for its reader (a ``<time>`` element, microdata
    ``datePublished`` or an element whose class says date, with a human-readable text), with that text; None
    when it prints none, or several different days (a list of teasers). Dates inside links are other
    articles' dates, and so are those in navigation or related boxes."""
    days: dict[date, str] = {}
    for el in _DATE_LIKE_XPATH(page.region):
        if el.tag in ("meta", "script", "style", "a"):
            continue
        attrs = f"{el.get('class') or ''} {el.get('id') or ''}"
        if el.get("itemprop") == "datePublished" or el.tag == "time":
            attrs += " date"
        if not _PRINTED_DATE_ATTR.search(attrs) or _MODIFIED_ATTR.search(f"{attrs} {el.get('itemprop') or ''}"):
            continue
        text = _text(el)
        label = _MODIFIED_LABEL.search(text) or _CHANGED_LABEL.search(text)
        if label is not None:
            text = text[: label.start()].rstrip(" |,;-–—·•/(")
        if _after_changed_label(el):
            continue  # "Zuletzt geändert am:" then the date in the next element
        if not 6 <= len(text) <= 80 or _MACHINE_STAMP.match(text) or not re.search(r"\d", text):
            continue
        if any(a.tag == "a" for a in el.iterancestors()) or _in_boilerplate(el) or _in_teaser(el):
            continue
        parsed = parse_datetime(text, not_after=not_after)
        local = local_datetime(text)
        if parsed is None or local is None:
            continue
        days.setdefault(local.date(), text)
    for text in () if days else _labelled_dates(page):  # labels, for pages without date markup
        if parse_datetime(text, not_after=not_after) is not None and (local := local_datetime(text)) is not None:
            days.setdefault(local.date(), text)
    return next(iter(days.items())) if len(days) == 1 else None


_PUBLISHED_LABEL = re.compile(
    r"(?:\b(?:ver[öo]ffentlicht|erschienen|erstellt|publiziert)(?:\s+am)?|\bpublished(?:\s+on)?|\bposted(?:\s+on)?|"
    r"\bpubli[ée]e?\s+le|\bpublicad[oa](?:\s+el|\s+em)?|\bpubblicat[oa](?:\s+il)?|\bdatum|\bdate)\s*:?\s*",
    re.IGNORECASE,
)
# text nodes that may hold a visible publication label (XPath contains() is fast; the regex then decides)
_PUBLISHED_TEXT_XPATH = etree.XPath(
    ".//text()[contains(., 'ffentlicht') or contains(., 'rschienen') or contains(., 'rstellt am') or "
    "contains(., 'ubliziert') or contains(., 'ublished') or contains(., 'osted') or contains(., 'ublié') or "
    "contains(., 'ublicad') or contains(., 'ubblicat') or contains(., 'atum') or contains(., 'ate:')]"
)


_NEXT_FIELD = re.compile(r"\s+[|·•]\s+|\s+[^\W\d_]{3,}:(?:\s|$)")


def _labelled_dates(page: _Page) -> Iterator[str]:
    """Dates printed after a publication label: "Veröffentlicht am 16.08.2019", "Published on March 3, 2020",
    "Datum: 03.02.2022", or the label alone with the date in the next element ("Erschienen am:" then a
    heading "13.10.2021")."""
    seen: set[Any] = set()
    for node in _PUBLISHED_TEXT_XPATH(page.region):
        el = node.getparent()
        if el is None or el in seen or not isinstance(el.tag, str) or el.tag in ("script", "style", "title", "a"):
            continue
        seen.add(el)
        text = _text(el)
        label = _PUBLISHED_LABEL.search(text)
        if label is None or len(text) > 120 or _in_boilerplate(el):
            continue
        after = text[label.end() :].strip()
        if not after:  # the label alone: the date follows it (the element's tail, or the next element)
            following = el.getnext()
            after = clean_text(el.tail or "") or (_text(following) if following is not None else "")
        after = _NEXT_FIELD.split(after)[0]  # "16.08.2019 Dauer: 1 Stunde": up to the next labelled field
        words = after.split()[:6]
        for n in range(len(words), 0, -1):  # the longest leading date
            part = " ".join(words[:n])
            if len(part) >= 6 and re.search(r"\d", part) and local_datetime(part) is not None:
                yield part
                break


_IN_UTC = re.compile(r"(?:\d(?:Z|[+-]00:?00)|\b(?:GMT|UTC))\s*$")


def _printed_reading(dated: _Dated, printed: tuple[date, str]) -> _Dated:
    """The metadata date set against the day the page prints. A stamp in UTC one day off the printed day is
    the same moment in the page's own zone (an evening story in the Americas, a night one in Europe): its
    instant is kept and the printed text becomes its raw value, so the page's own day and, when a time is
    printed, its offset are known. A meta tag's date that the page shows nowhere (a build or cache date, a
    date in another order) gives way to the printed one; a JSON-LD date, more often right, is kept."""
    day, text = printed
    if dated.at is None:
        at = parse_datetime(text)
        return _Dated(at, text, "visible") if at is not None else dated
    own = in_own_offset(dated.at, dated.raw)
    if own is None or own.date() == day:
        return dated
    if _IN_UTC.search(dated.raw or "") and abs((day - own.date()).days) == 1:
        for raw in (text, day.isoformat()):
            local = in_own_offset(dated.at, raw)
            if local is not None and local.date() == day:
                return _Dated(dated.at, raw, dated.source)
    if dated.source == "meta":
        at = parse_datetime(text)
        if at is not None:
            return _Dated(at, text, "visible")
    return dated


def _url_day(page: _Page, dated: _Dated) -> _Dated:
    """A date stated in UTC whose day is one off the day in the URL (an evening story in the Americas, an early
    morning one in Asia) keeps its instant and takes the URL's day as its raw value: the page's own day."""
    stated = local_datetime(dated.raw)
    match = _URL_DATE.search(page.url)
    if dated.at is None or dated.source == "url" or stated is None or stated.tzinfo is None or match is None:
        return dated
    if stated.utcoffset():
        return dated
    y, m, d = (int(g) for g in match.groups() if g)
    try:
        day = date(y, m, d)
    except ValueError:
        return dated
    local = in_own_offset(dated.at, day.isoformat())
    if abs((day - dated.at.date()).days) != 1 or local is None or local.date() != day:
        return dated
    return _Dated(dated.at, day.isoformat(), dated.source)


_NAIVE_STAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d)?$")


def _local_reading(page: _Page, dated: _Dated) -> _Dated:
    """A date stated in UTC ("...Z", "+00:00") keeps its instant but, when the page also gives the same instant
    as a naive local time (a meta value or ``<time datetime>`` such as "2023-11-08 17:49:09" for 01:49:09Z), takes
    that string as its raw value: the page's own offset, hence its own day, is then known."""
    stated = local_datetime(dated.raw)
    if dated.at is None or stated is None or stated.tzinfo is None or stated.utcoffset():
        return dated
    values = [v for vs in page.meta.values() for v in vs if len(v) <= 25]
    values += [el.get("datetime") or "" for el in page.tree.iter("time")]
    for value in values:
        value = value.strip()
        if _NAIVE_STAMP.match(value) and in_own_offset(dated.at, value) is not dated.at:
            local = local_datetime(value)
            if local is not None and local.second == dated.at.second and local.minute % 15 == dated.at.minute % 15:
                return _Dated(dated.at, value, dated.source)
    return dated


_MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "last-modified", "dcterms.modified")


def _modified(page: _Page, not_after: datetime | None) -> _Dated:
    def candidates() -> Iterator[tuple[str, str | None]]:
        yield "json-ld", _ld_str(page.ld.get("dateModified"))
        for key in _MODIFIED_META:
            for value in page.meta.get(key, ()):
                yield "meta", value
        yield from _visible_dates(page, modified=True)

    return _pick_date(candidates(), not_after)


def _htmldate(tree: Any, url: str, not_after: datetime | None) -> _Dated:
    """htmldate's original date with its extensive search (free text, copyright lines excluded), the last
    fallback. A bare 1 January is refused: it is the usual placeholder of a year-only date."""
    found = find_date(
        tree,
        url=url,
        outputformat="%Y-%m-%dT%H:%M:%S%z",
        extensive_search=True,
        original_date=True,
        max_date=not_after.strftime("%Y-%m-%d") if not_after else None,
    )
    if not found:
        return _Dated()
    parsed = parse_datetime(found, not_after=not_after)
    if parsed is None or (parsed.month, parsed.day, parsed.hour, parsed.minute) == (1, 1, 0, 0):
        return _Dated()
    return _Dated(parsed, found, "htmldate")
