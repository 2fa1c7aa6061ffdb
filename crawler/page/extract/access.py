"""Access: whether the page walls its article off, how, on what evidence, and whether the body
the page carries is the whole article (docs/liveness.md, "Walls").

Evidence, strongest first:

- JSON-LD ``isAccessibleForFree: false`` on the article or its page (``json-ld:isAccessibleForFree``),
  with ``hasPart`` naming the walled part's ``cssSelector`` (``json-ld:hasPart``);
- a wall element: a visible element whose class or id names a wall (``paywall``, ``regwall``,
  ``premium-wall``, ``tp-modal``...) and whose own text says what it is (``wall:element``);
- wall wording right where the article's text stops, the teaser cut (``wall:phrase-after-teaser``).

A subscription mentioned anywhere else (a footer offer, a newsletter box, a hidden template) is
not evidence: free pages carry those too. ``access`` is ``free`` when nothing walls the article.

``body_complete``: a walled page may still hold the whole text (client-side walls hide it with a
script; JSON-LD ``articleBody`` or the ``hasPart`` element carries it). When JSON-LD's
``articleBody`` is clearly longer than the extracted body it becomes the body; when the ``hasPart``
element holds the walled text, it completes the body. Otherwise, where the page shows its wall
(a wall element, wording after the teaser), a body is complete only when it is long
(:data:`COMPLETE_WORDS`); a teaser is not. JSON-LD alone does not make a body a teaser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.page.extract.context import _Page
from crawler.page.extract.dom import _in_boilerplate
from crawler.page.lexicon import PAYWALL_RE, normalise
from crawler.page.normalize import clean_text
from crawler.page.similarity import tokens

FREE, METERED, SUBSCRIPTION, REGISTRATION = "free", "metered", "subscription", "registration"
COMPLETE_WORDS = 350  # a walled page whose body is this long holds the article, not a teaser
WALLED_PART_WORDS = 100  # JSON-LD hasPart's element holding this much text holds the walled part itself
LONGER_LD_BODY = 1.2  # JSON-LD articleBody this much longer than the extracted body replaces it

_WALL_TOKEN = re.compile(
    r"(?:^|[-_\s])(?:pay-?wall|paid-?(?:wall|content)|reg-?wall|registration-?wall|login-?wall|"
    r"subscri(?:ption|ber)s?-?(?:wall|only|gate|overlay)|premium-?(?:wall|barrier|gate|lock|overlay)|"
    r"piano-?(?:offer|paywall|container|inline)|tp-(?:modal|container|iframe-wrapper)|"
    r"meter(?:ed)?-?(?:wall|modal|banner|gate)|(?:article|content)-?(?:locked|lock|gate|wall)|offer-?wall|"
    r"abo-?(?:wall|gate)|plus-?(?:wall|paywall)|locked-?content|hard-?wall|"
    r"access-?wall|wall-?(?:container|overlay|content))(?:$|[-_\s])",
    re.IGNORECASE,
)
_REGISTRATION_WORDS = re.compile(
    r"regist|sign[ -]?(?:in|up)|log[ -]?in|free account|compte gratuit|kostenlos(?:en|es)? (?:konto|registr)|"
    r"anmelden|inscri|cuenta gratuita|account gratuito|créez un compte|create an account",
    re.IGNORECASE,
)
_METERED_WORDS = re.compile(
    r"\bmeter(?:ed)?\b|free (?:articles?|stories) (?:left|remaining)|articles? gratuits? restants?|"
    r"kostenlose artikel|artículos gratuitos|articoli gratuiti|you have \d+ free|il vous reste \d+",
    re.IGNORECASE,
)
# a cheap first pass before the exact pattern above: elements with a class or id (native XPath), then one
# regular expression over both (EXSLT's re:test calls back into Python twice per element: 8x slower)
_NAMED = etree.XPath("//body//*[@class or @id]")
_WALL_STEMS = re.compile(r"wall|meter|piano|tp-|lock|gate|premium|subscri|abo|paid", re.IGNORECASE)


def _wall_candidates(tree: Any) -> list[Any]:
    return [el for el in _NAMED(tree) if _WALL_STEMS.search(f"{el.get('class') or ''} {el.get('id') or ''}")]
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HIDDEN_CLASS = re.compile(r"(?:^|\s)(?:hidden|is-hidden|d-none|hide|visually-hidden|sr-only)(?:\s|$)", re.IGNORECASE)
_WALL_WORDS = re.compile(
    r"subscri|abonn|\babo\b|registr|regist|log ?in|sign ?in|anmeld|einlogg|suscri|assin|abbon|premium|"
    r"weiterlesen|continue reading|lire la suite|seguir leyendo|continua a leggere",
    re.IGNORECASE,
)
WALL_MESSAGE_WORDS = 150  # a "wall" element holding more text than this wraps the article, it is not the wall
def words(text: str | None) -> int:
    """Words, counting each CJK character as one."""
    return len(tokens(text))


@dataclass(frozen=True, slots=True)
class Access:
    access: str = FREE
    evidence: tuple[str, ...] = ()
    body: str | None = None  # the body to store (articleBody when it holds more than the page shows)
    body_complete: bool | None = None

    @property
    def is_paywalled(self) -> bool:
        """A wall keeps part of the article out of this page."""
        return self.access != FREE and self.body_complete is False


def _hidden(el: Any) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag in ("template", "script", "noscript", "style", "head"):
            return True
        if node.get("hidden") is not None or node.get("aria-hidden") == "true":
            return True
        if _HIDDEN_STYLE.search(node.get("style") or "") or _HIDDEN_CLASS.search(node.get("class") or ""):
            return True
    return False


def _wall_elements(tree: Any) -> list[Any]:
    found = []
    for el in _wall_candidates(tree):
        names = f"{el.get('class') or ''} {el.get('id') or ''}"
        if not _WALL_TOKEN.search(names) or _hidden(el) or _in_boilerplate(el):
            continue
        if any(_WALL_TOKEN.search(f"{a.get('class') or ''} {a.get('id') or ''}") for a in el.iterancestors()):
            continue  # the outermost wall element speaks for its children
        found.append(el)
    return found


def _kind(text: str) -> str:
    if _METERED_WORDS.search(text):
        return METERED
    if _REGISTRATION_WORDS.search(text) and not PAYWALL_RE.search(normalise(text)):
        return REGISTRATION
    return SUBSCRIPTION


def _ld_flags(page: _Page) -> tuple[bool | None, list[str]]:
    """JSON-LD's isAccessibleForFree of the article (or its page), and the walled parts' selectors."""
    free: bool | None = None
    selectors: list[str] = []
    for node in (page.ld.article, page.ld.page):
        if node is None:
            continue
        value = node.get("isAccessibleForFree")
        if isinstance(value, str):
            value = {"true": True, "false": False}.get(value.strip().lower())
        if isinstance(value, bool) and free is None:
            free = value
        parts = node.get("hasPart")
        for part in parts if isinstance(parts, list) else [parts]:
            if isinstance(part, dict) and str(part.get("isAccessibleForFree")).lower() == "false":
                free = False if free is None else free
                selector = part.get("cssSelector")
                if isinstance(selector, str) and selector.strip():
                    selectors.append(selector.strip())
    return free, selectors


def _selected_text(tree: Any, selectors: list[str]) -> str:
    """The text of the elements JSON-LD's ``hasPart`` names, one paragraph per block."""
    texts: list[str] = []
    for selector in selectors:
        try:
            matched = CSSSelector(selector)(tree)
        except Exception:  # an invalid selector in the page's JSON-LD
            continue
        for el in matched:
            blocks = [b for b in (clean_text(p.text_content()) for p in el.iter("p", "h2", "h3", "li")) if b]
            texts.extend(blocks or [clean_text(el.text_content()) or ""])
    return "\n\n".join(t for t in texts if t)


def _paragraphs(text: str) -> str | None:
    lines = [clean_text(line) for line in re.split(r"\n+", text)]
    return "\n\n".join(line for line in lines if line) or None


def _completed(body: str | None, walled_part: str) -> str | None:
    """``body`` followed by the walled part's paragraphs it lacks (sentences, not link lists)."""
    have = set((body or "").split("\n\n"))
    extra = [p for p in walled_part.split("\n\n") if p not in have and words(p) >= 8]
    return "\n\n".join([*([body] if body else []), *extra]) or None


def _teaser_cut(page: _Page, body: str | None) -> str | None:
    """Wall wording in the last blocks of the article region (where a teaser stops)."""
    region = page.region if page.region is not None else page.tree
    last: list[Any] = []
    for el in reversed(list(region.iter("p", "div", "span", "a", "button", "h2", "h3"))):
        if len(last) == 12:
            break
        if not _hidden(el):
            last.append(el)
    blocks = [clean_text(el.text_content()) or "" for el in reversed(last)]
    tail = " ".join(b for b in blocks if b and len(b) < 400)
    match = PAYWALL_RE.search(normalise(tail))
    return tail if match else None


def detect_access(page: _Page, body: str | None) -> Access:
    """How the page restricts its article, and the body to store (see the module docstring)."""
    ld_free, selectors = _ld_flags(page)
    evidence: list[str] = []
    wall_text = ""
    if ld_free is False:
        evidence.append("json-ld:isAccessibleForFree=false")
        if selectors:
            evidence.append("json-ld:hasPart")
    for el in _wall_elements(page.tree):
        text = clean_text(el.text_content()) or ""
        if words(text) > WALL_MESSAGE_WORDS or not (words(text) >= 3 or el.find(".//a") is not None):
            continue
        wall_text = f"{wall_text} {text}"
        says_wall = PAYWALL_RE.search(normalise(text)) or (_WALL_WORDS.search(text) and words(body) < COMPLETE_WORDS)
        if "wall:element" not in evidence and (says_wall or ld_free is False):
            evidence.append("wall:element")
    teaser = words(body) < COMPLETE_WORDS  # wording where the text stops says "wall" only under a short text
    cut = _teaser_cut(page, body) if teaser and not evidence and ld_free is not True else None
    if cut:
        evidence.append("wall:phrase-after-teaser")
        wall_text = f"{wall_text} {cut}"
    if not evidence:
        return Access(access=FREE, evidence=("json-ld:isAccessibleForFree=true",) if ld_free else (), body=body,
                      body_complete=True)
    access = _kind(wall_text)
    raw_body = page.ld.article.get("articleBody") if page.ld.article is not None else None
    ld_body = _paragraphs(raw_body) if isinstance(raw_body, str) else None
    if ld_body and words(ld_body) >= 80 and words(ld_body) > LONGER_LD_BODY * words(body):
        return Access(access=access, evidence=(*evidence, "json-ld:articleBody"), body=ld_body, body_complete=True)
    walled_part = _selected_text(page.tree, selectors) if selectors else ""
    if words(walled_part) >= WALLED_PART_WORDS:  # the walled part is in the page (hidden by a script or a style)
        if words(body) < COMPLETE_WORDS:  # the body is the visible teaser: the walled paragraphs complete it
            body = _completed(body, walled_part)
        return Access(access=access, evidence=(*evidence, "dom:walled-part"), body=body, body_complete=True)
    # a teaser only where the page shows the wall; JSON-LD alone says the publisher sells it, not that it is cut
    shown = "wall:element" in evidence or "wall:phrase-after-teaser" in evidence
    return Access(access=access, evidence=tuple(evidence), body=body,
                  body_complete=not shown or words(body) >= COMPLETE_WORDS)
