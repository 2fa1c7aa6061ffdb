"""The page variants of bench.liveness_real (bench/variants.py) on small hand-written pages."""

from __future__ import annotations

import json

import lxml.html

from bench import variants as v

PAGE = """<!DOCTYPE html>
<html lang="de-AT"><head><meta charset="iso-8859-1"><title>Brücke gesperrt | Tagblatt</title>
<link rel="canonical" href="https://news.example/lokal/bruecke-gesperrt-123">
<meta property="og:url" content="https://news.example/lokal/bruecke-gesperrt-123">
<script type="application/ld+json">{"@type": "NewsArticle", "articleBody": "Die alte Br\\u00fccke \
\\u00fcber den Fluss bleibt ab Montag f\\u00fcr drei Wochen gesperrt."}</script>
</head><body>
<nav><a href="https://news.example/">Start</a> <a href="/lokal">Lokales</a></nav>
<main><article>
<h1 class="headline">Brücke  gesperrt</h1>
<div class="body">
<p>Die alte Brücke über den Fluss bleibt ab Montag für drei Wochen gesperrt.</p>
<p>Der Verkehr wird über die <a href="/umleitung">Umleitung</a> im Norden geführt.</p>
<h2>Fußweg bleibt offen</h2>
<p>Fußgänger dürfen die Brücke weiterhin benutzen, teilte die Stadt mit.</p>
</div>
</article></main>
<aside class="teaser"><h2>Mehr aus der Region</h2><p>Neues Freibad eröffnet</p></aside>
<footer>© Tagblatt</footer>
</body></html>
"""
ARTICLE = v.ArticleText(
    title="Brücke gesperrt",
    paragraphs=(
        "Die alte Brücke über den Fluss bleibt ab Montag für drei Wochen gesperrt.",
        "Der Verkehr wird über die Umleitung im Norden geführt.",
        "Fußgänger dürfen die Brücke weiterhin benutzen, teilte die Stadt mit.",
    ),
    headings=("Fußweg bleibt offen",),
)


def text_of(html: str) -> str:
    return " ".join(lxml.html.document_fromstring(html).body.text_content().split())


def test_locate_finds_headline_paragraphs_and_the_script_carrying_the_body() -> None:
    found = v.locate(v.parse(PAGE), ARTICLE)
    assert found.headline is not None and found.headline.tag == "h1"
    assert [p.tag for p in found.paragraphs] == ["p", "p", "p"]
    assert found.missing == 0
    assert [h.text for h in found.headings] == ["Fußweg bleibt offen"]
    assert len(found.scripts) == 1 and "articleBody" in found.scripts[0].text


def test_locate_falls_back_to_the_only_h1_when_the_title_is_worded_apart() -> None:
    other = v.ArticleText(title="Sperre der alten Flussquerung", paragraphs=ARTICLE.paragraphs)
    found = v.locate(v.parse(PAGE), other)
    assert found.headline is not None and found.headline.get("class") == "headline"


def test_strip_article_keeps_the_chrome_only() -> None:
    out = v.strip_article(PAGE, ARTICLE)
    text = text_of(out)
    assert "Lokales" in text and "Mehr aus der Region" in text and "© Tagblatt" in text
    assert "Brücke gesperrt" not in text and "Umleitung" not in text and "Fußgänger" not in text
    assert "Fußweg bleibt offen" not in text
    assert "articleBody" not in out
    assert "<title>Brücke gesperrt | Tagblatt</title>" in out  # an emptied template keeps its title


def test_strip_article_removes_a_hidden_second_copy_of_the_body() -> None:
    page = PAGE.replace("<footer>", f'<div style="display:none">{" ".join(ARTICLE.paragraphs)}</div><footer>')
    assert "Fußgänger" not in text_of(v.strip_article(page, ARTICLE))


def test_soft_404_says_not_found_in_the_page_language_where_the_article_was() -> None:
    out = v.soft_404(PAGE, ARTICLE, "de")
    doc = v.parse(out)
    assert doc.findtext(".//title") == "Seite nicht gefunden"
    assert doc.xpath("//main//h1/text()") == ["Seite nicht gefunden"]
    assert "Fußgänger" not in text_of(out) and "© Tagblatt" in text_of(out)


def test_soft_404_falls_back_to_english() -> None:
    assert "Page not found" in v.soft_404(PAGE, ARTICLE, "xx")


def test_removal_notice_replaces_the_body_and_keeps_the_headline_on_request() -> None:
    notice = "Wir haben diesen Text zurückgezogen."
    kept = text_of(v.removal_notice(PAGE, ARTICLE, notice, keep_headline=True))
    gone = text_of(v.removal_notice(PAGE, ARTICLE, notice, keep_headline=False))
    assert notice in kept and notice in gone
    assert "Brücke gesperrt" in kept and "Brücke gesperrt" not in gone
    assert "Umleitung" not in kept and "Fußgänger" not in kept


def test_notices_are_the_bench_own_wording() -> None:
    from crawler.page.lexicon import REMOVAL_PHRASES

    theirs = {p for phrases in REMOVAL_PHRASES.values() for p in phrases}
    ours = [n.casefold() for notices in v.NOTICES.values() for n in notices]
    assert {"", "en", "de", "fr", "es"} <= set(v.NOTICES) | {"en"}
    assert all(len(v.NOTICES[lang]) >= 2 for lang in ("", "de", "fr", "es"))
    assert not [n for n in ours if any(p in n for p in theirs)]


def test_edited_alters_one_paragraph_and_adds_one() -> None:
    out = v.edited(PAGE, ARTICLE, "Update: die Stadt hat nachgebessert.")
    paragraphs = v.parse(out).xpath("//div[@class='body']/p")
    assert len(paragraphs) == 4
    assert paragraphs[1].text_content().endswith("Update: die Stadt hat nachgebessert.")
    assert paragraphs[3].text_content() == "Update: die Stadt hat nachgebessert."
    assert paragraphs[0].text_content() == ARTICLE.paragraphs[0]


def test_notfound_widget_keeps_the_whole_article() -> None:
    out = v.notfound_widget(PAGE, "de")
    text = text_of(out)
    assert all(p in text for p in ARTICLE.paragraphs) and "Brücke gesperrt" in text
    assert v.parse(out).xpath("//aside[contains(@class, 'widget')]/h3/text()") == ["Seite nicht gefunden"]


def test_paywalled_cuts_after_two_paragraphs_and_declares_it() -> None:
    out = v.paywalled(PAGE, ARTICLE, "Jetzt abonnieren und weiterlesen.")
    doc = v.parse(out)
    text = text_of(out)
    assert ARTICLE.paragraphs[0] in text and "Umleitung" in text and "Fußgänger" not in text
    assert "Fußweg bleibt offen" not in text  # a section heading after the cut goes with its section
    assert doc.xpath("//div[@class='paywall']/text()") == ["Jetzt abonnieren und weiterlesen."]
    lds = [json.loads(s.text) for s in doc.xpath("//script[@type='application/ld+json']")]
    assert {"isAccessibleForFree": False}.items() <= lds[-1].items()


def test_rehost_points_the_page_at_its_new_url() -> None:
    new = "http://p001r.news.example:8080/lokal/bruecke-gesperrt-123"
    out = v.rehost(PAGE, "https://news.example/lokal/bruecke-gesperrt-123", new)
    doc = v.parse(out)
    assert doc.xpath("//link[@rel='canonical']/@href") == [new]
    assert doc.xpath("//meta[@property='og:url']/@content") == [new]
    assert doc.xpath("//nav/a/@href")[0] == "http://p001r.news.example:8080/"
    assert 'charset="utf-8"' in out.lower() and "iso-8859-1" not in out


def test_lang_of_reads_the_primary_subtag() -> None:
    assert v.lang_of(PAGE) == "de"
    assert v.lang_of("<html><body></body></html>") == ""
    assert v.phrase(v.NOTICES, "ja") == v.NOTICES[""]
