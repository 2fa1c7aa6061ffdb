"""Parsing a decoded page once into an lxml tree rooted at <html>, with trafilatura's parser options.

The page pipeline parses once and hands the tree to extraction and to liveness."""


from __future__ import annotations

import re
from typing import Any

import lxml.html
from lxml import etree

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# the options trafilatura parses with, so that handing it our tree changes nothing
_PARSER_OPTIONS: dict[str, Any] = {
    "remove_comments": True, "remove_pis": True, "collect_ids": False, "default_doctype": False
}
_HTML_PARSER = lxml.html.HTMLParser(**_PARSER_OPTIONS)
_UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8", **_PARSER_OPTIONS)


def parse_html(html: str) -> Any:
    """The page as an lxml tree rooted at <html>, parsed once; None when there is nothing to parse."""
    if not html or not isinstance(html, str) or not html.strip():
        return None
    html = _CONTROL_CHARS.sub("", html)
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    try:
        tree = lxml.html.document_fromstring(html, parser=_HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        try:  # e.g. lone surrogates
            tree = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_UTF8_PARSER)
        except (etree.ParserError, etree.XMLSyntaxError, ValueError):
            return None
    if tree is None:
        return None
    return tree if tree.tag == "html" else tree.getroottree().getroot()
