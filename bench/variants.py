"""Page variants for :mod:`bench.liveness_real`: pure functions, HTML in, HTML out.

The article is located in a real page from the text a hand-checked parser found in it
(:class:`ArticleText`: the headline and the body paragraphs): the headline is the smallest
element outside ``<head>`` whose text is the title, a paragraph the smallest element whose text
holds it (scripts and styles never count). What is left once they are gone is the page's chrome
(navigation, footer, sidebars). Scripts carrying the body text (JSON-LD ``articleBody``, app
state) are part of the article, not of the chrome.

Removal variants: :func:`strip_article` (chrome only: a hard 404's page, an emptied template, a
home page), :func:`soft_404` (chrome + a "not found" message), :func:`removal_notice` (body
replaced by a notice). Controls: :func:`edited`, :func:`notfound_widget`, :func:`paywalled`.
:func:`rehost` moves a page to the URL the bench serves it at. The phrase tables are the bench's
own wording, by language (``""`` is the fallback).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml.html import HtmlElement

SKIP_TAGS = {"script", "style", "noscript", "template", "head", "title", "meta", "link"}
KEY_CHARS = 160  # a paragraph is found by its first KEY_CHARS squashed characters
MIN_SCRIPT_KEY = 24  # a script counts as article text when it holds a paragraph key this long

NOT_FOUND: dict[str, tuple[str, str]] = {  # heading, sentence
    "": ("Page not found", "Sorry, there is nothing at this address. Try our home page or the search."),
    "en": ("Page not found", "Sorry, there is nothing at this address. Try our home page or the search."),
    "de": ("Seite nicht gefunden", "Unter dieser Adresse gibt es leider nichts. Versuchen Sie die Startseite."),
    "fr": ("Page introuvable", "Désolé, il n'y a rien à cette adresse. Essayez la page d'accueil."),
    "es": ("Página no encontrada", "Lo sentimos, no hay nada en esta dirección. Pruebe la portada."),
    "it": ("Pagina non trovata", "Spiacenti, a questo indirizzo non c'è nulla. Prova la home page."),
    "pt": ("Página não encontrada", "Desculpe, não há nada neste endereço."),
    "nl": ("Pagina niet gevonden", "Sorry, op dit adres staat niets."),
    "pl": ("Nie znaleziono strony", "Przepraszamy, pod tym adresem nic nie ma."),
    "cs": ("Stránka nenalezena", "Omlouváme se, na této adrese nic není."),
    "tr": ("Sayfa bulunamadı", "Üzgünüz, bu adreste bir şey yok."),
    "no": ("Fant ikke siden", "Beklager, det finnes ingenting på denne adressen."),
    "nb": ("Fant ikke siden", "Beklager, det finnes ingenting på denne adressen."),
    "id": ("Halaman tidak ditemukan", "Maaf, tidak ada apa pun di alamat ini."),
    "ru": ("Страница не найдена", "К сожалению, по этому адресу ничего нет."),
    "uk": ("Сторінку не знайдено", "На жаль, за цією адресою нічого немає."),
    "vi": ("Không tìm thấy trang", "Rất tiếc, không có gì ở địa chỉ này."),
    "ja": ("ページが見つかりません", "お探しのページは存在しません。"),
    "ko": ("페이지를 찾을 수 없습니다", "요청하신 페이지가 존재하지 않습니다."),
    "zh": ("找不到页面", "抱歉，此地址没有内容。"),
    "hi": ("पृष्ठ नहीं मिला", "क्षमा करें, इस पते पर कुछ नहीं है।"),
    "he": ("הדף לא נמצא", "מצטערים, אין כלום בכתובת הזו."),
}

# removal notices in the bench's own wording (several per language; "" is the fallback)
NOTICES: dict[str, tuple[str, ...]] = {
    "": (
        "We have taken this story down.",
        "This report was withdrawn by our editors and cannot be read here anymore.",
        "The piece you tried to open has been unpublished at the request of the people concerned.",
    ),
    "de": (
        "Wir haben diesen Text zurückgezogen.",
        "Diese Meldung wurde von der Redaktion offline genommen.",
        "Der Text, den Sie aufrufen wollten, ist nicht länger online.",
    ),
    "fr": (
        "Nous avons retiré ce texte de notre site.",
        "Ce reportage a été dépublié par la rédaction.",
        "Le texte que vous cherchez n'est plus en ligne.",
    ),
    "es": (
        "Hemos retirado esta noticia de nuestra web.",
        "La redacción ha despublicado este texto.",
        "La información que busca ya no se encuentra en línea.",
    ),
}

PAYWALL: dict[str, str] = {
    "": "Subscribe to read the rest of this article.",
    "de": "Jetzt abonnieren und weiterlesen.",
    "fr": "Abonnez-vous pour lire la suite.",
    "es": "Suscríbete para seguir leyendo.",
}

UPDATE: dict[str, str] = {
    "": "Update: this story was updated with a statement received after publication.",
    "de": "Aktualisierung: Dieser Text wurde um eine nachträglich eingegangene Stellungnahme ergänzt.",
    "fr": "Mise à jour : ce texte a été complété par une déclaration reçue après publication.",
    "es": "Actualización: este texto se completó con una declaración recibida tras su publicación.",
}


def phrase(table: dict[str, Any], lang: str) -> Any:
    """The entry of ``table`` for ``lang`` (a primary subtag), else the fallback."""
    return table.get(lang, table[""])


@dataclass(frozen=True, slots=True)
class ArticleText:
    """What the expected values say is the article: the headline, the body paragraphs, the section headings."""

    title: str
    paragraphs: tuple[str, ...]
    headings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Located:
    headline: HtmlElement | None
    paragraphs: list[HtmlElement]  # in document order, without duplicates
    headings: list[HtmlElement]  # section headings inside the body
    scripts: list[HtmlElement]  # scripts that carry body text
    missing: int  # paragraphs not found


# -- parsing and locating --------------------------------------------------------------------


QUOTES = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "–": "-", "—": "-"}
)


def squash(text: str) -> str:
    """NFKC, case-folded, quotes and dashes folded, without whitespace: spacing differences vanish."""
    folded = unicodedata.normalize("NFKC", text).translate(QUOTES)
    return re.sub(r"[\s\u00ad\u200b-\u200d\u2060\ufeff]+", "", folded).casefold()


def tokens(text: str) -> set[str]:
    return set(re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold()))


def parse(html: str) -> HtmlElement:
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    return lxml.html.document_fromstring(html)


def serialize(doc: HtmlElement) -> str:
    return "<!DOCTYPE html>\n" + lxml.html.tostring(doc, encoding="unicode")


def _text_elements(doc: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """Every element of the body that can hold article text, with its squashed text."""
    out = []
    for el in doc.iter():
        if not isinstance(el.tag, str) or el.tag in SKIP_TAGS or el.tag in ("html", "body"):
            continue
        if any(a.tag in SKIP_TAGS for a in el.iterancestors()):
            continue
        out.append((el, squash(_visible_text(el))))
    return out


def _visible_text(el: HtmlElement) -> str:
    parts = [el.text or ""]
    for child in el:
        if isinstance(child.tag, str) and child.tag not in ("script", "style", "noscript", "template"):
            parts.append(_visible_text(child))
        parts.append(child.tail or "")
    return " ".join(parts)


def _smallest(elements: list[tuple[HtmlElement, str]], key: str, limit: int) -> HtmlElement | None:
    best: tuple[int, HtmlElement] | None = None
    for el, text in elements:
        if key in text and len(text) <= limit and (best is None or len(text) < best[0]):
            best = (len(text), el)
    return best[1] if best else None


def _find_headline(elements: list[tuple[HtmlElement, str]], title: str) -> HtmlElement | None:
    key = squash(title)
    if not key:
        return None
    headings = [(el, t) for el, t in elements if el.tag in ("h1", "h2") and key in t]
    heading = _smallest(headings, key, 2 * len(key) + 40)
    if heading is None:
        heading = _smallest(elements, key, 2 * len(key) + 40)
    return heading if heading is not None else _closest_h1(elements, title)


def _closest_h1(elements: list[tuple[HtmlElement, str]], title: str) -> HtmlElement | None:
    """The ``<h1>`` sharing most words with ``title`` (a third of them), or the page's only ``<h1>``."""
    want = tokens(title)
    best: tuple[float, HtmlElement] | None = None
    h1s = [el for el, _ in elements if el.tag == "h1"]
    if len(h1s) == 1:
        return h1s[0]
    for el in h1s:
        have = tokens(_visible_text(el))
        score = len(want & have) / len(want | have) if want | have else 0.0
        if score >= 1 / 3 and (best is None or score > best[0]):
            best = (score, el)
    return best[1] if best else None


def locate(doc: HtmlElement, article: ArticleText) -> Located:
    """The headline, body paragraph and body-carrying script elements of ``doc``."""
    elements = _text_elements(doc)
    headline = _find_headline(elements, article.title)
    keys = [squash(p)[:KEY_CHARS] for p in article.paragraphs if squash(p)]
    limit = 2 * sum(len(squash(p)) for p in article.paragraphs) + 400  # a body container, not the page
    found: list[HtmlElement] = []
    missing = 0
    for key in keys:
        el = _smallest(elements, key, limit)
        if el is None:
            missing += 1
        elif el not in found:
            found.append(el)
    order = {el: i for i, el in enumerate(doc.iter())}
    found = [el for el in found if el is not headline and not _inside(el, headline)]
    found.sort(key=lambda el: order[el])
    headings = _find_headings(elements, article.headings, [headline, *found])
    return Located(
        headline, _outermost(found), sorted(headings, key=lambda el: order[el]), _body_scripts(doc, keys), missing
    )


def _find_headings(
    elements: list[tuple[HtmlElement, str]], headings: tuple[str, ...], taken: list[HtmlElement | None]
) -> list[HtmlElement]:
    """The smallest element holding each section heading (and little else), outside what is already found."""
    out: list[HtmlElement] = []
    for heading in headings:
        key = squash(heading)
        el = _smallest(elements, key, 2 * len(key) + 20) if key else None
        if el is not None and el not in out and not any(el is t or _inside(el, t) for t in taken):
            out.append(el)
    return out


def _inside(el: HtmlElement, other: HtmlElement | None) -> bool:
    return other is not None and any(a is other for a in el.iterancestors())


def _outermost(elements: list[HtmlElement]) -> list[HtmlElement]:
    ids = set(map(id, elements))
    return [el for el in elements if not any(id(a) in ids for a in el.iterancestors())]


def _body_scripts(doc: HtmlElement, keys: list[str]) -> list[HtmlElement]:
    long_keys = [k for k in keys if len(k) >= MIN_SCRIPT_KEY]
    out = []
    for script in doc.iter("script"):
        text = squash(_unescape_json(script.text or ""))
        if any(k[:80] in text for k in long_keys):
            out.append(script)
    return out


def _unescape_json(text: str) -> str:
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return text.replace("\\/", "/").replace('\\"', '"')


def _drop_copies(doc: HtmlElement, article: ArticleText, passes: int = 3) -> None:
    """Second copies of the body (a hidden duplicate, text in an attribute) removed too."""
    keys = [k[:80] for k in (squash(p) for p in article.paragraphs) if len(k) >= MIN_SCRIPT_KEY]
    for el in doc.iter():
        for name, value in list(el.attrib.items()) if isinstance(el.tag, str) else ():
            if len(value) > 200 and any(k in squash(_unescape_json(value)) for k in keys):
                del el.attrib[name]
    for _ in range(passes):
        elements = _text_elements(doc)
        copies = [el for key in keys if (el := _smallest(elements, key, 10**9)) is not None]
        copies = [el for el in copies if el.tag not in ("html", "body")]
        if not copies:
            return
        _drop(_outermost(list(dict.fromkeys(copies))))


def _drop(elements: Iterable[HtmlElement | None]) -> None:
    for el in elements:
        if el is not None and el.getparent() is not None:
            el.drop_tree()  # keeps the tail text


def lang_of(html: str) -> str:
    """The primary subtag of ``<html lang>`` (``""`` when absent)."""
    m = re.search(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", html, re.I)
    return m.group(1).lower() if m else ""


# -- variants -----------------------------------------------------------------------------------


def strip_article(html: str, article: ArticleText) -> str:
    """The page's chrome: the headline, the body paragraphs and the scripts carrying them removed."""
    doc = parse(html)
    found = locate(doc, article)
    _drop([found.headline, *found.paragraphs, *found.headings, *found.scripts])
    _drop_copies(doc, article)
    return serialize(doc)


def soft_404(html: str, article: ArticleText, lang: str) -> str:
    """The chrome with a "not found" heading and sentence where the article was; the title says it too."""
    heading, sentence = phrase(NOT_FOUND, lang)
    doc = parse(html)
    found = locate(doc, article)
    box = lxml.html.fragment_fromstring(f'<div class="error-page"><h1>{heading}</h1><p>{sentence}</p></div>')
    _put_where(doc, found, box)
    _drop([found.headline, *found.paragraphs, *found.headings, *found.scripts])
    _drop_copies(doc, article)
    _set_title(doc, heading)
    return serialize(doc)


def removal_notice(html: str, article: ArticleText, notice: str, *, keep_headline: bool) -> str:
    """The body replaced by ``notice`` (one paragraph); the headline stays when ``keep_headline``."""
    doc = parse(html)
    found = locate(doc, article)
    box = lxml.html.fragment_fromstring(f'<p class="notice">{_escape(notice)}</p>')
    if found.paragraphs:
        found.paragraphs[0].addprevious(box)
        box.tail = None
    else:
        _put_where(doc, found, box)
    _drop([*found.paragraphs, *found.headings, *found.scripts, None if keep_headline else found.headline])
    _drop_copies(doc, article)
    return serialize(doc)


def edited(html: str, article: ArticleText, sentence: str) -> str:
    """One body paragraph altered (a sentence appended) and a new paragraph added after the last one."""
    doc = parse(html)
    found = locate(doc, article)
    if not found.paragraphs:
        return serialize(doc)
    target = found.paragraphs[min(1, len(found.paragraphs) - 1)]
    _append_text(target, " " + sentence)
    added = lxml.html.fragment_fromstring(f"<p>{_escape(sentence)}</p>")
    found.paragraphs[-1].addnext(added)
    added.tail = found.paragraphs[-1].tail
    return serialize(doc)


def notfound_widget(html: str, lang: str) -> str:
    """The full page plus a sidebar block whose heading says "page not found"."""
    heading, sentence = phrase(NOT_FOUND, lang)
    doc = parse(html)
    aside = lxml.html.fragment_fromstring(f'<aside class="sidebar widget"><h3>{heading}</h3><p>{sentence}</p></aside>')
    doc.body.append(aside)
    return serialize(doc)


def paywalled(html: str, article: ArticleText, wall: str) -> str:
    """The body cut after its first two paragraphs, a paywall overlay, and JSON-LD ``isAccessibleForFree: false``."""
    doc = parse(html)
    found = locate(doc, article)
    box = lxml.html.fragment_fromstring(f'<div class="paywall">{_escape(wall)}</div>')
    if len(found.paragraphs) >= 2:
        found.paragraphs[1].addnext(box)
    else:
        doc.body.append(box)
    _drop([*found.paragraphs[2:], *_after(doc, found.headings, box), *found.scripts])
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "isAccessibleForFree": False,
    }
    script = lxml.html.fragment_fromstring('<script type="application/ld+json"></script>')
    script.text = json.dumps(ld, ensure_ascii=False)
    doc.head.append(script)
    return serialize(doc)


def rehost(html: str, old_url: str, new_url: str) -> str:
    """The page as if it lived at ``new_url``: its old origin rewritten, rel=canonical and og:url set."""
    old_host = re.match(r"https?://([^/]+)", old_url)
    new_origin = re.match(r"https?://[^/]+", new_url)
    if old_host and new_origin:
        host = re.escape(old_host.group(1))
        html = re.sub(rf"(?:https?:)?//{host}(?=[/\"'?#\s]|$)", new_origin.group(0), html)
    doc = parse(html)
    for link in doc.xpath("//link[@rel='canonical']"):
        link.set("href", new_url)
    for meta in doc.xpath("//meta[@property='og:url']"):
        meta.set("content", new_url)
    return declare_utf8(serialize(doc))


def declare_utf8(html: str) -> str:
    """Charset declarations rewritten to UTF-8 (the bench serves every page as UTF-8)."""
    html = re.sub(r"(<meta[^>]*\bcharset\s*=\s*[\"']?)[\w-]+", r"\1utf-8", html, flags=re.I)
    return html


# -- helpers ----------------------------------------------------------------------------------


def _put_where(doc: HtmlElement, found: Located, box: HtmlElement) -> None:
    anchor = found.headline if found.headline is not None else (found.paragraphs or [None])[0]
    if anchor is not None and anchor.getparent() is not None:
        anchor.addprevious(box)
        box.tail = None
    else:
        doc.body.insert(0, box)


def _after(doc: HtmlElement, elements: list[HtmlElement], anchor: HtmlElement) -> list[HtmlElement]:
    order = {el: i for i, el in enumerate(doc.iter())}
    return [el for el in elements if order.get(el, -1) > order[anchor]]


def _set_title(doc: HtmlElement, text: str) -> None:
    titles = doc.xpath("//head/title")
    if titles:
        titles[0].text = text
    for meta in doc.xpath("//meta[@property='og:title' or @name='twitter:title']"):
        meta.set("content", text)


def _append_text(el: HtmlElement, text: str) -> None:
    if len(el):
        last = el[-1]
        last.tail = (last.tail or "") + text
    else:
        el.text = (el.text or "") + text


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
