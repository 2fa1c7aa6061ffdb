"""Per-source extraction overrides: config parsing and validation, compile_overrides, and extraction where
an override wins or, matching nothing, falls back to the generic value."""

from __future__ import annotations

import asyncio
import logging
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request

from crawler.config import ConfigError, Source, load_config, parse_config
from crawler.core.items import FetchResult, Verdict
from crawler.page.extract import OVERRIDE_FIELDS, OverrideError, compile_overrides, extract_article
from crawler.spiders.news import NewsSpider
from crawler.spiders.observe import response_result

SOURCE = """
[[sources]]
name = "rfi"
start_urls = ["https://www.rfi.fr/fr/"]
"""

# --------------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------------


def _config(extra: str) -> Source:
    return parse_config(tomllib.loads(SOURCE + extra)).sources[0]


def test_overrides_table_is_parsed_in_order() -> None:
    source = _config(
        """
[sources.overrides]
title = "css:h1.headline"
body = "xpath://div[@itemprop='articleBody']"
authors = ".byline a"
"""
    )
    assert source.overrides == (
        ("title", "css:h1.headline"),
        ("body", "xpath://div[@itemprop='articleBody']"),
        ("authors", ".byline a"),
    )
    assert source.override_map == {
        "title": "css:h1.headline",
        "body": "xpath://div[@itemprop='articleBody']",
        "authors": ".byline a",
    }


def test_overrides_as_an_inline_table_and_default_empty() -> None:
    assert _config('overrides = { lead = "  css:p.chapo  " }').override_map == {"lead": "css:p.chapo"}
    assert _config("").overrides == ()
    assert _config("").override_map == {}


def test_overrides_from_a_config_file(tmp_path: Path) -> None:
    path = tmp_path / "morgue.toml"
    path.write_text(SOURCE + '[sources.overrides]\nsection = "css:nav.ariane li"\n', encoding="utf-8")
    assert load_config(path).sources[0].override_map == {"section": "css:nav.ariane li"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[sources.overrides]\ntitre = "h1"', "sources[rfi].overrides.titre: unknown field (expected one of: "),
        ('[sources.overrides]\ntitle = "css:h1["', "sources[rfi].overrides.title: invalid CSS selector 'h1['"),
        ('[sources.overrides]\nlead = "p::text"', "sources[rfi].overrides.lead: invalid CSS selector 'p::text'"),
        ('[sources.overrides]\nbody = "xpath://div["', "sources[rfi].overrides.body: invalid XPath '//div['"),
        ('[sources.overrides]\nbody = "xpath://x:div"', "sources[rfi].overrides.body: invalid XPath '//x:div'"),
        ('[sources.overrides]\ntags = "xpath:count(//a)"', "sources[rfi].overrides.tags: XPath 'count(//a)' gives"),
        ('[sources.overrides]\ntitle = "css:"', "sources[rfi].overrides.title: empty CSS selector"),
        ('[sources.overrides]\ntitle = 3', "sources[rfi].overrides.title: expected a selector string"),
        ('overrides = "css:h1"', "sources[rfi].overrides: expected a table"),
    ],
)
def test_invalid_overrides_are_config_errors_naming_the_key(extra: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config(extra)
    assert str(info.value).startswith(message), str(info.value)


# --------------------------------------------------------------------------------------------------
# compile_overrides
# --------------------------------------------------------------------------------------------------


def test_compile_overrides_prefixes() -> None:
    compiled = compile_overrides(
        {"title": "css:h1", "lead": "p.chapo", "body": "XPATH://article", "tags": "CSS: a[rel=tag]"}
    )
    assert [(o.name, o.kind, o.expression) for o in compiled.values()] == [
        ("title", "css", "h1"),
        ("lead", "css", "p.chapo"),
        ("body", "xpath", "//article"),
        ("tags", "css", "a[rel=tag]"),
    ]
    assert compile_overrides({"title": "a:hover"})["title"].kind == "css"  # a colon does not make a prefix
    assert compile_overrides({"section": r"xpath://li[re:test(@class, '^crumb')]"})["section"].kind == "xpath"
    assert compile_overrides({}) == {}


def test_override_error_is_a_value_error_with_the_field() -> None:
    with pytest.raises(ValueError, match=r"^language: invalid XPath") as info:
        compile_overrides({"language": "xpath:nosuch()"})
    assert isinstance(info.value, OverrideError)
    assert (info.value.field, info.value.reason) == ("language", "invalid XPath 'nosuch()': Unregistered function")


def test_override_fields_are_article_fields() -> None:
    from crawler.core.items import Article

    assert set(OVERRIDE_FIELDS) <= set(Article.__dataclass_fields__)
    assert set(OVERRIDE_FIELDS) == {
        "title", "lead", "body", "section", "authors", "published_at", "modified_at", "tags", "language",
        "site_name",
    }  # fmt: skip


# --------------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------------

URL = "https://www.lejournal.example/politique/2024/03/12/budget-vote-assemblee"
FETCHED = datetime(2024, 3, 13, tzinfo=UTC)
PARAGRAPHS = "".join(
    f"<p>Paragraphe {i} de l’article sur le budget, assez long pour que l’extracteur générique le garde, "
    f"avec les déclarations des députés et du gouvernement sur le vote de mardi soir.</p>"
    for i in range(1, 5)
)
# A layout the generic path gets wrong: the story is in <div class="txt">, the headline in a <div>,
# the real byline and date in odd places, and the template's h1 is a promo.
PAGE = f"""<!doctype html><html lang="fr"><head>
<meta charset="utf-8"><title>Budget : l’Assemblée adopte le texte - Le Journal</title>
<meta property="og:site_name" content="Le Journal">
<meta property="article:published_time" content="2024-03-12T08:00:00+01:00">
<meta name="keywords" content="budget, Assemblée">
</head><body>
<header><h1 class="promo">Abonnez-vous pour 1 € le premier mois</h1></header>
<div class="crumbs"><span>Accueil</span> › <span>Politique</span> › <span>Parlement</span></div>
<div class="headline">Budget : l’Assemblée adopte le texte en première lecture</div>
<div class="intro">Les députés ont voté mardi soir le projet de loi de finances, après trois semaines de
débats et un recours au 49.3 écarté.</div>
<div class="sig">Par JEAN DUPONT et Marie Curie, avec AFP</div>
<div class="when"><span data-ts="2024-03-12T21:45:00+01:00">12/03/2024 21:45</span>
<em class="maj">Mis à jour le 12 mars 2024 à 23h10</em></div>
<ul class="kw"><li>Budget 2025</li><li>Assemblée nationale</li><li>budget 2025</li></ul>
<div class="txt">
  <p>Les députés ont adopté mardi soir, par 312 voix contre 250, le projet de loi de finances pour 2025, à
  l’issue d’une séance marathon.</p>
  <div class="ad-slot"><p>Publicité</p></div>
  <p>Lire aussi</p>
  <figure><img src="/img/hemicycle.jpg"><figcaption>L’hémicycle mardi soir. Photo : AFP</figcaption></figure>
  <p>« C’est un budget de responsabilité », a déclaré le ministre de l’Économie à la sortie de
  l’hémicycle.<br>Le texte part désormais au Sénat.</p>
  <aside class="related"><p>Sur le même sujet : la dette publique</p></aside>
  <p>L\u2019opposition a annoncé un recours devant le Conseil constitutionnel, qu\u2019elle doit d\u00e9poser
  \u00ab\u202fdans les prochains jours\u202f\u00bb.</p>
</div>
<div class="other"><article><h2>Autre sujet</h2>{PARAGRAPHS}</article></div>
</body></html>"""

OVERRIDES = {
    "title": "css:div.headline",
    "lead": "div.intro",
    "body": "css:div.txt",
    "section": "css:div.crumbs span",
    "authors": "xpath://div[@class='sig']",
    "published_at": "xpath://div[@class='when']/span/@data-ts",
    "modified_at": "css:div.when em.maj",
    "tags": "css:ul.kw li",
    "language": "xpath:/html/@lang",
    "site_name": "xpath://title/text()",
}


def test_overrides_win_over_the_generic_values() -> None:
    generic = extract_article(PAGE, url=URL, fetched_at=FETCHED)
    article = extract_article(PAGE, url=URL, fetched_at=FETCHED, overrides=OVERRIDES)
    assert generic.title != article.title
    assert article.title == "Budget : l’Assemblée adopte le texte en première lecture"
    assert article.lead and article.lead.startswith("Les députés ont voté mardi soir le projet de loi de finances")
    assert article.section == "Politique / Parlement"
    assert [(a.name, a.name_raw) for a in article.authors] == [
        ("Jean Dupont", "Par JEAN DUPONT et Marie Curie, avec AFP"),
        ("Marie Curie", "Par JEAN DUPONT et Marie Curie, avec AFP"),
    ]
    assert (article.published_at, article.published_raw, article.published_source) == (
        datetime(2024, 3, 12, 20, 45, tzinfo=UTC),
        "2024-03-12T21:45:00+01:00",
        "override",
    )
    assert (article.modified_at, article.modified_raw, article.modified_source) == (
        datetime(2024, 3, 12, 23, 10, tzinfo=UTC),
        "Mis à jour le 12 mars 2024 à 23h10",
        "override",
    )
    assert article.tags == ("Budget 2025", "Assemblée nationale")
    assert article.language == "fr"
    assert article.site_name == "Budget : l’Assemblée adopte le texte - Le Journal"


def test_body_override_is_paragraphs_without_boilerplate_and_clean() -> None:
    article = extract_article(PAGE, url=URL, fetched_at=FETCHED, overrides={"body": "css:div.txt"})
    assert article.body == (
        "Les députés ont adopté mardi soir, par 312 voix contre 250, le projet de loi de finances pour 2025, à "
        "l’issue d’une séance marathon.\n\n"
        "« C’est un budget de responsabilité », a déclaré le ministre de l’Économie à la sortie de "
        "l’hémicycle.\n\n"
        "Le texte part désormais au Sénat.\n\n"
        "L’opposition a annoncé un recours devant le Conseil constitutionnel, qu’elle doit déposer "
        "«\xa0dans les prochains jours\xa0»."
    )


def test_body_override_repairs_mojibake_and_normalises() -> None:
    page = PAGE.replace("à l’issue d’une", "Ã\xa0 lâ€™issue dâ€™une").replace("séance", "se\u0301ance")
    article = extract_article(page, url=URL, overrides={"body": "css:div.txt"})
    assert article.body and "à l’issue d’une séance marathon" in article.body


def test_nested_matches_are_taken_once() -> None:
    page = PAGE.replace('<div class="txt">', '<div class="txt"><div class="txt">').replace(
        '<div class="other">', '</div><div class="other">'
    )
    article = extract_article(page, url=URL, overrides={"body": "css:div.txt"})
    assert article.body and article.body.count("Le texte part désormais au Sénat.") == 1


def test_non_matching_overrides_fall_back_to_the_generic_values() -> None:
    generic = extract_article(PAGE, url=URL, fetched_at=FETCHED)
    nothing = {name: "css:.does-not-exist" for name in OVERRIDE_FIELDS}
    assert extract_article(PAGE, url=URL, fetched_at=FETCHED, overrides=nothing) == generic
    assert generic.published_source == "meta"
    assert generic.body and "Paragraphe 1" in generic.body


def test_empty_or_boilerplate_only_matches_fall_back() -> None:
    generic = extract_article(PAGE, url=URL, fetched_at=FETCHED)
    overrides = {"body": "css:div.ad-slot", "title": "css:div.when span:empty", "authors": "css:ul.kw li:first-child"}
    article = extract_article(PAGE, url=URL, fetched_at=FETCHED, overrides=overrides)
    assert (article.body, article.title) == (generic.body, generic.title)
    assert article.authors == generic.authors  # "Budget 2025" is not a name: nothing, so generic


def test_override_date_after_the_fetch_time_falls_back() -> None:
    overrides = {"published_at": "xpath://div[@class='when']/span/@data-ts"}
    early = datetime(2024, 3, 12, 12, tzinfo=UTC)
    article = extract_article(PAGE, url=URL, fetched_at=early, overrides=overrides)
    assert (article.published_at, article.published_source) == (datetime(2024, 3, 12, 7, tzinfo=UTC), "meta")


def test_invalid_overrides_are_ignored_at_extraction(caplog: pytest.LogCaptureFixture) -> None:
    generic = extract_article(PAGE, url=URL)
    with caplog.at_level(logging.WARNING, logger="crawler.page.extract"):
        article = extract_article(PAGE, url=URL, overrides={"title": "css:h1[", "nope": "h1"})
    assert article == generic
    assert "title: invalid CSS selector" in caplog.text and "nope: unknown field" in caplog.text


# --------------------------------------------------------------------------------------------------
# Wiring: observe.response_result and the news spider
# --------------------------------------------------------------------------------------------------


def _response() -> HtmlResponse:
    return HtmlResponse(url=URL, body=PAGE.encode("utf-8"), encoding="utf-8", request=Request(URL),
                        headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip


def test_response_result_passes_overrides() -> None:
    result = response_result(_response(), source="journal", kind="article", now=FETCHED, overrides=OVERRIDES)
    assert result.verdict is Verdict.ALIVE
    assert result.article is not None
    assert result.article.title == "Budget : l’Assemblée adopte le texte en première lecture"
    plain = response_result(_response(), source="journal", kind="article", now=FETCHED)
    assert plain.article is not None and plain.article.title != result.article.title


def test_news_spider_uses_the_source_overrides() -> None:
    source = Source(name="journal", start_urls=("https://www.lejournal.example/",),
                    overrides=(("title", "css:div.headline"),))  # fmt: skip
    async def collect() -> list:
        return [r async for r in NewsSpider(sources=[source]).parse_article(_response(), source)]

    results = asyncio.run(collect())
    assert len(results) == 1 and isinstance(results[0], FetchResult)
    assert results[0].article is not None
    assert results[0].article.title == "Budget : l’Assemblée adopte le texte en première lecture"
