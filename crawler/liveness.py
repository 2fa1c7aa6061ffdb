"""Liveness: is the article still at this URL? One verdict per observation, with reasons.

``classify(obs, main_text=...)`` is a pure function of one fetch (requested URL, status,
redirect chain, final URL, headers, body) and of the page's main text as the extractor
saw it. First matching rule wins (docs/liveness.md §6):

====  ==============================================  ==============
rule  condition                                       verdict
====  ==============================================  ==============
net   DNS, timeout, connection or TLS failure         transient
http  408, 429, 5xx                                   transient
http  401, 403, 407, 451                              blocked
http  410 / 404 (and other 4xx)                       gone / not_found
body  2xx with an empty body                          soft_404
redir redirected to the site root                     redirect_home
redir final URL looks like an error page (/404...)    soft_404
redir redirected to a login/subscribe/consent page    blocked
wall  paywall (isAccessibleForFree=false) + short     blocked
text  not-found phrase in title/h1/og:title and       soft_404
      short main text (< 150 words), or in a very
      short main text alone
text  removal notice, same places                     removal_notice
====  ==============================================  ==============

A phrase anywhere else (a footer widget, a sidebar, a long article that quotes it)
means nothing: the RFI seed page carries a "Page non trouvée" block under a full
article and is alive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from crawler.items import LivenessResult, Verdict
from crawler.urls import is_site_root

SHORT_TEXT_WORDS = 150  # main text shorter than this may be a notice, not an article
VERY_SHORT_TEXT_WORDS = 60  # a phrase in main text this short counts even outside title/h1

NOT_FOUND_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "page not found",
        "404 not found",
        "error 404",
        "the page you requested could not be found",
        "this page doesn't exist",
        "this page does not exist",
        "this page cannot be found",
        "page cannot be found",
        "we can't find that page",
        "we couldn't find that page",
        "sorry, the page you requested could not be found",
    ),
    "fr": (
        "page non trouvée",
        "page introuvable",
        "erreur 404",
        "cette page est introuvable",
        "cette page n'existe pas",
        "la page que vous recherchez n'existe pas",
        "la page demandée n'existe pas",
        "contenu introuvable",
        "article introuvable",
    ),
    "de": (
        "seite nicht gefunden",
        "fehler 404",
        "404-fehler",
        "diese seite kann nicht gefunden werden",
        "diese seite existiert nicht",
        "die angeforderte seite existiert nicht",
        "die seite wurde nicht gefunden",
    ),
    "es": (
        "página no encontrada",
        "error 404",
        "no se encuentra esta página",
        "la página que buscas no existe",
        "esta página no existe",
        "no se ha encontrado la página",
    ),
    "it": (
        "pagina non trovata",
        "errore 404",
        "questa pagina non può essere trovata",
        "la pagina che stai cercando non esiste",
        "pagina non esistente",
    ),
    "pt": (
        "página não encontrada",
        "erro 404",
        "esta página não pode ser encontrada",
        "a página que você procura não existe",
        "a página que procura não existe",
    ),
    "ar": (
        "الصفحة غير موجودة",
        "لم يتم العثور على الصفحة",
        "الصفحة التي تبحث عنها غير موجودة",
        "هذه الصفحة غير موجودة",
        "صفحة غير موجودة",
        "خطأ 404",
    ),
}

REMOVAL_PHRASES: dict[str, tuple[str, ...]] = {
    "en": (
        "this article is no longer available",
        "this content is no longer available",
        "this article has been removed",
        "this page has been removed",
        "this page is no longer available",
        "the page you are looking for has been removed",
        "this story has been removed",
        "this article has been deleted",
        "this story is no longer available",
    ),
    "fr": (
        "n'existe pas ou n'est plus disponible",
        "cet article n'est plus disponible",
        "ce contenu n'est plus disponible",
        "cet article n'existe plus",
        "cet article a été retiré",
        "cet article a été supprimé",
        "ce contenu a été supprimé",
        "cette page n'est plus disponible",
    ),
    "de": (
        "dieser beitrag ist nicht mehr verfügbar",
        "der gewünschte beitrag ist nicht mehr verfügbar",
        "der gewünschte beitrag ist leider nicht mehr vorhanden",
        "dieser artikel ist nicht mehr verfügbar",
        "dieser inhalt ist nicht mehr verfügbar",
        "der artikel wurde entfernt",
        "depubliziert",
    ),
    "es": (
        "este artículo ya no está disponible",
        "este contenido ya no está disponible",
        "el contenido ya no está disponible",
        "este artículo ha sido eliminado",
    ),
    "it": (
        "questo articolo non è più disponibile",
        "questo contenuto non è più disponibile",
        "il contenuto non è disponibile",
        "questo articolo è stato rimosso",
    ),
    "pt": (
        "este artigo não está mais disponível",
        "este artigo já não está disponível",
        "este conteúdo não está mais disponível",
        "este conteúdo já não está disponível",
    ),
    "ar": ("هذا المحتوى غير متوفر", "هذا المقال غير متوفر", "المحتوى غير متاح", "تم حذف هذا المقال"),
}

ERROR_URL = re.compile(
    r"(/404(\b|/|\.)|404\.html?|/not-?found|notfound|/error(/|\.|$)|errpage=)", re.IGNORECASE
)
WALL_URL = re.compile(
    r"(^|[./-])(login|signin|sign-in|connexion|subscribe|subscription|abonnement|abonnements|abo|"
    r"consent|privacy-gate|paywall|register|account)([./-]|$)",
    re.IGNORECASE,
)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip()


def _compile(table: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    phrases = sorted({_norm(p) for ps in table.values() for p in ps}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases))


NOT_FOUND_RE = _compile(NOT_FOUND_PHRASES)
REMOVAL_RE = _compile(REMOVAL_PHRASES)


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One fetch of one URL, as the fetcher saw it."""

    url: str  # requested URL
    status: int | None = None  # None when no response arrived
    final_url: str | None = None
    redirect_chain: tuple[str, ...] = ()  # URLs before final_url
    headers: Mapping[str, str] = field(default_factory=dict)  # lowercase names
    html: str | None = None  # decoded body of an HTML response
    body_length: int | None = None  # bytes received
    error: str | None = None  # "dns" | "timeout" | "connection" | "tls" | other failure name


@dataclass(frozen=True, slots=True)
class PageSignals:
    """What liveness reads from a page: the places where a notice counts, and wall markers."""

    title: str = ""
    h1: str = ""
    og_title: str = ""
    not_free: bool = False  # JSON-LD isAccessibleForFree is false


def page_signals(html: str | None) -> PageSignals:
    if not html or not html.strip():
        return PageSignals()
    try:
        doc = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return PageSignals()

    def first(xpath: str) -> str:
        for el in doc.xpath(xpath):
            text = el if isinstance(el, str) else el.text_content()
            if text and text.strip():
                return _norm(text)
        return ""

    not_free = False
    for script in doc.xpath('//script[@type="application/ld+json"]/text()'):
        if re.search(r'"isAccessibleForFree"\s*:\s*("false"|false|"False")', script):
            not_free = True
            break
    return PageSignals(
        title=first("//title"),
        h1=first("//h1"),
        og_title=first('//meta[@property="og:title"]/@content'),
        not_free=not_free,
    )


def classify(obs: Observation, *, main_text: str | None = None) -> LivenessResult:
    """The verdict for one observation; ``main_text`` is the extractor's body text, if any."""
    if obs.status is None:
        return LivenessResult(verdict=Verdict.TRANSIENT, reasons=(f"net:{obs.error or 'unknown'}",))
    status = obs.status
    if status in (408, 429) or status >= 500:
        return LivenessResult(verdict=Verdict.TRANSIENT, reasons=(f"http:{status}",))
    if status in (401, 403, 407, 451):
        return LivenessResult(verdict=Verdict.BLOCKED, reasons=(f"http:{status}",))
    if status == 410:
        return LivenessResult(verdict=Verdict.GONE, reasons=("http:410",))
    if status >= 400:
        return LivenessResult(verdict=Verdict.NOT_FOUND, reasons=(f"http:{status}",))
    if status >= 300:  # a redirect that was not followed (loop cut, max hops, missing Location)
        return LivenessResult(verdict=Verdict.TRANSIENT, reasons=(f"http:{status}-unfollowed",))
    if status == 204 or obs.body_length == 0 or (obs.html is not None and not obs.html.strip()):
        return LivenessResult(verdict=Verdict.SOFT_404, reasons=("body:empty",))

    final = obs.final_url or obs.url
    if obs.redirect_chain:
        if is_site_root(final) and not is_site_root(obs.url):
            return LivenessResult(verdict=Verdict.REDIRECT_HOME, reasons=("redirect:root",))
        if ERROR_URL.search(urlsplit(final).path + "?" + urlsplit(final).query):
            return LivenessResult(verdict=Verdict.SOFT_404, reasons=("redirect:error-url",))
        wall = urlsplit(final)
        if WALL_URL.search(wall.hostname or "") or WALL_URL.search(wall.path):
            return LivenessResult(verdict=Verdict.BLOCKED, reasons=("redirect:wall",))
    if is_site_root(obs.url) or obs.html is None:
        return LivenessResult(
            verdict=Verdict.ALIVE, reasons=("root" if obs.html is not None else "not-html",)
        )

    signals = page_signals(obs.html)
    text = _norm(main_text or "")
    words = len(text.split())
    short = words < SHORT_TEXT_WORDS
    if signals.not_free and short:
        return LivenessResult(verdict=Verdict.BLOCKED, reasons=("paywall:isAccessibleForFree",))
    if short:
        for where, value in (("title", signals.title), ("h1", signals.h1), ("og:title", signals.og_title)):
            if REMOVAL_RE.search(value):
                return LivenessResult(verdict=Verdict.REMOVAL_NOTICE, reasons=(f"phrase:removal:{where}",))
            if NOT_FOUND_RE.search(value):
                return LivenessResult(verdict=Verdict.SOFT_404, reasons=(f"phrase:not-found:{where}",))
    if words < VERY_SHORT_TEXT_WORDS:
        if REMOVAL_RE.search(text):
            return LivenessResult(verdict=Verdict.REMOVAL_NOTICE, reasons=("phrase:removal:short-text",))
        if NOT_FOUND_RE.search(text):
            return LivenessResult(verdict=Verdict.SOFT_404, reasons=("phrase:not-found:short-text",))
    if short and ERROR_URL.search(urlsplit(final).path):
        return LivenessResult(verdict=Verdict.SOFT_404, reasons=("url:error-path",))
    return LivenessResult(verdict=Verdict.ALIVE, reasons=(f"text:{words}-words",))
