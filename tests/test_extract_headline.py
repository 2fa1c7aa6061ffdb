"""Title and lead on small hand-written pages: kickers, site names, hidden headings, shown summaries."""

from __future__ import annotations

import json
from typing import Any

from crawler.page.extract import extract_article

URL = "https://news.example/politik/2024/05/02/ein-artikel"

PARAGRAPHS = "".join(
    f'<p class="body-text">Absatz Nummer {i} des Textes, lang genug, damit der Extraktor ihn ohne Zögern '
    f"im Text des Artikels behält, mit Einzelheiten und Zitaten der betroffenen Personen.</p>"
    for i in range(1, 6)
)
SUMMARY = "Der Stadtrat hat am Dienstag den neuen Haushalt beschlossen. Die Opposition kündigt Widerstand an."


def _page(head: str = "", body: str = "") -> str:
    return f'<!doctype html><html lang="de"><head>{head}</head><body>{body}</body></html>'


def _ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _og(prop: str, value: str) -> str:
    return f'<meta property="{prop}" content="{value}">'


def test_kicker_span_inside_the_h1_is_not_part_of_the_title() -> None:
    h1 = '<h1><span class="headline__kicker">Haushalt</span><span class="headline__text">Stadtrat sagt Ja</span></h1>'
    article = extract_article(_page(body=f"<article>{h1}{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Stadtrat sagt Ja"


def test_kicker_joined_with_the_page_s_own_separator_when_the_declared_headline_has_it() -> None:
    head = _og("og:title", "Haushalt: Stadtrat sagt Ja")
    h1 = '<h1><span class="topline">Haushalt</span> <span class="text">Stadtrat sagt Ja</span></h1>'
    article = extract_article(_page(head, f"<article>{h1}{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Haushalt: Stadtrat sagt Ja"


def test_site_name_found_by_agreement_of_the_declared_headlines() -> None:
    head = _og("og:title", "Der Stadtrat beschließt den Haushalt - STADTBLATT")
    head += _ld({"@type": "NewsArticle", "headline": "Der Stadtrat beschließt den Haushalt"})
    head += "<title>Der Stadtrat beschließt den Haushalt - STADTBLATT</title>"
    article = extract_article(_page(head, f"<article>{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Der Stadtrat beschließt den Haushalt"
    assert article.alternative_titles == ()


def test_visually_hidden_and_logo_headings_are_not_the_headline() -> None:
    head = _og("og:title", "Der Stadtrat beschließt den Haushalt | Stadtblatt")
    head += _ld({"@type": "NewsArticle", "headline": "Der Stadtrat beschließt den Haushalt"})
    body = '<h1 class="site-logo">Stadtblatt</h1><h1 class="sr-only">Artikelseite</h1>'
    article = extract_article(_page(head, f"{body}<article>{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Der Stadtrat beschließt den Haushalt"


def test_heading_parts_are_not_glued_and_hidden_punctuation_stays() -> None:
    h1 = '<h1><span class="a">Demo</span><span class="b">Der Protest geht weiter</span></h1>'
    article = extract_article(_page(body=f"<article>{h1}{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Demo Der Protest geht weiter"
    hidden = '<span class="visually-hidden">:</span>'
    h1 = f'<h1><span class="x">Demo{hidden}</span> <span>Der Protest geht weiter</span></h1>'
    article = extract_article(_page(body=f"<article>{h1}{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Demo: Der Protest geht weiter"


def test_alternative_titles_keep_the_other_declared_headlines_without_site_name() -> None:
    head = _og("og:site_name", "Stadtblatt") + _og("og:title", "Haushalt beschlossen: Opposition empört | Stadtblatt")
    head += _og("twitter:title", "Haushalt beschlossen: Opposition empört")
    head += _ld({"@type": "NewsArticle", "headline": "Stadtrat sagt Ja zum Haushalt"})
    body = f"<article><h1>Stadtrat sagt Ja zum Haushalt</h1>{PARAGRAPHS}</article>"
    article = extract_article(_page(head, body), url=URL)
    assert article.title == "Stadtrat sagt Ja zum Haushalt"
    assert article.alternative_titles == ("Haushalt beschlossen: Opposition empört",)


def test_truncated_heading_gives_way_to_the_full_declared_headline() -> None:
    head = _og("og:title", "Der Stadtrat beschließt den Haushalt nach langer Debatte")
    body = f"<article><h1>Der Stadtrat beschließt den Haushalt …</h1>{PARAGRAPHS}</article>"
    article = extract_article(_page(head, body), url=URL)
    assert article.title == "Der Stadtrat beschließt den Haushalt nach langer Debatte"


def test_description_shown_as_a_teaser_under_the_headline_is_the_lead() -> None:
    head = _og("og:description", SUMMARY)
    body = f'<article><h1>Stadtrat sagt Ja</h1><h2 class="x1">{SUMMARY}</h2>{PARAGRAPHS}</article>'
    article = extract_article(_page(head, body), url=URL)
    assert article.lead == SUMMARY
    assert article.body and SUMMARY not in article.body and "Absatz Nummer 1" in article.body


def test_description_that_is_the_body_s_first_paragraph_is_not_a_lead() -> None:
    head = _og("og:description", SUMMARY) + f'<meta name="description" content="{SUMMARY}">'
    body = f'<article><h1>Stadtrat sagt Ja</h1><p class="body-text">{SUMMARY}</p>{PARAGRAPHS}</article>'
    article = extract_article(_page(head, body), url=URL)
    assert article.lead is None
    assert article.body and article.body.startswith(SUMMARY)


def test_description_repeated_in_a_caption_is_not_the_lead() -> None:
    head = _ld({"@type": "NewsArticle", "description": SUMMARY})
    caption = f"<figcaption>{SUMMARY} Foto: Agentur</figcaption>"
    figure = f'<div class="wrap"><figure><img src="/a.jpg">{caption}</figure></div>'
    body = f"<article><h1>Stadtrat sagt Ja</h1>{figure}{PARAGRAPHS}</article>"
    article = extract_article(_page(head, body), url=URL)
    assert article.lead is None


def test_description_in_numbered_body_paragraph_classes_is_not_a_lead() -> None:
    head = _og("og:description", SUMMARY)
    paragraphs = "".join(
        f'<p class="par{i}">Absatz {i}: ein langer Absatz des Textes mit genug Wörtern, damit er als Teil des '
        f"Textes zählt und der Extraktor ihn behält, samt Einzelheiten.</p>"
        for i in range(2, 7)
    )
    body = f'<article><h1>Stadtrat sagt Ja</h1><p class="par1">{SUMMARY}</p>{paragraphs}</article>'
    assert extract_article(_page(head, body), url=URL).lead is None


def test_crosshead_after_the_first_body_paragraph_is_not_the_lead() -> None:
    first = (
        '<p class="body-text">Der Stadtrat hat am Dienstagabend nach einer langen und hitzigen Debatte über '
        "Schulen, Straßen und Schwimmbäder den Haushalt für das kommende Jahr mit knapper Mehrheit beschlossen.</p>"
    )
    crosshead = '<div data-component="subheadline-block"><h2>Was bedeutet das für die Bürger?</h2></div>'
    body = f"<article><h1>Stadtrat sagt Ja</h1>{first}{crosshead}{PARAGRAPHS}</article>"
    assert extract_article(_page(body=body), url=URL).lead is None


def test_synopsis_block_under_the_headline_is_the_lead() -> None:
    synopsis = "Der Stadtrat hat den Haushalt beschlossen; Schulen und Straßen bekommen mehr Geld, die Bäder weniger."
    block = f'<div class="art_synopsis"><div>{synopsis}</div></div>'
    body = f"<article><h1>Stadtrat sagt Ja</h1>{block}{PARAGRAPHS}</article>"
    assert extract_article(_page(body=body), url=URL).lead == synopsis


def test_headline_group_in_the_article_wins_over_a_heading_set_in_the_breadcrumb() -> None:
    seo = "Haushalt beschlossen: Opposition kündigt Klage gegen den Stadtrat an"
    head = _og("og:title", seo) + f"<title>{seo}</title>"
    head += _ld({"@type": "NewsArticle", "headline": "Stadtrat sagt Ja zum Haushalt"})
    crumbs = f'<nav><ul><li><a href="/">Start</a></li><li><h1 class="crumb">{seo}</h1></li></ul></nav>'
    group = '<hgroup><div class="labels"><span>Stadtpolitik</span></div><h2>Stadtrat sagt Ja zum Haushalt</h2></hgroup>'
    article = extract_article(_page(head, f"<article>{crumbs}{group}{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Stadtrat sagt Ja zum Haushalt"
    assert article.alternative_titles == (seo,)


def test_overline_printed_before_the_heading_joins_it_only_where_the_declared_headline_has_it() -> None:
    header = '<div class="lead"><div class="keyword">Haushalt</div><h1>Stadtrat sagt Ja</h1></div>'
    declared = "Haushalt: Stadtrat sagt Ja"
    head = _og("og:title", declared) + _ld({"@type": "NewsArticle", "headline": declared})
    article = extract_article(_page(head, f"<article>{header}{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Haushalt: Stadtrat sagt Ja"
    head = _og("og:title", "Stadtrat sagt Ja zum Haushalt")
    article = extract_article(_page(head, f"<article>{header}{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Stadtrat sagt Ja"


def test_quoted_last_part_of_the_page_title_is_not_taken_for_the_site_name() -> None:
    quoted = "Feuer in der Altstadt: Anwohner sollen Fenster und Türen schließen – „Lage ernst“"
    head = _og("og:title", quoted) + f"<title>{quoted}</title>"
    article = extract_article(_page(head, f"<article>{PARAGRAPHS}</article>"), url=URL)
    assert article.title == quoted
    head = "<title>Feuer in der Altstadt – Stadtblatt</title>"
    article = extract_article(_page(head, f"<article>{PARAGRAPHS}</article>"), url=URL)
    assert article.title == "Feuer in der Altstadt"
