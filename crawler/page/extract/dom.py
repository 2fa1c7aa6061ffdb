"""Small lxml tree helpers shared by the field extractors: visible text, boilerplate context."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree

from crawler.page.boilerplate import BOILERPLATE_ROLES, is_boilerplate_attr
from crawler.page.normalize import (
    clean_text,
    text_key,
)

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")

ARTICLE_TYPES = frozenset(
    (
        "NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "OpinionNewsArticle",
        "BackgroundNewsArticle", "ReviewNewsArticle", "AskPublicNewsArticle", "BlogPosting",
        "LiveBlogPosting", "Report", "SatiricalArticle", "TechArticle", "ScholarlyArticle",
        "SocialMediaPosting",
    )
)  # fmt: skip
PAGE_TYPES = frozenset(("WebPage", "ItemPage", "AboutPage", "CollectionPage"))

# --------------------------------------------------------------------------------------------------
# Small tree helpers
# --------------------------------------------------------------------------------------------------

_BLOCK_TAG_NAMES = (
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header hr "
    "li main nav ol p pre section table td th tr ul"
)
_BLOCK_TAGS = frozenset(_BLOCK_TAG_NAMES.split())
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "svg", "button"))
_REGION_TAGS = frozenset(("article", "main", "body", "html"))
_CONTEXT_BOILERPLATE_TAGS = frozenset(("nav", "footer", "aside", "form", "dialog"))
_CREDIT_ATTR = re.compile(
    r"credit|copyright|source|author|autor|photographer|fotograf|byline|signature|rights|urheber", re.I
)
_CAPTION_ATTR = re.compile(r"(^|[-_\s])(caption|legende|légende|legend|leyenda|didascalia|bildunterschrift)", re.I)
_LEAD_ATTR = re.compile(
    r"(?:^|[-_])(?:chapo|chapeau|chap|standfirst|lead|lede|leadtext|intro|introduction|summary|dek|deck|"
    r"teaser|teasertext|description|subtitle|subheadline|sub-?headline|excerpt|sapo|entradilla|bajada|"
    r"sumario|vorspann|abstract|strapline|synopsis|heading-?sub)(?:$|[-_])",
    re.IGNORECASE,
)
_BYLINE_ATTR = re.compile(r"byline|author|auteur|autor|signature|writer|firma|verfasser", re.IGNORECASE)
_DATE_ATTR = re.compile(r"(?:^|[-_\s])(?:date|dates|time|timestamp|published|publish|pubdate|dateline)", re.I)
_MODIFIED_ATTR = re.compile(r"modif|update|updated|mise-a-jour|maj|aktualisiert|actualiz", re.IGNORECASE)
_HOME_WORDS = frozenset(
    text_key(w)
    for w in ("Accueil", "Home", "Homepage", "Home page", "Startseite", "Inicio", "Portada", "الرئيسية",
              "Página inicial", "Hauptseite", "La une", "Une", "Front page", "News", "Actualités")
)  # fmt: skip


def _classes(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _walk_text(el: Any, skip: Callable[[Any, str], bool], block: str) -> str:
    """The text under ``el`` with ``block`` at block and ``<br>`` boundaries, leaving out the subtrees
    for which ``skip(node, tag)`` is true."""
    parts: list[str] = []
    skip_depth = 0
    for event, node in etree.iterwalk(el, events=("start", "end")):
        tag = node.tag if isinstance(node.tag, str) else ""
        skipped = skip(node, tag)
        if event == "start":
            if skipped:
                skip_depth += 1
            if skip_depth == 0:
                if tag in _BLOCK_TAGS:
                    parts.append(block)
                if node.text and tag:
                    parts.append(node.text)
        else:
            if skipped:
                skip_depth -= 1
            if skip_depth == 0:
                if tag in _BLOCK_TAGS:
                    parts.append(block)
                if node is not el and node.tail:
                    parts.append(node.tail)
    return "".join(parts)


def _text(el: Any, exclude: tuple[Any, ...] = ()) -> str:
    """Visible text of an element with spaces at block and ``<br>`` boundaries, leaving out the subtrees
    in ``exclude``; '' for non-elements."""
    if el is None or not isinstance(el.tag, str):
        return ""

    def skip(node: Any, tag: str) -> bool:
        return tag in _SKIP_TAGS or (bool(exclude) and any(node is x for x in exclude))

    return clean_text(_walk_text(el, skip, " ")) or ""


def _in_boilerplate(el: Any) -> bool:
    """True if an ancestor below the article/main/body region is navigation, aside, related, share..."""
    node = el.getparent()
    while node is not None and node.tag not in _REGION_TAGS:
        if node.tag in _CONTEXT_BOILERPLATE_TAGS or (node.get("role") or "") in BOILERPLATE_ROLES:
            return True
        if is_boilerplate_attr(node.get("class")) or is_boilerplate_attr(node.get("id")):
            return True
        node = node.getparent()
    return False


def _first(*values: T | None) -> T | None:
    for value in values:
        if value:
            return value
    return None


def _safe(fn: Callable[[], T], default: T) -> T:
    """Run one extraction step; a failure costs that field, never the article."""
    try:
        return fn()
    except Exception:  # broad on purpose: extraction must never raise
        LOGGER.debug("extraction step %s failed", getattr(fn, "__name__", fn), exc_info=True)
        return default
