"""Phrase lexicon for liveness, by language (docs/liveness.md §5): not-found pages,
removal notices, and walls (paywall, consent, bot challenge) that must never count as
removal. Matching is done on text normalised by :func:`normalise`, with the patterns of
:func:`phrase_pattern` (used by liveness and by the access extractor).
"""

from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> str:
    """Lowercase, NFKC, typographic apostrophes folded, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return re.sub(r"\s+", " ", text).strip()


def phrase_pattern(*tables: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """One pattern for every phrase of ``tables`` (all languages), longest first, over :func:`normalise`-d text."""
    phrases = sorted({normalise(p) for t in tables for ps in t.values() for p in ps}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in phrases))

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


PAYWALL_PHRASES: dict[str, tuple[str, ...]] = {  # a subscription or registration wall
    "en": (
        "subscribe to continue reading",
        "subscribe to continue",
        "subscribers only",
        "this article is for subscribers",
        "already a subscriber",
        "sign in to continue reading",
        "create a free account to continue",
        "to continue reading, subscribe",
        "become a subscriber to read",
        "unlock this article",
        "this content is for subscribers",
        "register to continue reading",
        "you have reached your limit of free articles",
    ),
    "fr": (
        "abonnez-vous pour lire la suite",
        "réservé aux abonnés",
        "article réservé aux abonnés",
        "déjà abonné",
        "pour lire la suite",
        "cet article est réservé",
        "la suite est réservée aux abonnés",
    ),
    "de": (
        "nur für abonnenten",
        "jetzt weiterlesen mit",
        "weiterlesen mit plus",
        "bereits abonnent",
        "exklusiv für abonnenten",
        "dieser artikel ist nur für abonnenten",
        "lesen sie jetzt weiter mit",
        "jetzt registrieren und weiterlesen",
        "sie haben bereits ein abo",
    ),
    "es": (
        "solo suscriptores",
        "suscríbete para leer",
        "exclusivo para suscriptores",
        "ya soy suscriptor",
        "contenido exclusivo para suscriptores",
        "para seguir leyendo",
    ),
    "it": (
        "riservato agli abbonati",
        "abbonati per continuare a leggere",
        "sei già abbonato",
    ),
    "pt": (
        "assine para ler",
        "apenas assinantes",
        "exclusivo para assinantes",
        "já sou assinante",
    ),
    "ar": (
        "للمشتركين فقط",
        "اشترك للمتابعة",
        "اشترك لمواصلة القراءة",
    ),
}

GATE_PHRASES: dict[str, tuple[str, ...]] = {  # consent, bot-check and geo-block pages: no article behind them
    "en": (
        "we value your privacy",
        "we need your consent",
        "accept all cookies",
        "checking your browser before accessing",
        "verify you are human",
        "enable javascript and cookies to continue",
        "attention required! | cloudflare",
        "just a moment...",
        "access denied",
        "not available in your region",
        "not available in your country",
    ),
    "fr": (
        "nous respectons votre vie privée",
        "accepter et continuer",
        "continuer sans accepter",
        "vérification de votre navigateur",
    ),
    "de": (
        "zustimmen und weiter",
        "wir respektieren ihre privatsphäre",
        "wir brauchen ihre zustimmung",
    ),
    "es": (
        "este contenido no está disponible en tu zona geográfica",
        "aceptar y continuar",
    ),
    "it": (
        "accetta e continua",
    ),
    "pt": (
        "aceitar e continuar",
    ),
}

WALL_MARKUP = (
    "didomi",
    "onetrust",
    "sp_message",
    "qc-cmp2",
    "cf-challenge",
    "cf-browser-verification",
    "challenge-platform",
    "__cf_chl",
    "paywall",
    "piano-offer",
    "tp-modal",
    "subscription-wall",
    "regwall",
)

PAYWALL_RE = phrase_pattern(PAYWALL_PHRASES)  # subscription and registration walls
