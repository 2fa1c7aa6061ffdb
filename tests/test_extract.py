"""crawler.page.extract: recorded pages with expected fields, decode_html, evidence order and robustness.

Recorded pages live in tests/fixtures/pages/<name>.html with <name>.expected.json. Every key present in
an expected file is checked; a key the test does not know fails the test (typos must not pass silently).
The HTML bytes always go through decode_html (with ``http_charset`` as the declared charset if given).
"""

from __future__ import annotations

import codecs
import functools
import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from crawler.core.items import Article
from crawler.page.extract import decode_html, extract_article

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"
CASES = sorted(p.name.removesuffix(".expected.json") for p in PAGES.glob("*.expected.json"))
OWN_CASES = {
    "fr_france_info_like",
    "en_jsonld_graph",
    "de_tageblatt_like",
    "ar_rtl",
    "latin1_declared",
    "figures_credits",
    "url_date_differs",
    "en_wordpress_theme",
    "it_microdata",
    "fr_opengraph_only",
    "en_liveblog",
    "fr_latin1_as_utf8",
    "de_mojibake_double_encoded",
    "es_actualizado",
}
FIELDS = (
    "url", "canonical_url", "title", "lead", "section", "language", "site_name", "is_paywalled", "access",
    "body_complete", "published_raw", "published_source", "modified_raw", "modified_source",
)  # fmt: skip
KNOWN_KEYS = {
    *FIELDS, "published_at", "modified_at", "tags", "authors", "images", "body_contains", "body_excludes",
    "fetched_at", "http_charset",
}  # fmt: skip
URL = "https://news.example/monde/2024/05/02/un-article"


@functools.cache
def _extracted(name: str) -> tuple[dict[str, Any], Article]:
    expected = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
    html = decode_html((PAGES / f"{name}.html").read_bytes(), expected.get("http_charset"))
    fetched_at = datetime.fromisoformat(expected["fetched_at"]) if "fetched_at" in expected else None
    return expected, extract_article(html, url=expected["url"], fetched_at=fetched_at)


def _mismatches(expected: dict[str, Any], article: Article) -> list[str]:
    problems = [f"unknown key {key!r} in expected file" for key in sorted(set(expected) - KNOWN_KEYS)]

    def check(label: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{label}: got {got!r}, expected {want!r}")

    for key in FIELDS:
        if key in expected:
            check(key, getattr(article, key), expected[key])
    for key in ("published_at", "modified_at"):
        if key in expected:
            value = getattr(article, key)
            check(key, value.isoformat() if value else None, expected[key])
    if "tags" in expected:
        check("tags", list(article.tags), expected["tags"])
    if "authors" in expected:
        check("authors", [a.name for a in article.authors], expected["authors"])
    if "images" in expected:
        check("number of images", len(article.images), len(expected["images"]))
        for i, (image, want) in enumerate(zip(article.images, expected["images"], strict=False)):
            for key, value in want.items():
                check(f"images[{i}].{key}", getattr(image, key), value)
    body = article.body or ""
    problems += [f"body lacks {s!r}" for s in expected.get("body_contains", []) if s not in body]
    problems += [f"body contains {s!r}" for s in expected.get("body_excludes", []) if s in body]
    return problems


def test_recorded_pages_are_present() -> None:
    assert set(CASES) >= OWN_CASES
    for name in CASES:
        assert (PAGES / f"{name}.html").is_file(), name


@pytest.mark.parametrize("name", CASES)
def test_recorded_page(name: str) -> None:
    expected, article = _extracted(name)
    assert _mismatches(expected, article) == []


@pytest.mark.parametrize("name", CASES)
def test_recorded_page_body_shape(name: str) -> None:
    _, article = _extracted(name)
    assert article.body
    paragraphs = article.body.split("\n\n")
    assert all(p and p == p.strip() and "\n" not in p for p in paragraphs)
    if article.lead:
        assert not article.body.startswith(article.lead)
    if article.title:
        assert paragraphs[0] != article.title


def test_seed_rfi_page() -> None:
    """The real RFI page of /work/shared/seeds: article kept, widgets (ad, newsletter, not-found) dropped."""
    _, article = _extracted("seed_rfi")
    assert article.title == "Irak: la coalition va envoyer 1500 soldats pour combattre le groupe EI"
    assert article.section == "Irak / Terrorisme"
    assert article.language == "fr"
    assert [image.credit for image in article.images] == ["AFP/HAIDAR HAMDANI"]
    assert article.images[0].caption and "AFP" not in article.images[0].caption
    assert article.body
    assert "Les Etats-Unis mènent des frappes contre les positions jihadistes" in article.body
    for widget in ("Publicité", "Newsletter", "Accéder au contenu principal", "Page non trouvée"):
        assert widget not in article.body
    assert article.published_source == "json-ld"
    assert article.published_raw == "2014-12-08T14:32:00+01:00"


def test_rfi_page_is_extracted_the_same_from_bytes_with_a_lying_header() -> None:
    data = (PAGES / "seed_rfi.html").read_bytes()
    expected, article = _extracted("seed_rfi")
    again = extract_article(decode_html(data, "iso-8859-1"), url=expected["url"])
    assert again.title == article.title and again.body == article.body


# --------------------------------------------------------------------------------------------------
# decode_html
# --------------------------------------------------------------------------------------------------

FRENCH = "<p>Déjà l’été : à Noël, ça coûte « cher » à l’économie française, reconnaît le ministère.</p>" * 20


@pytest.mark.parametrize(
    ("data", "declared", "expected"),
    [
        (b"", None, ""),
        (codecs.BOM_UTF8 + "<p>Été</p>".encode(), None, "<p>Été</p>"),
        (codecs.BOM_UTF16_LE + "<p>Été</p>".encode("utf-16-le"), None, "<p>Été</p>"),
        ("<p>Été</p>".encode(), None, "<p>Été</p>"),
        ("<p>Été</p>".encode(), "iso-8859-1", "<p>Été</p>"),  # header lies: the bytes are UTF-8
        ("<p>Été</p>".encode("cp1252"), "windows-1252", "<p>Été</p>"),
        ("<p>Été – l’été</p>".encode("cp1252"), "latin-1", "<p>Été – l’été</p>"),  # latin-1 read as cp1252
        ('<meta charset="iso-8859-15"><p>Prix : 5 €</p>'.encode("iso-8859-15"), None, None),
        ('<meta charset="utf-8"><p>Été</p>'.encode("cp1252"), None, None),  # meta lies too
        ("<p>Ã©tÃ© Ã\xa0 Paris, lâ€™annonce</p>".encode(), None, "<p>été à Paris, l’annonce</p>"),  # mojibake
    ],
)
def test_decode_html(data: bytes, declared: str | None, expected: str | None) -> None:
    text = decode_html(data, declared)
    if expected is not None:
        assert text == expected
    else:
        assert "\ufffd" not in text and ("€" in text or "Été" in text)


def test_decode_html_guesses_undeclared_cp1252() -> None:
    data = f"<html><body>{FRENCH}</body></html>".encode("cp1252")
    assert decode_html(data) == f"<html><body>{FRENCH}</body></html>"


def test_decode_html_arabic_windows_1256_declared_in_meta() -> None:
    html = '<html><head><meta charset="windows-1256"></head><body><p>ارتفاع أسعار القمح</p></body></html>'
    assert decode_html(html.encode("cp1256")) == html


# --------------------------------------------------------------------------------------------------
# Robustness
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   \n ",
        "\x00\x01\x02binary\xff\xfe garbage \x00",
        bytes(range(256)).decode("latin-1") * 20,
        "<html><head><title>Tronqu",
        "<html><body><article><h1>Un titre</h1><p>Un paragraphe coup",
        "<<<>>> </ > <p <div",
        "just some text, not HTML at all",
        "<div>" * 3000 + "deep" + "</div>" * 10,
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": </script>',
        '<script type="application/ld+json">[1, "x", null, {"@type": 5, "author": {"@id": []}}]</script>',
        '<script type="application/ld+json">{"@graph": {"@graph": [{"@type": "NewsArticle", "author": 3}]}}'
        "</script>",
        '<html><head><meta property="article:published_time" content="not a date"></head></html>',
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>xml declaration</p></body></html>",
        "\ud800 lone surrogate <p>text</p>",
    ],
)
def test_extract_never_raises(html: str) -> None:
    article = extract_article(html, url=URL)
    assert isinstance(article, Article)
    assert article.url == URL


def test_unusable_input_gives_only_the_url() -> None:
    assert extract_article("", url=URL) == Article(url=URL)
    assert extract_article(cast(str, None), url=URL) == Article(url=URL)
    assert extract_article(cast(str, b"<html><body><p>bytes</p></body></html>"), url=URL) == Article(url=URL)


# --------------------------------------------------------------------------------------------------
# Evidence order and individual fields, on small inline pages
# --------------------------------------------------------------------------------------------------

PARAGRAPHS = "".join(
    f"<p>Paragraphe numéro {i} du texte, assez long pour que l'extracteur le garde dans le corps de "
    f"l'article sans hésiter, avec des détails et des citations des personnes concernées.</p>"
    for i in range(1, 6)
)


def _page(head: str = "", body: str = "", lang: str | None = "fr") -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    return f"<!doctype html><html{lang_attr}><head>{head}</head><body>{body}</body></html>"


def _ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def test_dates_after_fetch_time_are_rejected() -> None:
    head = _ld({"@type": "NewsArticle", "datePublished": "2030-01-01T00:00:00Z"})
    head += '<meta property="article:published_time" content="2020-05-01T10:00:00+02:00">'
    html = _page(head, f"<article><h1>Titre</h1>{PARAGRAPHS}</article>")
    fetched = datetime(2024, 1, 1, tzinfo=UTC)
    article = extract_article(html, url=URL, fetched_at=fetched)
    assert (article.published_at, article.published_source) == (datetime(2020, 5, 1, 8, tzinfo=UTC), "meta")
    unbounded = extract_article(html, url=URL)
    assert unbounded.published_at == datetime(2030, 1, 1, tzinfo=UTC)
    assert unbounded.published_source == "json-ld"


def test_url_date_is_used_when_the_page_has_none() -> None:
    article = extract_article(_page(body=f"<article><h1>Titre</h1>{PARAGRAPHS}</article>"), url=URL)
    assert article.published_at == datetime(2024, 5, 2, tzinfo=UTC)
    assert (article.published_raw, article.published_source) == ("2024-05-02", "url")


def test_htmldate_is_the_last_fallback() -> None:
    html = _page(body=f"<article><h1>Titre</h1><span>2021-03-12</span>{PARAGRAPHS}</article>")
    article = extract_article(html, url="https://news.example/monde/un-article")
    assert article.published_at == datetime(2021, 3, 12, tzinfo=UTC)
    assert article.published_source == "htmldate"


def test_jsonld_article_is_found_in_a_list_with_type_lists_and_references() -> None:
    data = [
        {"@type": "WebSite", "name": "Site", "headline": "Pas ceci"},
        {
            "@type": ["BlogPosting", "Article"],
            "headline": "Le vrai titre",
            "datePublished": "2022-02-02T10:00:00+01:00",
            "author": [{"@id": "#p1"}, "Par Paul Martin | AFP", {"@type": "Organization", "name": "AFP"}],
            "publisher": {"@type": "Organization", "name": "Le Site"},
            "inLanguage": {"@type": "Language", "name": "French", "alternateName": "fr"},
            "isAccessibleForFree": True,
        },
        {"@type": "Person", "@id": "#p1", "name": "Julie Bernard"},
    ]
    article = extract_article(_page(_ld(data), f"<article>{PARAGRAPHS}</article>", lang=None), url=URL)
    assert article.title == "Le vrai titre"
    assert [a.name for a in article.authors] == ["Julie Bernard", "Paul Martin"]
    assert article.authors[1].name_raw == "Par Paul Martin | AFP"
    assert article.site_name == "Le Site"
    assert article.published_at == datetime(2022, 2, 2, 9, tzinfo=UTC)
    assert article.is_paywalled is False
    assert article.language == "fr"


@pytest.mark.parametrize(
    ("value", "access", "evidence"),
    [
        (False, "subscription", ("json-ld:isAccessibleForFree=false",)),
        ("false", "subscription", ("json-ld:isAccessibleForFree=false",)),
        (True, "free", ("json-ld:isAccessibleForFree=true",)),
        ("True", "free", ("json-ld:isAccessibleForFree=true",)),
        (None, "free", ()),
        ("maybe", "free", ()),
    ],
)
def test_access_from_json_ld(value: Any, access: str, evidence: tuple[str, ...]) -> None:
    data: dict[str, Any] = {"@type": "NewsArticle", "headline": "Titre"}
    if value is not None:
        data["isAccessibleForFree"] = value
    article = extract_article(_page(_ld(data), f"<article>{PARAGRAPHS}</article>"), url=URL)
    assert (article.access, article.access_evidence) == (access, evidence)
    # JSON-LD alone says the publisher sells the article, not that this page cuts it (no wall shown)
    assert article.is_paywalled is False
    assert article.body_complete is True


def test_canonical_to_the_home_page_is_ignored() -> None:
    head = '<link rel="canonical" href="https://news.example/">'
    article = extract_article(_page(head, f"<article>{PARAGRAPHS}</article>"), url=URL + "?utm_source=x#top")
    assert article.canonical_url == URL


def test_relative_canonical_is_resolved_and_canonicalized() -> None:
    head = '<link rel="canonical" href="/monde/2024/05/02/un-article/?b=2&a=1&utm_medium=rss">'
    article = extract_article(_page(head, f"<article>{PARAGRAPHS}</article>"), url=URL)
    assert article.canonical_url == "https://news.example/monde/2024/05/02/un-article?a=1&b=2"


@pytest.mark.parametrize(
    ("head", "body", "expected"),
    [
        ('<meta property="og:title" content="Titre OG">', "<h1>Titre visible</h1>", "Titre visible"),
        ('<meta property="og:title" content="Titre OG - Le Site">'
         '<meta property="og:site_name" content="Le Site">', "", "Titre OG"),
        (_ld({"@type": "NewsArticle", "headline": "Titre JSON-LD"}), "", "Titre JSON-LD"),
        ("<title>Titre de la page | Le Site</title>", "", "Titre de la page"),
        ("<title>Analyse : la guerre et la paix au Proche-Orient</title>", "",
         "Analyse : la guerre et la paix au Proche-Orient"),
        ('<meta property="og:title" content="Le vrai titre"><meta property="og:site_name" content="Le Site">',
         "<h1>Le Site</h1>", "Le vrai titre"),
    ],
)  # fmt: skip
def test_title_evidence(head: str, body: str, expected: str) -> None:
    article = extract_article(_page(head, f"<header>{body}</header><article>{PARAGRAPHS}</article>"), url=URL)
    assert article.title == expected


def test_meta_description_is_never_the_lead() -> None:
    head = '<meta name="description" content="Une description pour les moteurs de recherche, assez longue.">'
    head += '<meta property="og:description" content="Une description pour les réseaux sociaux.">'
    article = extract_article(_page(head, f"<article><h1>Titre</h1>{PARAGRAPHS}</article>"), url=URL)
    assert article.lead is None


def test_bold_first_paragraph_is_the_lead_and_not_repeated_in_body() -> None:
    lead = "Le gouvernement a présenté mercredi un plan de relance de dix milliards d'euros pour l'industrie."
    html = _page(body=f"<article><h1>Titre</h1><p><strong>{lead}</strong></p>{PARAGRAPHS}</article>")
    article = extract_article(html, url=URL)
    assert article.lead == lead
    assert article.body and lead not in article.body and "Paragraphe numéro 1" in article.body


def test_language_is_detected_when_not_declared() -> None:
    html = _page(body=f"<article><h1>Titre</h1>{PARAGRAPHS}</article>", lang=None)
    assert extract_article(html, url=URL).language == "fr"


def test_agency_only_byline_gives_the_agency() -> None:
    html = _page(body=f'<article><h1>Titre</h1><p class="byline">Par AFP</p>{PARAGRAPHS}</article>')
    assert [(a.name, a.name_raw) for a in extract_article(html, url=URL).authors] == [("AFP", "Par AFP")]


def test_section_from_jsonld_breadcrumb_skips_home_and_title() -> None:
    crumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": 2, "name": "Monde"},
            {"@type": "ListItem", "position": 1, "name": "Accueil"},
            {"@type": "ListItem", "position": 3, "name": "Europe"},
            {"@type": "ListItem", "position": 4, "name": "Un titre assez long pour être celui de l'article"},
        ],
    }
    title = "Un titre assez long pour être celui de l'article"
    html = _page(_ld(crumbs), f"<article><h1>{title}</h1>{PARAGRAPHS}</article>")
    assert extract_article(html, url=URL).section == "Monde / Europe"


def test_tags_from_meta_keywords_are_cleaned_and_deduplicated() -> None:
    head = '<meta name="keywords" content="Europe, politique ,  europe,, Élections">'
    assert extract_article(_page(head, f"<article>{PARAGRAPHS}</article>"), url=URL).tags == (
        "Europe",
        "politique",
        "Élections",
    )


def test_images_fall_back_to_og_image_only_without_figures() -> None:
    head = '<meta property="og:image" content="/og.jpg">'
    figure = '<figure><img src="/a.jpg"><figcaption>Une légende (AFP)</figcaption></figure>'
    with_figure = extract_article(_page(head, f"<article>{figure}{PARAGRAPHS}</article>"), url=URL)
    assert [(i.url, i.caption, i.credit) for i in with_figure.images] == [
        ("https://news.example/a.jpg", "Une légende", "AFP")
    ]
    without = extract_article(_page(head, f"<article>{PARAGRAPHS}</article>"), url=URL)
    assert [i.url for i in without.images] == ["https://news.example/og.jpg"]


# --------------------------------------------------------------------------------------------------
# Coverage of the recorded pages, and what some of them are there to prove
# --------------------------------------------------------------------------------------------------


def test_recorded_pages_cover_the_required_languages_and_cases() -> None:
    expected = {name: _extracted(name)[0] for name in CASES}
    assert len(CASES) >= 12
    assert {e.get("language") for e in expected.values()} >= {"fr", "en", "de", "ar", "es", "it"}
    raw = {name: (PAGES / f"{name}.html").read_bytes() for name in CASES}
    not_utf8 = [name for name, data in raw.items() if not _is_utf8(data)]
    assert {"latin1_declared", "fr_latin1_as_utf8"} <= set(not_utf8)
    assert "fr_latin1_as_utf8" in {n for n, e in expected.items() if e.get("http_charset") == "utf-8"}


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("name", CASES)
def test_recorded_dates_are_never_after_the_fetch_time(name: str) -> None:
    expected, article = _extracted(name)
    if "fetched_at" in expected:
        fetched = datetime.fromisoformat(expected["fetched_at"])
        for value in (article.published_at, article.modified_at):
            assert value is None or value <= fetched


def test_charset_lie_iso_8859_1_bytes_served_as_utf8() -> None:
    data = (PAGES / "fr_latin1_as_utf8.html").read_bytes()
    assert b'charset=utf-8"' in data and "é".encode("cp1252") in data  # the page says UTF-8 but is not
    _, article = _extracted("fr_latin1_as_utf8")
    assert article.title == "Rennes : le métro ligne b à l’arrêt après une panne géante"
    assert article.body and "cœur" in article.body and "100 €" in article.body and "\ufffd" not in article.body


def test_double_encoded_page_is_repaired_in_every_field() -> None:
    assert "FuÃŸball" in (PAGES / "de_mojibake_double_encoded.html").read_text("utf-8")
    _, article = _extracted("de_mojibake_double_encoded")
    assert article.title == "Fußball: SC Freiburg gewinnt badisches Derby gegen Hoffenheim"
    assert [a.name for a in article.authors] == ["Jürgen Weiß"]
    assert article.tags == ("Fußball", "Bundesliga", "SC Freiburg")
    assert article.body and "„Wir haben heute gezeigt" in article.body and "Ã" not in article.body


def test_visible_updated_dateline_gives_both_dates_each_with_its_own_raw() -> None:
    _, article = _extracted("fr_opengraph_only")
    assert (article.published_raw, article.published_source) == ("Publié le 15/11/2023 à 10h05", "visible")
    assert (article.modified_raw, article.modified_source) == ("Mis à jour le 15/11/2023 à 18h32", "visible")
    assert article.modified_at == datetime(2023, 11, 15, 18, 32, tzinfo=UTC)


def test_agency_credit_in_the_byline_is_not_an_author() -> None:
    _, article = _extracted("fr_opengraph_only")
    assert [(a.name, a.name_raw) for a in article.authors] == [("Julien Martin", "Par Julien Martin avec AFP")]


def test_microdata_page_without_json_ld() -> None:
    _, article = _extracted("it_microdata")
    assert article.site_name == "Corriere del Lago"  # itemprop=publisher > itemprop=name
    assert [a.name for a in article.authors] == ["Giulia Bianchi", "Marco Ferri"]
    assert article.published_at == datetime(2024, 2, 20, 8, 30, tzinfo=UTC)


def test_wordpress_page_json_ld_author_reference_and_caption_credit() -> None:
    _, article = _extracted("en_wordpress_theme")
    assert [(a.name, a.name_raw) for a in article.authors] == [("Daniel Okafor", "Daniel Okafor")]
    assert article.images[0].credit == "Maria Delgado/Reuters"  # "(Photo: ...)" at the end of the figcaption
    assert article.body and "Every summer the same story" not in article.body  # reader comments


def test_liveblog_keeps_every_update_in_page_order() -> None:
    _, article = _extracted("en_liveblog")
    assert article.body
    order = [article.body.index(s) for s in ("Exit poll: Labour", "First result:", "Polls have closed", "Polls open")]
    assert order == sorted(order)


def test_caption_outside_a_figure_is_an_image_and_not_body() -> None:
    body = (
        '<article><h1>Titre</h1><div class="media"><img src="/photo.jpg">'
        '<p class="media__legende">Une légende assez longue pour être reconnue. Photo : Jean Dupont</p></div>'
        f"{PARAGRAPHS}</article>"
    )
    article = extract_article(_page(body=body), url=URL)
    assert [(i.url, i.caption, i.credit) for i in article.images] == [
        ("https://news.example/photo.jpg", "Une légende assez longue pour être reconnue.", "Jean Dupont")
    ]
    assert article.body and "Une légende" not in article.body


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/sociedad/2024-01-15/ola-de-frio.html", "Sociedad"),
        ("https://news.example/fr/region/pas-de-calais/inondations-art-55231", "Region / Pas-de-calais"),
        ("https://news.example/news/world/2024/mar/17/volcano", "World"),
        ("https://news.example/2024/03/17/volcano", None),
        ("https://news.example/volcano-erupts", None),
    ],
)
def test_section_from_the_url_path_is_the_last_resort(url: str, expected: str | None) -> None:
    assert extract_article(_page(body=f"<article><h1>Titre</h1>{PARAGRAPHS}</article>"), url=url).section == expected


# --------------------------------------------------------------------------------------------------
# The fetch time bounds every date source; text hygiene holds in every field
# --------------------------------------------------------------------------------------------------

FETCHED = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("head", "body", "url"),
    [
        ('<meta property="article:published_time" content="2024-06-01T10:00:00Z">', "", URL),
        ("", '<p class="date">Publié le 3 juin 2024 à 10h00</p>', URL),
        ("", '<time datetime="2024-06-01T10:00:00Z">1 juin 2024</time>', URL),
        ("", "", "https://news.example/monde/2024/06/01/un-article"),
        ("", "<span>2024-06-01</span>", "https://news.example/monde/un-article"),  # htmldate
    ],
)
def test_every_published_source_is_bounded_by_the_fetch_time(head: str, body: str, url: str) -> None:
    html = _page(head, f"<article><h1>Titre</h1>{body}{PARAGRAPHS}</article>")
    assert extract_article(html, url=url, fetched_at=FETCHED).published_at is None
    assert extract_article(html, url=url, fetched_at=datetime(2025, 1, 1, tzinfo=UTC)).published_at is not None


@pytest.mark.parametrize(
    "markup",
    [
        _ld({"@type": "NewsArticle", "dateModified": "2024-06-01T10:00:00Z"}),
        '<meta property="article:modified_time" content="2024-06-01T10:00:00Z">',
        '<p class="maj">Mis à jour le 1 juin 2024 à 10h00</p>',
    ],
)
def test_modified_dates_are_bounded_by_the_fetch_time(markup: str) -> None:
    html = _page(markup, f"<article><h1>Titre</h1>{markup}{PARAGRAPHS}</article>")
    assert extract_article(html, url=URL, fetched_at=FETCHED).modified_at is None
    later = extract_article(html, url=URL, fetched_at=datetime(2025, 1, 1, tzinfo=UTC))
    assert later.modified_at == datetime(2024, 6, 1, 10, tzinfo=UTC)


def test_text_hygiene_in_every_field() -> None:
    decomposed = "Re\u0301forme"  # NFD
    head = (
        f'<meta property="og:site_name" content="Le  Monde\u202fdes  Ide\u0301es">'
        f'<meta name="keywords" content="{decomposed}, Ã©conomie">'
    )
    body = (
        f"<article><h1>{decomposed} des retraites\u202f: lâ€™accord\u200b est signé</h1>"
        f'<p class="chapo">Le texte « {decomposed} » est adopté\u2009; 1\u202f500 amendements ont été rejetés '
        "par les députés.</p>"
        f'<p class="byline">Par JEAN-PIERRE DU\u0301VAL</p>{PARAGRAPHS}'
        f"<p>Ã‰tÃ© comme hiver, la {decomposed.lower()} « passe\u00a0» au Sénat\u202f!</p></article>"
    )
    article = extract_article(_page(head, body), url=URL)
    assert article.title == "Réforme des retraites\xa0: l’accord est signé"
    assert article.lead == "Le texte « Réforme » est adopté\xa0; 1\xa0500 amendements ont été rejetés par les députés."
    assert article.site_name == "Le Monde\xa0des Idées"
    assert article.tags == ("Réforme", "économie")
    assert [a.name for a in article.authors] == ["Jean-Pierre Dúval"]
    assert article.body and "Été comme hiver, la réforme « passe\xa0» au Sénat\xa0!" in article.body
    for text in (article.title, article.lead, article.body, article.site_name, *article.tags):
        assert text == unicodedata.normalize("NFC", text)
        assert not set(text) & {"\u202f", "\u2009", "\u200b", "Ã", "â€"}
