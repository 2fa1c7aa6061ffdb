"""Decoding bytes to text: BOM, declared and meta charsets, a guess, mojibake repair."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from crawler.page.normalize import (
    repair_mojibake,
)

# --------------------------------------------------------------------------------------------------
# Decoding bytes
# --------------------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# WHATWG: these labels mean windows-1252 in browsers
_WHATWG_ALIASES = {"latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "cp1252"}
_COMMON_ENCODINGS = ("utf_8", "cp1252", "iso8859_15", "cp1251", "cp1256", "iso8859_6", "iso8859_2", "cp1250")


def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name.replace("-", "_")
    except LookupError:
        return None
    name = {"iso8859_1": "iso8859_1", "latin1": "iso8859_1"}.get(name, name)
    return _WHATWG_ALIASES.get(name, name)


def decode_html(data: bytes, declared_charset: str | None = None) -> str:
    """Decode an HTML document read from disk or a response body.

    Order: byte-order mark; strict UTF-8 (valid UTF-8 wins over a declared single-byte charset, a common
    lie); the declared charset (HTTP header) then the ``<meta charset>``/XML declaration, with Latin-1 read
    as windows-1252 like browsers do; then windows-1252 if the bytes look like Western European text, else
    charset-normalizer's guess (preferring common web encodings when it hesitates); finally windows-1252
    with replacement characters. Mojibake left in the text
    (UTF-8 that was already double-encoded upstream) is repaired.
    """
    if not data:
        return ""
    if isinstance(data, str):  # tolerate callers that already decoded
        return repair_mojibake(data)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return repair_mojibake(data[len(bom) :].decode(encoding, errors="replace"))
    try:
        return repair_mojibake(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    head = data[:4096]
    meta = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    for label in (declared_charset, meta.group(1) if meta else None):
        encoding = _codec(label)
        if not encoding or encoding.startswith(("utf_8", "utf_16", "utf_32")):
            continue  # UTF-8 already failed; a UTF-16 label on an ASCII-compatible page is a lie
        try:
            return repair_mojibake(data.decode(encoding))
        except (UnicodeDecodeError, LookupError):
            continue
    guessed = _guess(data)
    if guessed is not None:
        return repair_mojibake(guessed)
    return repair_mojibake(data.decode("cp1252", errors="replace"))


_WESTERN_EXTRA = frozenset("’‘“”–—…«»€°•·©®™\xa0")


def _western(data: bytes) -> str | None:
    """The windows-1252 reading of ``data`` if it looks like Western European text: its non-ASCII
    characters are Latin letters or common punctuation, and a minority of the letters (unlike Cyrillic or
    Greek single-byte text read as windows-1252, where nearly every letter is non-ASCII)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    letters = sum(c.isalpha() for c in text)
    non_ascii = [c for c in text if ord(c) > 127]
    if not letters or not non_ascii:
        return None
    latin = sum(("\xc0" <= c <= "\xff" and c not in "×÷") or c in _WESTERN_EXTRA for c in non_ascii)
    if latin >= 0.95 * len(non_ascii) and len(non_ascii) <= 0.3 * letters:
        return text
    return None


def _guess(data: bytes) -> str | None:
    western = _western(data[:200_000])
    if western is not None and len(data) <= 200_000:
        return western
    try:
        results = charset_normalizer.from_bytes(data[:200_000])
    except Exception:  # charset-normalizer on pathological input
        return None
    best = results.best()
    if best is None:
        return None
    for result in results:  # near-ties: prefer an encoding the web actually uses
        if result.encoding in _COMMON_ENCODINGS and result.chaos <= best.chaos + 0.02:
            try:
                return data.decode(result.encoding)
            except UnicodeDecodeError:
                continue
    return str(best)
