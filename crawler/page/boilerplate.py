"""Boilerplate lexicon: recognise page furniture (ads, share bars, newsletter prompts, "read also" links,
cookie banners, skip links, not-found widgets) in FR, EN, DE, ES, AR, with some IT and PT.

Two levels, both pure:

- paragraphs: :func:`is_boilerplate` matches a *whole short paragraph* against the lexicon, never a word
  inside a real sentence ("La publicité en ligne recule" stays); :func:`strip_boilerplate` filters a list.
- containers: :data:`BOILERPLATE_TAGS`, :data:`BOILERPLATE_ROLES` and :func:`is_boilerplate_attr` (class or
  id tokens such as ``ad``, ``ad-slot``, ``newsletter``, ``share``, ``related``, ``lire-aussi``, ``cookie``,
  ``consent``, ``breadcrumb``), also as :data:`BOILERPLATE_XPATH` (EXSLT regex, namespace
  :data:`XPATH_NAMESPACES`) and :data:`BOILERPLATE_CSS` (approximate) for callers that prune a tree.
  "ad" and "pub" only count as whole tokens or dash/underscore parts ("ad", "ad-slot", "c-ad__box"), never
  inside words ("header", "shadow", "publication", "pub-date").
"""

from __future__ import annotations

import re

from crawler.page.normalize import text_key

__all__ = [
    "BOILERPLATE_CSS",
    "BOILERPLATE_PHRASES",
    "BOILERPLATE_ROLES",
    "BOILERPLATE_TAGS",
    "BOILERPLATE_XPATH",
    "XPATH_NAMESPACES",
    "is_boilerplate",
    "is_boilerplate_attr",
    "is_not_found_notice",
    "strip_boilerplate",
]

# Whole paragraphs that are boilerplate, compared with crawler.page.normalize.text_key (accents, case and
# trailing punctuation do not matter).
BOILERPLATE_PHRASES: dict[str, tuple[str, ...]] = {
    "fr": (
        "Accéder au contenu principal", "Aller au contenu", "Aller au contenu principal", "Passer au contenu",
        "Aller au menu", "Aller à la navigation", "Publicité", "Pub", "Contenu sponsorisé", "Sponsorisé",
        "Annonce", "Newsletter", "Newsletters", "Abonnez-vous", "S'abonner", "Je m'abonne", "Se connecter",
        "Partager", "Partager cet article", "Partager sur Facebook", "Partager sur Twitter",
        "Partager sur X", "Partager sur LinkedIn", "Partager sur WhatsApp", "Partager par e-mail",
        "Envoyer par e-mail", "Copier le lien", "Lien copié", "Imprimer", "Réagir", "Commenter",
        "Lire aussi", "À lire aussi", "À lire également", "Lire également", "Lire la suite", "Voir aussi",
        "Sur le même sujet", "Dans la même rubrique", "Sur le même thème", "Les plus lus",
        "Les plus partagés", "À la une", "Vidéo", "Vidéos", "Écouter", "Écouter l'article",
        "Écouter cet article", "Suivez-nous", "Retour en haut", "Haut de page", "Retour à l'accueil",
        "Revenir à l'accueil", "Accueil", "Fermer", "Menu", "Rechercher", "Page non trouvée",
        "Page introuvable", "Erreur 404", "Commentaires", "Accepter", "Tout accepter", "Tout refuser",
        "Accepter et fermer", "Continuer sans accepter", "Paramétrer les cookies", "Gérer mes choix",
        "Publié le", "Mis à jour le", "Chargement", "Chargement en cours", "Contenus sponsorisés",
        "Ailleurs sur le web", "Abonné", "Réservé aux abonnés", "Article réservé aux abonnés",
    ),
    "en": (
        "Skip to main content", "Skip to content", "Skip to navigation", "Jump to navigation",
        "Skip to main navigation", "Jump to content", "Advertisement", "Advertising", "Ad", "Sponsored",
        "Sponsored content", "Paid content", "Promoted", "Newsletter", "Newsletters", "Subscribe",
        "Sign in", "Log in", "Sign up", "Share", "Share this", "Share this article", "Share this story",
        "Share on Facebook", "Share on Twitter", "Share on X", "Share on LinkedIn", "Share via email",
        "Share via Email", "Copy link", "Link copied", "Print", "Email", "Tweet", "Pin it",
        "Read more", "Read also", "Also read", "Related", "Related stories", "Related articles",
        "Related content", "Related coverage", "Related topics", "More stories", "More from",
        "More on this story", "See also", "Recommended", "Recommended for you", "You may also like",
        "You might also like", "Most read", "Most popular", "Most viewed", "Trending", "Top stories",
        "Listen", "Listen to this article", "Follow us", "Back to top", "Back to homepage", "Home", "Close",
        "Menu", "Search", "Page not found", "Not found", "Error 404", "404", "Comments", "View comments",
        "Show comments", "Accept", "Accept all", "Accept all cookies", "Reject all", "Manage preferences",
        "Manage cookies", "Cookie settings", "Cookie policy", "Privacy policy", "Loading", "Watch",
        "Watch video", "Play video", "Continue reading", "Continue reading below", "Story continues below",
        "Article continues below", "Story continues below advertisement",
        "Advertisement - scroll to continue",
        "Scroll to continue with content", "Subscribers only", "Already a subscriber? Sign in",
        "Table of contents", "Contents", "More topics", "Further reading",
    ),
    "de": (
        "Zum Inhalt springen", "Direkt zum Inhalt", "Zum Hauptinhalt springen", "Zum Hauptinhalt",
        "Zur Navigation", "Zur Navigation springen", "Anzeige", "Werbung", "Gesponsert", "Newsletter",
        "Abonnieren", "Jetzt abonnieren", "Anmelden", "Teilen", "Artikel teilen", "Auf Facebook teilen",
        "Auf Twitter teilen", "Auf X teilen", "Per E-Mail teilen", "Per Mail teilen", "Link kopieren",
        "Drucken", "Lesen Sie auch", "Lesen Sie mehr", "Auch interessant", "Mehr zum Thema", "Weiterlesen",
        "Weitere Artikel", "Das könnte Sie auch interessieren", "Meistgelesen", "Meistgelesene Artikel",
        "Artikel anhören", "Anhören", "Folgen Sie uns", "Nach oben", "Zurück zur Startseite", "Startseite",
        "Schließen", "Suche", "Seite nicht gefunden", "Fehler 404", "Kommentare", "Alle akzeptieren",
        "Akzeptieren", "Einstellungen", "Zustimmen", "Alle ablehnen", "Wird geladen", "Mehr erfahren",
        "Zum Artikel", "Video", "Videos", "Nur für Abonnenten", "Weitere Themen", "Mehr Themen",
        "Inhaltsverzeichnis", "Zum Weiterlesen", "Weiterführende Links", "Quellenangaben", "Bild anzeigen",
        "Teilen mit", "Bewerten", "Alle Angaben ohne Gewähr",
    ),
    "es": (
        "Saltar al contenido", "Ir al contenido", "Ir al contenido principal",
        "Saltar al contenido principal",
        "Publicidad", "Anuncio", "Patrocinado", "Contenido patrocinado", "Newsletter", "Boletín",
        "Suscríbete", "Suscribirse", "Iniciar sesión", "Compartir", "Compartir en Facebook",
        "Compartir en Twitter", "Compartir en X", "Compartir en WhatsApp", "Compartir por email",
        "Copiar enlace", "Imprimir", "Lee también", "Lea también", "Leer más", "Ver también",
        "Te puede interesar", "Le puede interesar", "Noticias relacionadas", "Relacionado", "Relacionados",
        "Lo más leído", "Más leídas", "Escuchar", "Escuchar artículo", "Síguenos", "Volver arriba",
        "Volver a la portada", "Portada", "Inicio", "Cerrar", "Buscar", "Página no encontrada", "Error 404",
        "Comentarios", "Aceptar", "Aceptar todo", "Aceptar todas", "Rechazar todo", "Configuración",
        "Cargando", "Exclusivo para suscriptores",
    ),
    "ar": (
        "تخطى إلى المحتوى", "تخط إلى المحتوى", "انتقل إلى المحتوى", "الانتقال إلى المحتوى الرئيسي",
        "إعلان", "اعلان", "محتوى مدفوع", "النشرة الإخبارية", "النشرة البريدية", "اشترك", "اشترك الآن",
        "شارك", "شارك المقال", "مشاركة", "شارك على فيسبوك", "شارك على تويتر", "نسخ الرابط", "طباعة",
        "اقرأ أيضا", "اقرأ أيضاً", "اقرأ المزيد", "اقرأ كذلك", "مواضيع ذات صلة", "أخبار ذات صلة",
        "ذات صلة", "الأكثر قراءة", "الأكثر مشاهدة", "استمع", "استمع للمقال", "تابعونا", "العودة للأعلى",
        "العودة إلى الصفحة الرئيسية", "الرئيسية", "إغلاق", "بحث", "الصفحة غير موجودة",
        "الصفحة المطلوبة غير موجودة",
        "خطأ 404", "التعليقات", "تعليقات", "موافق", "قبول", "قبول الكل", "جاري التحميل",
    ),
    "it": (
        "Vai al contenuto", "Pubblicità", "Condividi", "Leggi anche", "Leggi di più", "Iscriviti",
        "Pagina non trovata",
    ),
    "pt": (
        "Pular para o conteúdo", "Publicidade", "Compartilhar", "Partilhar", "Leia também", "Leia mais",
        "Página não encontrada",
    ),
    "pl": (
        "Czytaj więcej", "Czytaj też", "Czytaj także", "Zobacz też", "Zobacz także", "Przeczytaj także",
        "Reklama", "Udostępnij", "Skomentuj", "Komentarze", "Dowiedz się więcej", "Spis treści",
    ),
    "cs": ("Článek", "Čtěte také", "Přečtěte si také", "Reklama", "Sdílet", "Komentáře"),
}  # fmt: skip

_EXACT = frozenset(text_key(p) for phrases in BOILERPLATE_PHRASES.values() for p in phrases)
_SOCIAL = (
    "facebook twitter x linkedin whatsapp telegram messenger email e-mail mail courriel print imprimer "
    "drucken imprimir pinterest reddit flipboard tumblr xing bluesky threads mastodon instagram youtube "
    "tiktok snapchat copier copy link lien le enlace copiar kopieren partager share teilen compartir شارك "
    "tweet sms rss google news"
)
_SOCIAL_WORDS = frozenset(_SOCIAL.split())
_TRIM = re.compile(r"^[^\w©]+|[\W_]+$")

# Not-found and removal notices: (pattern on text_key(paragraph), maximum key length).
_NOT_FOUND_RULES: tuple[tuple[str, int], ...] = (
    (
        r"^(page (non trouvee|introuvable)|erreur 404|error 404|404( error| not found)?|page not found|"
        r"seite nicht gefunden|pagina no encontrada|الصفحة غير موجودة|الصفحة المطلوبة غير موجودة)\b.{0,40}$",
        80,
    ),
    (
        r"^(oups|oops|desole|sorry|nous sommes desoles|we're sorry|es tut uns leid|lo sentimos|عذرا)?[\s,!.]*"
        r"(le contenu|la page|cet article|ce contenu|the page|the content|this page|this article|"
        r"this content|the article|die (angeforderte |gesuchte )?seite|der (gesuchte )?artikel|"
        r"dieser artikel|dieser inhalt|la pagina|el contenido|este articulo|este contenido|"
        r"الصفحة|المحتوى|هذا المقال)\b"
        r".{0,80}?(n'existe pas|n'existe plus|n'est plus disponible|est introuvable|a ete supprime|"
        r"n'a pas ete trouve|could not be found|can't be found|cannot be found|was not found|"
        r"doesn't exist|does not exist|no longer exists|is no longer available|is not available|"
        r"has been removed|has been deleted|has been taken down|existiert nicht|nicht gefunden|"
        r"nicht mehr verfugbar|wurde entfernt|wurde geloscht|no existe|ya no esta disponible|"
        r"no se ha encontrado|no se encuentra|ha sido eliminad[oa]|غير موجود|غير متوفر|لم يتم العثور|"
        r"تم حذف).{0,50}$",
        250,
    ),
)  # fmt: skip

# (compiled pattern on text_key(paragraph), maximum key length for which it applies)
_PATTERNS: tuple[tuple[re.Pattern[str], int], ...] = tuple(
    (re.compile(rx), limit)
    for rx, limit in (
        *_NOT_FOUND_RULES,
        # "read also" links: labels unambiguous enough to be followed by any headline
        (
            r"^(a lire aussi|lire aussi|a lire egalement|lire egalement|a voir aussi|sur le meme sujet|"
            r"lesen sie auch|lesen sie mehr|lee tambien|lea tambien|te puede interesar|le puede interesar|"
            r"اقرا ايضا|اقرا كذلك|اقرا المزيد|leggi anche|leia tambem)\b.*",
            220,
        ),
        # weaker labels need a separator ("Read more: ...", "Related: ...")
        (
            r"^(read more|read also|also read|related|see also|more|watch|voir aussi|voir|video|"
            r"mehr zum thema|mehr dazu|auch interessant|auch lesen|ver tambien|mas informacion|relacionad[oa]s?|"
            r"czytaj (tez|takze|wiecej)|zobacz (tez|takze)|przeczytaj (tez|takze)|dowiedz sie wiecej|"
            r"ctete take|prectete si take)"
            r"\s*[:>»›|\-–—]\s*.*",
            220,
        ),
        # newsletter / subscription prompts
        (
            r"^(newsletter\s*)?(recevez|inscrivez|abonnez|decouvrez|sign up|subscribe|get (the|our)|join|"
            r"register|enter your email|melden sie|abonnieren|bestellen|jetzt|suscribete|suscribase|recibe|"
            r"registrate|apuntate|اشترك|سجل)\b.*"
            r"(newsletter|lettre d'information|boite (mail|e-mail|de reception)|inbox|e-?mail|posteingang|"
            r"postfach|bandeja|correo|boletin|النشرة|بريدك|البريد).*",
            250,
        ),
        (r"^newsletter\b.{0,120}$", 140),
        (
            r"^(deja abonne|vous etes abonne|already a subscriber|already subscribed|bereits abonnent|"
            r"sie sind bereits|ya eres suscriptor|ya soy suscriptor|cet article est reserve aux abonnes|"
            r"this article is for subscribers|subscribe to (continue|read)|abonnez-vous pour|"
            r"pour lire la suite|to continue reading).*",
            200,
        ),
        # cookie / consent banners
        (
            r"^(we use cookies|this (web)?site uses cookies|nous utilisons des cookies|"
            r"ce site utilise des cookies|wir verwenden cookies|diese (web)?seite verwendet cookies|"
            r"diese website verwendet cookies|"
            r"utilizamos cookies|usamos cookies|este sitio( web)? utiliza cookies|"
            r"نستخدم ملفات تعريف الارتباط|يستخدم هذا الموقع ملفات تعريف الارتباط)\b.*",
            600,
        ),
        (
            r"^(we and our partners|by continuing|by using this|nous et nos partenaires|en poursuivant|"
            r"en continuant|wir und unsere partner|diese website verwendet|nosotros y nuestros socios|"
            r"al continuar|يستخدم هذا الموقع|نستخدم ملفات).*(cookie|traceur|consent|ملفات تعريف).*",
            600,
        ),
        # dateline-only paragraphs ("Publié le : 08/12/2014 - 14:32", "Updated 3 hours ago")
        (
            r"^(publie|mis a jour|modifie|published|updated|posted|last updated|first published|"
            r"veroffentlicht|aktualisiert|stand|publicado|actualizado|نشر|تحديث|اخر تحديث)\b"
            r"[\w\s,:./'()-]{0,60}\d[\w\s,:./'()-]{0,40}$",
            110,
        ),
        # photo credits on their own line
        (
            r"^(©|\(c\)|copyright|photo|photos|credit|credits|credit photo|credits photos?|photo credits?|"
            r"image credits?|image|illustration|foto|fotos|bild|bildquelle|bildnachweis|fotonachweis|titelbild|"
            r"titelfoto|beitragsbild|quelle|fuente|source|صورة|المصدر)\s*:.{0,100}$",
            120,
        ),
        (r"^©.{0,100}$", 100),
        # reading time, comment counters, tag lists, follow prompts
        (
            r"^(temps de lecture|lecture|reading time|lesezeit|lesedauer|tiempo de lectura|مدة القراءة)\s*:?"
            r"\s*\d+.{0,20}$",
            50,
        ),
        (r"^\d+\s*(min|mins|minutes?|minuten)\.?\s*(read|de lecture|lesezeit|lectura)?$", 30),
        (r"^(\d+\s*)?(commentaires?|comments?|kommentare?|comentarios?|تعليقات?|التعليقات)\s*(\(\d+\))?$",
         40),
        (r"^(voir|afficher|lire|show|view|read|load|alle|ver) (les |all |the )?\d*\s*(commentaires|comments)",
         60),
        (
            r"^(tags|mots-cles|mots cles|themes|sujets|topics|schlagworter|schlagworte|themen|etiquetas|"
            r"temas|الكلمات المفتاحية|وسوم)\s*:.{0,300}$",
            320,
        ),
        (r"^(suivez-nous|suivez nous|follow us|folgen sie uns|siguenos|تابعونا)\b.{0,100}$", 120),
        # box headings naming more of the site ("Top-Themen bei ...", "Más sobre ..."), next/previous article
        (
            r"^(top-?themen|top stories|mehr themen|weitere themen|mas sobre|more from|"
            r"vorschau auf den nachsten artikel|nachster artikel|vorheriger artikel|next article|"
            r"previous article|article suivant|article precedent|articulo siguiente|articulo anterior)\b[^.!?]{0,80}$",
            110,
        ),
        # login state shown to the visitor
        (
            r"^(sie sind (aktuell |derzeit |noch )?nicht (eingeloggt|angemeldet)|you are not (logged|signed) in|"
            r"vous n'etes pas connecte|no has iniciado sesion)\b[^.!?]{0,40}$",
            80,
        ),
        # prompts to comment ("Verraten Sie gerne in den Kommentaren: ...", "Let us know in the comments")
        (
            r"^((verraten|schreiben|sagen|erzahlen) sie (uns )?(gerne |es )?(in den|in die) kommentar|"
            r"(let us know|tell us|share your thoughts|sound off) (below |in the comments)|"
            r"dites-(nous|le) (en|dans les) commentaires|cuentanos en los comentarios).{0,200}$",
            240,
        ),
        (
            r"^(partager|share|teilen|compartir|شارك)\s*(sur|on|auf|en|على|via|par|per)\b.{0,80}$",
            100,
        ),
    )
)  # fmt: skip

_NOT_FOUND = _PATTERNS[: len(_NOT_FOUND_RULES)]


def _key(paragraph: str) -> str:
    return _TRIM.sub("", text_key(paragraph))


def is_boilerplate(paragraph: str | None) -> bool:
    """True if the whole paragraph is page furniture: a lexicon entry ("Publicité", "Skip to main content",
    "Lire aussi : <headline>", "NewsletterRecevez toute l'actualité…", a cookie banner, "Page non trouvée",
    a row of share links, a credit line...). Long paragraphs and real sentences that merely mention such a
    word are never boilerplate. Empty paragraphs are."""
    if paragraph and len(paragraph) > 650:
        return False
    key = _key(paragraph or "")
    if not key:
        return True
    if len(key) > 600:
        return False
    if key in _EXACT:
        return True
    words = key.replace("|", " ").split()
    if len(words) <= 12 and all(w in _SOCIAL_WORDS for w in words):
        return True
    return any(len(key) <= limit and rx.match(key) for rx, limit in _PATTERNS)


def is_not_found_notice(paragraph: str | None) -> bool:
    """True if the paragraph is a not-found or removal notice ("Page non trouvée", "This article has been
    removed"). On a long article page it is a widget; on a short page it is evidence of a soft 404."""
    key = _key(paragraph or "")
    return bool(key) and any(len(key) <= limit and rx.match(key) for rx, limit in _NOT_FOUND)


def strip_boilerplate(paragraphs: list[str]) -> list[str]:
    """The paragraphs that are not boilerplate, in order."""
    return [p for p in paragraphs if not is_boilerplate(p)]


# --------------------------------------------------------------------------------------------------
# Containers to drop before extraction
# --------------------------------------------------------------------------------------------------

BOILERPLATE_TAGS = frozenset(
    ("nav", "footer", "form", "button", "dialog", "iframe", "noscript", "script", "style", "template", "svg",
     "select", "input", "textarea")
)  # fmt: skip
BOILERPLATE_ROLES = frozenset(
    ("navigation", "banner", "contentinfo", "dialog", "alertdialog", "search", "menu")
)

# One class token or id, lowercased. A keyword must start the token or follow "-"/"_", and end it or be
# followed by "-"/"_" (or, for a few words, a plural or suffix).
_ATTR_TOKEN = re.compile(
    r"(?:^|[-_])(?:"
    r"ads?|adv|adverts?|advertising|advertisement|adslot|adunit|adsense|adblock|dfp|gpt-ad|"
    r"pub(?!-?(?:date|time|info|lication|lished|lisher))|pubs|publicite|publicidad|werbung|anzeige|"
    r"sponsor(?:ed|s)?|promo|outbrain|taboola|teads|ligatus|"
    r"newsletters?|nl-signup|"
    r"share|shares|sharing|sharebar|sharetools|share-?buttons?|share-?links?|partage|social(?:-?media)?|"
    r"socials|follow-us|"
    r"related|related-?\w+|recommend(?:ed|ations?)?|more-stories|read-also|lire-aussi|lireaussi|"
    r"a-lire(?:-aussi)?|also-read|"
    r"cookies?|cookie-?\w+|consent|gdpr|cmp|didomi|onetrust|"
    r"breadcrumbs?|fil-ariane|ariane|"
    r"comments?|comment-?list|disqus|"
    r"modal|popup|overlay|paywall|skip-?links?|sr-only|visually-hidden|screen-reader-text"
    r")(?:$|[-_])"
)


def is_boilerplate_attr(value: str | None) -> bool:
    """True if a class or id attribute value names a boilerplate container ("ad", "ad-slot", "o-ad",
    "newsletter-box", "share-buttons", "related-articles", "lire-aussi", "cookie-banner", "breadcrumb");
    False for "header", "shadow", "headline", "publication-date", "article__body"."""
    if not value:
        return False
    return any(_ATTR_TOKEN.search(token) for token in value.lower().split())


_XPATH_RX = (
    _ATTR_TOKEN.pattern.replace("(?:^|[-_])", "(^|\\s|[-_])", 1).replace(")(?:$|[-_])", ")($|\\s|[-_])")
)
XPATH_NAMESPACES = {"re": "http://exslt.org/regular-expressions"}
BOILERPLATE_XPATH = (
    "//*[" + " or ".join(f"self::{t}" for t in sorted(BOILERPLATE_TAGS)) + "]"
    " | //*[@role and contains(' " + " ".join(sorted(BOILERPLATE_ROLES)) + " ', concat(' ', @role, ' '))]"
    " | //*[re:test(@class, '" + _XPATH_RX.replace("'", "") + "', 'i')"
    " or re:test(@id, '" + _XPATH_RX.replace("'", "") + "', 'i')]"
)
"""XPath 1.0 + EXSLT equivalent of the container rules; evaluate with ``namespaces=XPATH_NAMESPACES``.
The regex flavour differs slightly from Python's (no lookbehind needed), so :func:`is_boilerplate_attr`
is the reference."""

BOILERPLATE_CSS: tuple[str, ...] = (
    *sorted(BOILERPLATE_TAGS),
    *(f'[role="{r}"]' for r in sorted(BOILERPLATE_ROLES)),
    '[class~="ad"]', '[class~="ads"]', '[id="ad"]', '[class^="ad-"]', '[class*=" ad-"]', '[class*="-ad "]',
    '[class$="-ad"]', '[class*="advert"]', '[id*="advert"]', '[class~="pub"]', '[class*="publicite"]',
    '[class*="sponsor"]', '[class*="newsletter"]', '[id*="newsletter"]', '[class*="share"]',
    '[class*="social"]', '[class*="related"]', '[class*="lire-aussi"]', '[class*="read-also"]',
    '[class*="cookie"]', '[id*="cookie"]', '[class*="consent"]', '[id*="consent"]', '[class*="breadcrumb"]',
    '[class*="outbrain"]', '[class*="taboola"]', '[class*="paywall"]',
)  # fmt: skip
"""CSS approximation of the container rules (``[class*=...]`` cannot express token parts exactly)."""
