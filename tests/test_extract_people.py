"""Authors, image captions and image credits: one small hand-written page per failure class."""

from __future__ import annotations

import json
from typing import Any

from crawler.page.extract import extract_article

URL = "https://www.dailyexample.test/world/2024/05/02/a-story"
PARAGRAPHS = "".join(
    f"<p>Paragraph number {i} of the story, long enough for the extractor to keep it in the body of the "
    f"article, with details and quotes from the people involved in the events.</p>"
    for i in range(1, 6)
)


def _page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html lang='en'><head>{head}</head><body>{body}</body></html>"


def _ld(data: Any) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def _names(html: str, url: str = URL) -> list[str]:
    return [a.name for a in extract_article(html, url=url).authors]


# --------------------------------------------------------------------------------------------------
# Authors
# --------------------------------------------------------------------------------------------------


def test_json_ld_agency_listed_as_an_author_is_kept() -> None:
    head = _ld(
        {
            "@type": "NewsArticle",
            "headline": "A story",
            "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "The Associated Press"}],
        }
    )
    assert _names(_page(head, f"<article><h1>A story</h1>{PARAGRAPHS}</article>")) == [
        "Jane Doe",
        "The Associated Press",
    ]


def test_json_ld_newsroom_name_is_kept_whole() -> None:
    head = _ld({"@type": "NewsArticle", "headline": "A story", "author": {"name": "Metro Desk Staff"}})
    assert _names(_page(head, f"<article><h1>A story</h1>{PARAGRAPHS}</article>")) == ["Metro Desk Staff"]


def test_json_ld_slug_is_not_a_name_and_meta_author_is_used() -> None:
    head = _ld({"@type": "NewsArticle", "headline": "A story", "author": {"@type": "Person", "name": "jane-doe"}})
    head += '<meta name="author" content="Jane Doe">'
    assert _names(_page(head, f"<article><h1>A story</h1>{PARAGRAPHS}</article>")) == ["Jane Doe"]


def test_organisation_author_is_the_last_resort() -> None:
    head = _ld(
        {
            "@type": "NewsArticle",
            "headline": "A story",
            "author": {"@type": "NewsMediaOrganization", "name": "Example World News"},
            "publisher": {"@type": "NewsMediaOrganization", "name": "Example World News"},
        }
    )
    assert _names(_page(head, f"<article><h1>A story</h1>{PARAGRAPHS}</article>")) == ["Example World News"]


def test_site_name_in_the_byline_is_not_an_author() -> None:
    head = '<meta property="og:site_name" content="Daily Example">'
    body = f'<article><h1>A story</h1><p class="byline">By John Roe, DAILY EXAMPLE Region</p>{PARAGRAPHS}</article>'
    assert _names(_page(head, body)) == ["John Roe"]
    body = f'<article><h1>A story</h1><p class="byline">John Roe / DAILYEXAMPLE.TEST / 2 May</p>{PARAGRAPHS}</article>'
    assert _names(_page("", body)) == ["John Roe"]


def test_source_line_is_not_a_byline() -> None:
    head = _ld({"@type": "NewsArticle", "headline": "A story", "author": {"@type": "Organization", "name": "Desk"}})
    body = f'<article><h1>A story</h1><div class="article-author">Quelle: sid/dpa</div>{PARAGRAPHS}</article>'
    assert _names(_page(head, body)) == ["Desk"]


def test_visible_byline_naming_more_people_than_json_ld_wins() -> None:
    head = _ld({"@type": "NewsArticle", "headline": "A story", "author": {"@type": "Person", "name": "Kari Nordmann"}})
    body = (
        '<article><h1>A story</h1><div class="bylines"><a class="author-name" href="/p/1">Ola Hansen</a>'
        f'<a class="author-name" href="/p/2">Kari Nordmann</a></div>{PARAGRAPHS}</article>'
    )
    assert _names(_page(head, body)) == ["Ola Hansen", "Kari Nordmann"]


def test_link_to_an_author_page_next_to_the_headline() -> None:
    body = (
        '<article><div><h1>A story</h1><p class="meta">von <a href="/autoren/name/max-muster">Dr. Max Muster</a>'
        f"</p></div>{PARAGRAPHS}</article>"
    )
    assert _names(_page("", body)) == ["Dr. Max Muster"]


def test_last_updated_is_not_a_name() -> None:
    body = (
        '<article><h1>A story</h1><div class="byline">Jane Doe · Posted: May 2, 2024 | Last Updated: May 3'
        f"</div>{PARAGRAPHS}</article>"
    )
    assert _names(_page("", body)) == ["Jane Doe"]
