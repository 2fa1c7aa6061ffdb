"""Truth tables for crawler.page.normalize (text, dates, languages, bylines) and crawler.page.boilerplate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from crawler.page.boilerplate import (
    BOILERPLATE_CSS,
    BOILERPLATE_PHRASES,
    BOILERPLATE_XPATH,
    XPATH_NAMESPACES,
    is_boilerplate,
    is_boilerplate_attr,
    is_not_found_notice,
    strip_boilerplate,
)
from crawler.page.normalize import (
    clean_body,
    clean_text,
    language_code,
    parse_datetime,
    repair_mojibake,
    split_authors,
    text_key,
)

NBSP = "\u00a0"

# --------------------------------------------------------------------------------------------------
# clean_text / clean_body / repair_mojibake / text_key
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        (" \n\t ", None),
        ("  Irak :  la   coalition \n envoie ", "Irak : la coalition envoie"),
        ("e\u0301te\u0301", "été"),  # NFC
        ("zero\u200bwidth\u2060joiner\ufeff", "zerowidthjoiner"),
        ("soft\u00adhyphen", "softhyphen"),
        ("\u200fمرحبا\u200e \u202bبكم\u202c", "مرحبا بكم"),  # bidi controls
        ("ZWNJ kept: می\u200cخواهم", "ZWNJ kept: می\u200cخواهم"),
        (f"«{NBSP}ont{NBSP}»", f"«{NBSP}ont{NBSP}»"),
        ("« ont\u202f» 1\u202f500 soldats\u2009!", f"« ont{NBSP}» 1{NBSP}500 soldats{NBSP}!"),  # one form
        (f"a{NBSP}{NBSP}b", f"a{NBSP}b"),
        (f"a {NBSP} b", "a b"),  # a run with a breaking space breaks
        ("l’annonce « test »", "l’annonce « test »"),  # typography kept
        ("Ã©tÃ© Ã\u00a0 Paris", "été à Paris"),  # mojibake repaired before whitespace handling
        ("Lâ€™annonce a Ã©tÃ© faite", "L’annonce a été faite"),
        ("ctrl\x00chars\x07here", "ctrl chars here"),
    ],
)
def test_clean_text(raw: str | None, expected: str | None) -> None:
    assert clean_text(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("\n\n \n", None),
        ("Un.\nDeux.", "Un.\n\nDeux."),
        ("  Un  premier.\n\n\n\n Deux\tsecond. \r\nTrois.\n", "Un premier.\n\nDeux second.\n\nTrois."),
        ("Seul paragraphe", "Seul paragraphe"),
    ],
)
def test_clean_body(raw: str | None, expected: str | None) -> None:
    assert clean_body(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ã©tÃ©", "été"),
        ("Ã‰lysÃ©e", "Élysée"),
        ("â€œquotedâ€\u009d", "“quoted”"),  # Latin-1 decoding leaves C1 characters
        ("Lâ€™Ã©tÃ© â€“ 5 â‚¬", "L’été – 5 €"),
        ("ÃƒÂ©tÃƒÂ©", "été"),  # encoded twice
        ("Ù…Ø±Ø­Ø¨Ø§", "مرحبا"),
        ("ÐŸÑ€Ð¸Ð²ÐµÑ‚", "Привет"),
        ("ðŸ˜€ ok", "😀 ok"),
        ("\x92quoted\x92", "’quoted’"),
        # legitimate text is left alone
        ("„Fuß“", "„Fuß“"),
        ("café…\u00a0»", "café…\u00a0»"),
        ("SÃO PAULO", "SÃO PAULO"),
        ("voilÃ  tout", "voilÃ  tout"),  # no other evidence of mojibake
        ("Ô» et É«", "Ô» et É«"),
        ("déjà vu, naïve façade", "déjà vu, naïve façade"),
    ],
)
def test_repair_mojibake(raw: str, expected: str) -> None:
    assert repair_mojibake(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ""),
        ("  À  LIRE\u00a0aussi ", "a lire aussi"),
        ("L’actualité", "l'actualite"),
        ("اقرأ أيضاً", "اقرا ايضا"),
        ("Straße", "strasse"),
    ],
)
def test_text_key(raw: str | None, expected: str) -> None:
    assert text_key(raw) == expected


# --------------------------------------------------------------------------------------------------
# parse_datetime
# --------------------------------------------------------------------------------------------------


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2014-12-08T14:32:00+01:00", utc(2014, 12, 8, 13, 32)),
        ("2014-12-08T14:32:00Z", utc(2014, 12, 8, 14, 32)),
        ("2014-12-08T14:32:00.123Z", utc(2014, 12, 8, 14, 32, 0, 123000)),
        ("2014-12-08T14:32:00+0100", utc(2014, 12, 8, 13, 32)),
        ("2014-12-08T14:32:00 +0100", utc(2014, 12, 8, 13, 32)),
        ("2014-12-08 14:32", utc(2014, 12, 8, 14, 32)),
        ("2014-12-08", utc(2014, 12, 8)),
        ("20141208T143200Z", utc(2014, 12, 8, 14, 32)),
        ("2014/12/08 14h32", utc(2014, 12, 8, 14, 32)),
        ("2014-12-08 14:32 UTC", utc(2014, 12, 8, 14, 32)),
        ("Mon, 08 Dec 2014 14:32:00 GMT", utc(2014, 12, 8, 14, 32)),
        ("Mon, 08 Dec 2014 14:32:00 +0100", utc(2014, 12, 8, 13, 32)),
        ("08 Dec 2014 14:32:00 -0500", utc(2014, 12, 8, 19, 32)),
        ("Publié le : 08/12/2014 - 14:32", utc(2014, 12, 8, 14, 32)),
        ("Mis à jour le 08/12/2014 à 18h05", utc(2014, 12, 8, 18, 5)),
        ("08.12.2014, 14:32 Uhr", utc(2014, 12, 8, 14, 32)),
        ("8 décembre 2014 à 14h32", utc(2014, 12, 8, 14, 32)),
        ("le 1er décembre 2014", utc(2014, 12, 1)),
        ("mar. 9 déc. 2014 10:00", utc(2014, 12, 9, 10, 0)),
        ("December 8, 2014 2:32 pm", utc(2014, 12, 8, 14, 32)),
        ("Updated: Dec. 8, 2014 at 2:32 p.m. EST", utc(2014, 12, 8, 19, 32)),
        ("8. Dezember 2014", utc(2014, 12, 8)),
        ("8 de diciembre de 2014", utc(2014, 12, 8)),
        ("25/12/2014", utc(2014, 12, 25)),  # unambiguous day first
        ("1418049120", utc(2014, 12, 8, 14, 32)),
        ("1418049120000", utc(2014, 12, 8, 14, 32)),
        # rejected
        (None, None),
        ("", None),
        ("garbage", None),
        ("2014-13-45", None),
        ("0001-01-01T00:00:00Z", None),
        ("1970-01-01T00:00:00Z", None),
        ("il y a 3 heures", None),
    ],
)
def test_parse_datetime(raw: str | None, expected: datetime | None) -> None:
    parsed = parse_datetime(raw)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


@pytest.mark.parametrize(
    ("raw", "dayfirst", "expected"),
    [
        ("03/04/2015", True, utc(2015, 4, 3)),
        ("03/04/2015", False, utc(2015, 3, 4)),
        ("13/04/2015", False, utc(2015, 4, 13)),
    ],
)
def test_parse_datetime_dayfirst(raw: str, dayfirst: bool, expected: datetime) -> None:
    assert parse_datetime(raw, dayfirst=dayfirst) == expected


def test_parse_datetime_naive_values_use_default_tz() -> None:
    paris = ZoneInfo("Europe/Paris")
    assert parse_datetime("2014-12-08 14:32", default_tz=paris) == utc(2014, 12, 8, 13, 32)
    assert parse_datetime("2014-07-08 14:32", default_tz=paris) == utc(2014, 7, 8, 12, 32)  # summer time
    new_york_winter = timezone(timedelta(hours=-5))
    assert parse_datetime("2014-12-08 14:32", default_tz=new_york_winter) == utc(2014, 12, 8, 19, 32)
    assert parse_datetime("2014-12-08T14:32:00+00:00", default_tz=paris) == utc(2014, 12, 8, 14, 32)


@pytest.mark.parametrize(
    ("raw", "not_after", "expected"),
    [
        ("2014-12-08T14:32:00Z", utc(2014, 12, 8, 14, 32), utc(2014, 12, 8, 14, 32)),  # equal is fine
        ("2014-12-08T14:32:01Z", utc(2014, 12, 8, 14, 32), None),  # one second later is not
        ("2014-12-09", utc(2014, 12, 8, 23, 0), None),  # no one-day tolerance
        ("2014-12-08T15:32:00+01:00", utc(2014, 12, 8, 14, 32), utc(2014, 12, 8, 14, 32)),
        ("2014-12-08T14:32:00Z", datetime(2014, 12, 8, 14, 0), None),  # naive bound taken as UTC
    ],
)
def test_parse_datetime_not_after(raw: str, not_after: datetime, expected: datetime | None) -> None:
    assert parse_datetime(raw, not_after=not_after) == expected


# --------------------------------------------------------------------------------------------------
# language_code
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("fr", "fr"),
        ("fr-FR", "fr"),
        ("en_US", "en"),
        ("EN-gb", "en"),
        ("ar", "ar"),
        ("zh-Hans-CN", "zh"),
        ("de-DE@euro", "de"),
        ("fra", "fr"),
        ("deu", "de"),
        ("spa", "es"),
        ("iw", "he"),
        ("French", "fr"),
        ("Español", "es"),
        (" fr ", "fr"),
        (None, None),
        ("", None),
        ("x-default", None),
        ("zz", None),
        ("klingon", None),
        ("und", None),
    ],
)
def test_language_code(raw: str | None, expected: str | None) -> None:
    assert language_code(raw) == expected


# --------------------------------------------------------------------------------------------------
# split_authors
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Par Claire Dubois et Marc Lefèvre", ["Claire Dubois", "Marc Lefèvre"]),
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("BY JANE DOE AND JOHN ROE", ["Jane Doe", "John Roe"]),
        ("Von Anna Schmidt und Peter Weber", ["Anna Schmidt", "Peter Weber"]),
        ("Por Ana y Luis", ["Ana", "Luis"]),
        ("di Mario Rossi e Luca Bianchi", ["Mario Rossi", "Luca Bianchi"]),
        ("بقلم محمد علي و أحمد حسن", ["محمد علي", "أحمد حسن"]),
        ("Par JANE DOE | AFP", ["Jane Doe"]),
        ("Claire Dubois avec AFP", ["Claire Dubois"]),
        ("Claire Dubois (avec AFP)", ["Claire Dubois"]),
        ("By Jane Doe, with Reuters", ["Jane Doe"]),
        ("Von Anna Schmidt, dpa", ["Anna Schmidt"]),
        ("Por Ana García (EFE)", ["Ana García"]),
        ("Marc Lefèvre, Correspondant à Paris", ["Marc Lefèvre"]),
        ("Marc Lefèvre, correspondante à Bruxelles", ["Marc Lefèvre"]),
        ("Par notre envoyée spéciale à Kiev, Anne Martin", ["Anne Martin"]),
        ("Lina Sinjab in Beirut", ["Lina Sinjab"]),
        ("Jane Doe, John Roe and Mark Poe", ["Jane Doe", "John Roe", "Mark Poe"]),
        ("Jane Doe - Staff Writer", ["Jane Doe"]),
        ("By JEAN DE LA FONTAINE", ["Jean de la Fontaine"]),
        ("Claire DUBOIS", ["Claire Dubois"]),
        ("JEAN-PIERRE DURAND", ["Jean-Pierre Durand"]),
        ("By John E. Smith", ["John E. Smith"]),
        ("Par Claire Dubois Publié le 08/12/2014 à 14:32", ["Claire Dubois"]),
        ("By Jane Doe (@janedoe) jane.doe@example.com", ["Jane Doe"]),
        ("Jane Doe; Jane Doe", ["Jane Doe"]),
        ("Par RFI", ["RFI"]),  # the outlet, not an agency, and not title-cased
        # nothing left
        ("AFP", []),
        ("AFP/Reuters", []),
        ("Agences", []),
        ("Par la rédaction", []),
        ("Correspondant à Paris", []),
        ("Staff", []),
        ("", []),
        (None, []),
    ],
)
def test_split_authors(raw: str | None, expected: list[str]) -> None:
    assert split_authors(raw) == expected


# --------------------------------------------------------------------------------------------------
# boilerplate
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "paragraph",
    [
        # skip links
        "Accéder au contenu principal",
        "Skip to main content",
        "Zum Inhalt springen",
        "Saltar al contenido",
        "تخطى إلى المحتوى",
        # ads
        "Publicité",
        "PUBLICITÉ",
        "Advertisement",
        "Anzeige",
        "Publicidad",
        "إعلان",
        "Story continues below advertisement",
        # newsletters
        "Newsletter",
        "NewsletterRecevez toute l'actualité internationale directement dans votre boite mail",
        "Recevez toute l’actualité africaine chaque matin dans votre boîte mail",
        "Abonnez-vous à notre newsletter",
        "Sign up for our newsletter to get the day's top stories delivered to your inbox.",
        "Melden Sie sich für unseren Newsletter an",
        "Suscríbete a nuestra newsletter",
        # share bars
        "Partager",
        "Partager :",
        "Share this article",
        "Teilen",
        "Compartir",
        "Facebook Twitter Email",
        "Share on WhatsApp",
        # read also
        "Lire aussi",
        "À lire aussi : Irak, la bataille de Mossoul",
        "Lire aussi : Coup d’État au Niger : ce que l’on sait",
        "Related stories",
        "Read more: How the war began",
        "Lesen Sie auch: Die Lage in Berlin",
        "Lee también: El conflicto en Oriente Medio",
        "اقرأ أيضا: الحكومة تعلن خطة لدعم المزارعين",
        "اقرأ أيضاً",
        # cookies and consent
        "We use cookies to improve your experience. By continuing you accept our cookie policy.",
        "Nous utilisons des cookies pour mesurer l’audience et vous proposer des contenus personnalisés.",
        "Wir verwenden Cookies, um Ihnen ein optimales Erlebnis zu bieten.",
        "Accepter et fermer",
        # not-found and removal notices
        "Page non trouvée",
        "Le contenu auquel vous tentez d'accéder n'existe pas ou n'est plus disponible.",
        "Page not found",
        "Sorry, the page you are looking for could not be found.",
        "This article has been removed.",
        "Seite nicht gefunden",
        "Página no encontrada",
        "الصفحة غير موجودة",
        # furniture
        "Publié le : 08/12/2014 - 14:32",
        "Photo : AFP",
        "© AFP",
        "Temps de lecture : 3 min",
        "12 commentaires",
        "Mots-clés : Irak, Syrie",
        "Suivez-nous sur Twitter",
        "",
        "   ",
    ],
)
def test_is_boilerplate(paragraph: str) -> None:
    assert is_boilerplate(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "La publicité en ligne recule fortement cette année, selon une étude publiée mardi.",
        "La publicité faite autour de ce communiqué vise aussi l’opinion nigérienne.",
        "Die Anzeige wurde am Montag bei der Polizei erstattet.",
        "Related to this, the company said it would cut 200 jobs.",
        "Share prices fell sharply on Tuesday after the announcement.",
        "Read more carefully, the report shows that the figures were revised.",
        "He said the newsletter had 10,000 subscribers before it closed in 2019, according to its founder.",
        "The company uses cookies to track users across sites, the regulator said in its decision.",
        "The page was not found in the archive, the historian said, but a copy survived in Geneva.",
        "Les forces irakiennes « ont encore beaucoup de chemin à faire » mais « elles s'améliorent. »",
        "Quelque 1 500 soldats vont être envoyés prochainement en Irak pour lutter contre le groupe EI.",
        "Lire la suite de ce rapport prendra du temps aux enquêteurs, qui ont reçu 4 000 pages de documents.",
        "Partager les responsabilités est devenu indispensable, estime le ministre.",
        "ارتفعت أسعار القمح في الأسواق العالمية بنسبة تجاوزت عشرة في المئة خلال الأسبوع الماضي.",
        "Facebook and Twitter were fined by the regulator.",
        "x" * 700,
    ],
)
def test_is_not_boilerplate(paragraph: str) -> None:
    assert not is_boilerplate(paragraph)


def test_strip_boilerplate_keeps_order() -> None:
    paragraphs = [
        "Accéder au contenu principal",
        "Premier paragraphe de l'article, avec des faits.",
        "Publicité",
        "Deuxième paragraphe, qui parle de publicité sans en être.",
        "NewsletterRecevez toute l'actualité internationale directement dans votre boite mail",
        "Page non trouvée",
        "Le contenu auquel vous tentez d'accéder n'existe pas ou n'est plus disponible.",
    ]
    assert strip_boilerplate(paragraphs) == [paragraphs[1], paragraphs[3]]


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        ("Page non trouvée", True),
        ("Erreur 404", True),
        ("Le contenu auquel vous tentez d'accéder n'existe pas ou n'est plus disponible.", True),
        ("This content is no longer available.", True),
        ("Dieser Artikel ist nicht mehr verfügbar.", True),
        ("Publicité", False),
        ("The page was not found in the archive, the historian said, but a copy survived in Geneva.", False),
    ],
)
def test_is_not_found_notice(paragraph: str, expected: bool) -> None:
    assert is_not_found_notice(paragraph) is expected


def test_every_lexicon_phrase_is_boilerplate() -> None:
    assert {"fr", "en", "de", "es", "ar"} <= set(BOILERPLATE_PHRASES)
    missed = [p for phrases in BOILERPLATE_PHRASES.values() for p in phrases if not is_boilerplate(p)]
    assert missed == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ad", True),
        ("ads", True),
        ("ad-slot", True),
        ("o-ad m-ad--inread", True),
        ("c-ad__box", True),
        ("advert-box", True),
        ("pub", True),
        ("newsletter-box", True),
        ("m-newsletter-box__title", True),
        ("share-buttons", True),
        ("social-links", True),
        ("related-articles", True),
        ("lire-aussi", True),
        ("cookie-banner", True),
        ("didomi-popup", True),
        ("consent", True),
        ("breadcrumb m-breadcrumb", True),
        ("fil-ariane", True),
        (None, False),
        ("", False),
        ("header", False),
        ("shadow", False),
        ("headline", False),
        ("loaded", False),
        ("adaptive", False),
        ("publication-date", False),
        ("pub-date", False),
        ("m-pub-dates", False),
        ("article__body t-content__body", False),
        ("leadin", False),
        ("sharedContent", False),
    ],
)
def test_is_boilerplate_attr(value: str | None, expected: bool) -> None:
    assert is_boilerplate_attr(value) is expected


def test_boilerplate_xpath_selects_containers() -> None:
    doc = lxml.html.fromstring(
        "<html><body>"
        '<div class="ad-slot">1</div><div class="header">2</div><nav>3</nav><div id="cookie-banner">4</div>'
        '<div class="pub-date">5</div><p role="navigation">6</p><div class="related stories">7</div>'
        '<div class="article__body">8</div><footer>9</footer>'
        "</body></html>"
    )
    selected = doc.xpath(BOILERPLATE_XPATH, namespaces=XPATH_NAMESPACES)
    assert sorted(el.text for el in selected) == ["1", "3", "4", "6", "7", "9"]


def test_boilerplate_css_selectors_are_valid() -> None:
    from lxml.cssselect import CSSSelector

    doc = lxml.html.fromstring('<html><body><div class="ad">x</div><div class="header">y</div></body></html>')
    matched = {el.text for selector in BOILERPLATE_CSS for el in CSSSelector(selector)(doc)}
    assert matched == {"x"}
