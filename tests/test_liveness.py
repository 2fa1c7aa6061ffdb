"""Truth table for the per-fetch liveness verdict (pure function, no I/O)."""

from html import unescape
from pathlib import Path

import pytest

from crawler.core.items import Probe, Verdict
from crawler.page.liveness import Known, Observation, classify

URL = "https://news.example.org/fr/monde/20251103-un-article"
PAYWALL_LD = (
    '<script type="application/ld+json">{"@type":"NewsArticle","isAccessibleForFree": false}</script>'
)
LONG = " ".join(["La coalition a annoncé l'envoi de soldats supplémentaires dans la région."] * 30)


def page(title: str, h1: str = "", body: str = "", extra_head: str = "") -> str:
    return (
        f"<html><head><title>{title}</title>{extra_head}</head>"
        f"<body><nav>Accueil Monde</nav><h1>{h1}</h1><p>{body}</p><footer>© Journal</footer></body></html>"
    )


def obs(
    status: int | None = 200,
    html: str | None = None,
    final: str | None = None,
    chain: tuple[str, ...] = (),
    error: str | None = None,
    url: str = URL,
) -> Observation:
    return Observation(
        url=url,
        status=status,
        final_url=final or url,
        redirect_chain=chain,
        html=html,
        body_length=None if html is None else len(html),
        error=error,
    )


CASES = [
    # (id, observation, main_text, verdict, reason prefix)
    ("404", obs(404, page("Erreur")), None, Verdict.NOT_FOUND, "http:404"),
    ("410", obs(410, ""), None, Verdict.GONE, "http:410"),
    ("400", obs(400, "bad"), None, Verdict.NOT_FOUND, "http:400"),
    ("503", obs(503, "down"), None, Verdict.TRANSIENT, "http:503"),
    ("500", obs(500, "oops"), None, Verdict.TRANSIENT, "http:500"),
    ("429", obs(429, "slow down"), None, Verdict.TRANSIENT, "http:429"),
    ("408", obs(408, ""), None, Verdict.TRANSIENT, "http:408"),
    ("timeout", obs(None, error="timeout"), None, Verdict.TRANSIENT, "net:timeout"),
    ("dns", obs(None, error="dns"), None, Verdict.TRANSIENT, "net:dns"),
    ("refused", obs(None, error="connection"), None, Verdict.TRANSIENT, "net:connection"),
    ("401", obs(401, "login"), None, Verdict.BLOCKED, "http:401"),
    ("403", obs(403, "forbidden"), None, Verdict.BLOCKED, "http:403"),
    ("451", obs(451, "legal"), None, Verdict.BLOCKED, "http:451"),
    ("empty 200", obs(200, "   "), None, Verdict.SOFT_404, "body:empty"),
    ("204", obs(204, ""), None, Verdict.SOFT_404, "body:empty"),
    (
        "redirect home",
        obs(200, page("Accueil", "Journal", LONG), final="https://news.example.org/", chain=(URL,)),
        LONG,
        Verdict.REDIRECT_HOME,
        "redirect:root",
    ),
    (
        "redirect localised home",
        obs(200, page("Accueil"), final="https://news.example.org/fr/", chain=(URL,)),
        LONG,
        Verdict.REDIRECT_HOME,
        "redirect:root",
    ),
    (
        "redirect to error page",
        obs(200, page("Oups"), final="https://news.example.org/404.html", chain=(URL,)),
        "Oups",
        Verdict.SOFT_404,
        "redirect:error-url",
    ),
    (
        "redirect to login",
        obs(200, page("Connexion"), final="https://news.example.org/connexion?next=/x", chain=(URL,)),
        "Connectez-vous",
        Verdict.BLOCKED,
        "redirect:wall",
    ),
    (
        "redirect to subscribe host",
        obs(200, page("Abo"), final="https://abonnement.example.org/offre", chain=(URL,)),
        "Offre",
        Verdict.BLOCKED,
        "redirect:wall",
    ),
    (
        "moved article",
        obs(
            200,
            page("Un article", "Un article", LONG),
            final="https://news.example.org/fr/monde/20251103-un-article-v2",
            chain=(URL,),
        ),
        LONG,
        Verdict.ALIVE,
        "text:",
    ),
    (
        "fr soft-404 (seed wording)",
        obs(
            200,
            page(
                "Page non trouvée - Journal",
                "Page non trouvée",
                "Le contenu auquel vous tentez d'accéder n'existe pas ou n'est plus disponible.",
            ),
        ),
        "Le contenu auquel vous tentez d'accéder n'existe pas ou n'est plus disponible.",
        Verdict.SOFT_404,
        "phrase:not-found:title",
    ),
    (
        "fr notice only in short text",
        obs(200, page("Journal", "", "Cet article n'est plus disponible.")),
        "Cet article n’est plus disponible.",
        Verdict.REMOVAL_NOTICE,
        "phrase:removal:short-text",
    ),
    (
        "en soft-404",
        obs(
            200,
            page(
                "Page not found | Daily",
                "Page not found",
                "Sorry, the page you requested could not be found.",
            ),
        ),
        "Sorry, the page you requested could not be found.",
        Verdict.SOFT_404,
        "phrase:not-found:title",
    ),
    (
        "en removal notice h1",
        obs(200, page("The Daily", "This article has been removed")),
        "This article has been removed by the editors.",
        Verdict.REMOVAL_NOTICE,
        "phrase:removal:h1",
    ),
    (
        "de soft-404",
        obs(200, page("Seite nicht gefunden - Zeitung")),
        "",
        Verdict.SOFT_404,
        "phrase:not-found:title",
    ),
    (
        "es soft-404",
        obs(200, page("Diario", "Página no encontrada")),
        "",
        Verdict.SOFT_404,
        "phrase:not-found:h1",
    ),
    ("it soft-404", obs(200, page("Pagina non trovata")), "", Verdict.SOFT_404, "phrase:not-found:title"),
    ("pt soft-404", obs(200, page("Página não encontrada")), "", Verdict.SOFT_404, "phrase:not-found:title"),
    ("ar soft-404", obs(200, page("الصفحة غير موجودة")), "", Verdict.SOFT_404, "phrase:not-found:title"),
    (
        "og:title notice",
        obs(200, page("Journal", "", "", '<meta property="og:title" content="Page introuvable">')),
        "",
        Verdict.SOFT_404,
        "phrase:not-found:og:title",
    ),
    (
        "long article titled with the phrase",
        obs(
            200,
            page(
                "Page not found: the web's famous error turns 30", "Page not found: the error turns 30", LONG
            ),
        ),
        LONG,
        Verdict.ALIVE,
        "text:",
    ),
    (
        "long article with a notice widget",
        obs(200, page("Irak: la coalition", "Irak: la coalition", LONG + " Page non trouvée")),
        LONG,
        Verdict.ALIVE,
        "text:",
    ),
    (
        "paywall, short text",
        obs(
            200,
            page(
                "Article",
                "Article",
                "Réservé aux abonnés",
                PAYWALL_LD,
            ),
        ),
        "Le début de l'article. Réservé aux abonnés.",
        Verdict.ALIVE,  # a headline and the article's start behind the wall: archived, flagged (issue 16)
        "wall:article-behind",
    ),
    (
        "paywall with no article",
        obs(200, page("Abonnement", "", "Réservé aux abonnés", PAYWALL_LD)),
        "Réservé aux abonnés.",
        Verdict.BLOCKED,
        "wall:isAccessibleForFree",
    ),
    (
        "paywall, full text",
        obs(
            200,
            page(
                "Article",
                "Article",
                LONG,
                PAYWALL_LD,
            ),
        ),
        LONG,
        Verdict.ALIVE,
        "text:",
    ),
    (
        "home page itself",
        obs(200, page("Journal"), url="https://news.example.org/"),
        "",
        Verdict.ALIVE,
        "root",
    ),
    ("binary body", obs(200, None), None, Verdict.ALIVE, "not-html"),
]


@pytest.mark.parametrize(
    ("observation", "main_text", "verdict", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_verdicts(observation: Observation, main_text: str | None, verdict: Verdict, reason: str) -> None:
    result = classify(observation, main_text=main_text)
    assert result.verdict is verdict, result
    assert result.reasons and result.reasons[0].startswith(reason), result


def test_neutral_verdicts_never_count_as_dead() -> None:
    assert not Verdict.TRANSIENT.is_dead and Verdict.TRANSIENT.is_neutral
    assert not Verdict.BLOCKED.is_dead and Verdict.BLOCKED.is_neutral
    assert Verdict.SOFT_404.is_dead and Verdict.REDIRECT_HOME.is_dead and Verdict.GONE.is_dead


def test_seed_page_is_alive() -> None:
    """The RFI seed page: a full article AND a "Page non trouvée" notice block."""
    from crawler.page.extract import extract_article

    html = (Path(__file__).parent / "fixtures" / "pages" / "seed_rfi.html").read_text("utf-8")
    text = unescape(html).replace("’", "'")
    assert "Page non trouvée" in text and "n'existe pas ou n'est plus disponible" in text
    article = extract_article(html, url=URL)
    result = classify(obs(200, html), main_text=article.body)
    assert result.verdict is Verdict.ALIVE, result


ARCHIVED = (
    "Les négociateurs réunis à Nairobi ont adopté un accord sur un fonds destiné aux villes côtières menacées par "
    "la montée des eaux. Le texte prévoit des contributions volontaires des pays industrialisés, une gouvernance "
    "partagée et un premier versement dès l'an prochain. Les délégations africaines ont salué un compromis "
    "historique, tandis que plusieurs ONG dénoncent des montants insuffisants et un calendrier trop flou."
) * 3
OTHER = (
    "Le championnat de football reprend ce week-end après la trêve internationale. L'entraîneur a annoncé le "
    "retour de deux cadres blessés et promet une équipe offensive face au leader invaincu depuis août."
) * 3
PROBE_TEXT = "Accueil Dernières infos Les plus lus Météo Bourse Horoscope Programme TV Jeux Annonces Services"


def known(**kw: object) -> Known:
    return Known(**{"archived_title": "Accord à Nairobi", "archived_text": ARCHIVED, **kw})


KNOWN_CASES = [
    ("identical", obs(200, page("Accord à Nairobi", "Accord à Nairobi", ARCHIVED)), ARCHIVED, known(),
     Verdict.ALIVE, "similarity:1.00"),
    ("edited headline", obs(200, page("Accord historique à Nairobi", "Accord historique à Nairobi", ARCHIVED)),
     ARCHIVED, known(), Verdict.CHANGED, "similarity:1.00"),
    ("edited text", obs(200, page("Accord à Nairobi", "Accord à Nairobi", ARCHIVED + OTHER)), ARCHIVED + OTHER,
     known(), Verdict.CHANGED, "similarity:"),
    ("moved", obs(200, page("Accord à Nairobi", "Accord à Nairobi", ARCHIVED),
                  final="https://news.example.org/fr/climat/20251103-accord-nairobi", chain=(URL,)),
     ARCHIVED, known(), Verdict.MOVED, "redirect:same-text"),
    ("redirect to section", obs(200, page("Monde", "Monde", OTHER), final="https://news.example.org/fr/monde/",
                                chain=(URL,)), OTHER, known(), Verdict.REDIRECT_SECTION, "redirect:section"),
    ("redirect to the probe's sink", obs(200, page("Recherche"), final="https://news.example.org/recherche?q=x",
                                         chain=(URL,)), "Résultats", known(probe=Probe(
        url="https://news.example.org/fr/monde/83920117-kdjqzv", status=200, redirected=True,
        final_url="https://news.example.org/recherche?q=x")), Verdict.REDIRECT_SECTION, "redirect:probe-sink"),
    ("replaced by a short unrelated page", obs(200, page("Domaine à vendre", "Ce domaine est à vendre")),
     "Ce domaine est à vendre. Contactez-nous.", known(), Verdict.REPLACED, "similarity:0.00"),
    ("replaced by another article", obs(200, page("Football: reprise", "Football: la reprise", OTHER)), OTHER,
     known(), Verdict.REPLACED, "similarity:0.00"),
    ("same as a random URL (catch-all)", obs(200, page("Journal - Accueil", "", PROBE_TEXT)), PROBE_TEXT,
     known(probe=Probe(url="https://news.example.org/fr/monde/83920117-kdjqzv", status=200,
                       title="Journal - Accueil", text=PROBE_TEXT)), Verdict.SOFT_404, "probe:same-as-random-url"),
    ("honest probe does not decide", obs(200, page("Accord à Nairobi", "Accord à Nairobi", ARCHIVED)), ARCHIVED,
     known(probe=Probe(url="https://news.example.org/fr/monde/1-x", status=404)), Verdict.ALIVE, "similarity"),
    ("consent wall", obs(200, page("Journal", "Nous respectons votre vie privée", "",
                                   '<script src="https://sdk.privacy-center.org/didomi.js"></script>')),
     "Nous respectons votre vie privée. Accepter et continuer.", known(), Verdict.BLOCKED, "wall:"),
    ("bot challenge", obs(200, page("Just a moment...", "Checking your browser before accessing")),
     "Checking your browser before accessing news.example.org", known(), Verdict.BLOCKED, "wall:phrase"),
    ("304 not modified", obs(304, ""), None, known(), Verdict.ALIVE, "http:304"),
    ("nxdomain", obs(None, error="nxdomain"), None, known(), Verdict.DOMAIN_GONE, "net:nxdomain"),
    ("servfail", obs(None, error="dns"), None, known(), Verdict.TRANSIENT, "net:dns"),
]


@pytest.mark.parametrize(("observation", "main_text", "context", "verdict", "reason"),
                         [c[1:] for c in KNOWN_CASES], ids=[c[0] for c in KNOWN_CASES])
def test_verdicts_with_what_the_archive_knows(observation: Observation, main_text: str | None, context: Known,
                                              verdict: Verdict, reason: str) -> None:
    result = classify(observation, main_text=main_text, known=context)
    assert result.verdict is verdict, result
    assert result.reasons[0].startswith(reason), result


def test_a_redirect_into_a_sink_is_a_section_redirect() -> None:
    sink = "https://news.example.org/fr/monde/2019/contenus-archives"  # deeper than the article: not a section
    observation = obs(200, page("Recherche", "Résultats"), final=sink, chain=(URL,))
    result = classify(observation, main_text="Résultats de recherche", known=known(sinks=frozenset({sink})))
    assert (result.verdict, result.reasons) == (Verdict.REDIRECT_SECTION, ("redirect:sink",))
    assert classify(observation, main_text="Résultats de recherche", known=known()).verdict is not (
        Verdict.REDIRECT_SECTION
    )
