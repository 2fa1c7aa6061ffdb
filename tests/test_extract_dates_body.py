"""Dates read in the page's own offset, the htmldate fallback, and body failure classes (small invented pages)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from crawler.page.extract import extract_article
from crawler.page.extract.body import _finish_body, _without_link_lines
from crawler.page.extract.context import _Page
from crawler.page.extract.parse import parse_html
from crawler.page.extract.structured import _LinkedData
from crawler.page.normalize import in_own_offset

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
PARAGRAPHS = "".join(
    f"<p>Paragraph {i} of the story tells the reader something new about the harbour and the town council, "
    f"with enough words to count as real article text for any extractor.</p>"
    for i in range(6)
)


def _page(head: str = "", body: str = "") -> str:
    return f"<html lang='en'><head><title>Harbour plan</title>{head}</head><body>{body}</body></html>"


def test_offset_stated_in_raw_gives_the_pages_own_day() -> None:
    html = _page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour plan",'
        ' "datePublished": "2024-03-02T07:00:00+09:00"}</script>',
        f"<article><h1>Harbour plan</h1>{PARAGRAPHS}</article>",
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_at == datetime(2024, 3, 1, 22, 0, tzinfo=UTC)  # stored as UTC
    own = in_own_offset(article.published_at, article.published_raw)
    assert own is not None and own.date() == date(2024, 3, 2)
    assert own.utcoffset() == timedelta(hours=9)


def test_utc_stamp_with_naive_local_time_of_the_same_instant_keeps_the_local_day() -> None:
    html = _page(
        '<meta property="article:published_time" content="2023-11-09T01:49:09+00:00">',
        f'<article><h1>Harbour plan</h1><div class="time">Published: <time datetime="2023-11-08 17:49:09">'
        f"November 8, 2023 at 5:49 p.m.</time></div>{PARAGRAPHS}</article>",
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_at == datetime(2023, 11, 9, 1, 49, 9, tzinfo=UTC)  # the instant is kept
    assert article.published_raw == "2023-11-08 17:49:09"
    own = in_own_offset(article.published_at, article.published_raw)
    assert own is not None and own.date() == date(2023, 11, 8) and own.utcoffset() == timedelta(hours=-8)


def test_in_own_offset_leaves_unrelated_or_missing_raw_alone() -> None:
    at = datetime(2023, 11, 9, 1, 49, tzinfo=UTC)
    assert in_own_offset(at, None) is at
    assert in_own_offset(at, "not a date") is at
    assert in_own_offset(at, "2023-11-09T01:49:00Z") == at
    assert in_own_offset(None, "2023-11-09") is None


def test_free_text_date_found_by_the_extensive_fallback() -> None:
    html = _page(body=f"<article><h1>Harbour plan</h1><p>March 14, 2021 · the editors</p>{PARAGRAPHS}</article>")
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_at is not None and article.published_at.date() == date(2021, 3, 14)
    assert article.published_source == "htmldate"


def test_year_only_placeholder_is_not_a_publication_date() -> None:
    html = _page(body=f"<article><h1>Harbour plan</h1>{PARAGRAPHS}</article><footer><p>Since 2004</p></footer>")
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_at is None or (article.published_at.month, article.published_at.day) != (1, 1)


def _story(paragraphs: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paragraphs)


FIRST = [
    f"First part, paragraph {i}: the council met on Tuesday to discuss the new harbour wall and its cost."
    for i in range(5)
]
SECOND = [
    f"Second part, paragraph {i}: residents said the works had blocked the ferry road for weeks." for i in range(5)
]


def test_article_body_split_by_an_ad_slot_is_kept_whole() -> None:
    html = _page(
        body=f"<main><article><h1>Harbour plan</h1><div class='article-body'>{_story(FIRST)}</div>"
        "<div class='ad-slot'><p>Advertisement</p></div>"
        f"<div class='wrapper'><div class='article-body'><h2>What comes next</h2>{_story(SECOND)}</div></div>"
        "</article><aside class='related'><p>Other stories</p></aside></main>"
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.body is not None
    for p in FIRST + SECOND:
        assert p in article.body
    assert article.body.index(FIRST[-1]) < article.body.index(SECOND[0])


def test_next_article_of_an_endless_page_is_not_merged() -> None:
    html = _page(
        body=f"<main><article><h1>Harbour plan</h1><div class='article-body'>{_story(FIRST)}</div></article>"
        f"<article><h1>Ferry road</h1><div class='article-body'>{_story(SECOND)}</div></article></main>"
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.body is not None and FIRST[0] in article.body
    assert SECOND[0] not in article.body


def _parsed(html: str) -> _Page:
    tree = parse_html(html)
    return _Page(
        tree=tree,
        url="https://news.example/harbour",
        base="https://news.example/",
        meta={},
        ld=_LinkedData(),
        region=tree,
    )


def test_lines_that_are_wholly_a_teaser_link_are_not_body() -> None:
    teaser = "WATER LEVELS: Engineers said the river could rise again next week after heavy rain in the hills"
    subheading = "What the council decided on the harbour wall"
    html = _page(
        body=f"<article><h1>Harbour plan</h1>{_story(FIRST)}<h2>{subheading}</h2></article>"
        f"<ul class='popular'><li><a href='/water'><div><p>{teaser}</p></div></a></li>"
        f"<li><a href='/council'>{subheading}</a></li></ul>"
    )
    lines = [*FIRST, subheading, f"- {teaser}"]
    kept = _without_link_lines(_parsed(html), lines)
    assert kept == [*FIRST, subheading]  # the subheading also stands outside any link: kept


def test_polish_and_czech_read_more_labels_are_not_paragraphs() -> None:
    lines = [FIRST[0], "Czytaj też", FIRST[1], "Čtěte také", FIRST[2]]
    body = _finish_body(lines, None, "Harbour plan", (), ())
    assert body == "\n\n".join(FIRST[:3])


def test_related_list_items_that_are_mostly_a_link_are_not_body() -> None:
    related = "Ferry: Operator orders a second boat for the busy summer route"
    own_item = "The council will vote on the plan in March, see the agenda for details"
    html = _page(
        body=f"<article><h1>Harbour plan</h1>{_story(FIRST)}<ul>"
        f"<li>Ferry: <a href='/ferry'>Operator orders a second boat for the busy summer route</a></li>"
        f"<li>The council will vote on the plan in March, see the <a href='/agenda'>agenda</a> for details</li>"
        "</ul></article>"
    )
    kept = _without_link_lines(_parsed(html), [*FIRST, f"- {related}", f"- {own_item}"])
    assert kept == [*FIRST, f"- {own_item}"]


def test_utc_stamp_one_day_after_the_url_day_is_read_on_the_url_day() -> None:
    html = _page(
        '<meta property="article:published_time" content="2020-02-25T02:25:54+00:00">',
        f"<article><h1>Harbour plan</h1>{PARAGRAPHS}</article>",
    )
    article = extract_article(html, url="https://news.example/2020/02/24/harbour-plan/", fetched_at=NOW)
    assert article.published_at == datetime(2020, 2, 25, 2, 25, 54, tzinfo=UTC)  # the instant is kept
    own = in_own_offset(article.published_at, article.published_raw)
    assert own is not None and own.date() == date(2020, 2, 24) and own == article.published_at


def test_url_day_far_from_the_stamp_changes_nothing() -> None:
    html = _page(
        '<meta property="article:published_time" content="2020-02-25T14:00:00+00:00">',
        f"<article><h1>Harbour plan</h1>{PARAGRAPHS}</article>",
    )
    article = extract_article(html, url="https://news.example/2020/02/24/harbour-plan/", fetched_at=NOW)
    own = in_own_offset(article.published_at, article.published_raw)
    assert own is not None and own.date() == date(2020, 2, 25)


def test_utc_stamp_one_day_off_the_printed_day_is_read_in_the_pages_own_offset() -> None:
    html = _page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Harbour plan",'
        ' "datePublished": "2019-10-18T22:04:00Z"}</script>',
        f'<article><h1>Harbour plan</h1><p class="infoline"><span class="infoline-datum">19. Oktober 2019 00:04 Uhr'
        f"</span></p>{PARAGRAPHS}</article>",
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_at == datetime(2019, 10, 18, 22, 4, tzinfo=UTC)  # the instant is kept
    own = in_own_offset(article.published_at, article.published_raw)
    assert own is not None and own.date() == date(2019, 10, 19) and own.utcoffset() == timedelta(hours=2)


def test_meta_date_the_page_shows_nowhere_gives_way_to_the_printed_date() -> None:
    html = _page(
        '<meta name="date" content="2020-04-30">',
        f'<article><h1>Harbour plan</h1><ul class="infoline"><li class="author">By Ann Lee</li>'
        f'<li class="date"><time>29.04.2020, 12:01</time></li></ul>{PARAGRAPHS}</article>',
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_source == "visible"
    assert article.published_raw == "29.04.2020, 12:01"
    assert article.published_at is not None and article.published_at.date() == date(2020, 4, 29)


def test_json_ld_date_is_kept_against_a_different_printed_date() -> None:
    html = _page(
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2020-04-20T10:00:00+02:00"}'
        "</script>",
        f'<article><h1>Harbour plan</h1><p class="date">22.04.2020</p>{PARAGRAPHS}</article>',
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_source == "json-ld"
    assert article.published_raw == "2020-04-20T10:00:00+02:00"


def test_publication_label_gives_the_date_in_its_text_or_the_next_element() -> None:
    inline = _page(body=f"<article><h1>Harbour plan</h1>{PARAGRAPHS}<p>Veröffentlicht am 16.08.2019<br>"
                        "Dauer: 1 Stunde</p></article>")  # fmt: skip
    article = extract_article(inline, url="https://news.example/harbour", fetched_at=NOW)
    assert (article.published_source, article.published_raw) == ("visible", "16.08.2019")
    split = _page(
        '<meta name="date" content="2021-10-15">',
        f"<article><h1>Harbour plan</h1>{PARAGRAPHS}<div><span>Erschienen am:</span><h2>13.10.2021</h2></div>"
        '<div><h4 class="timestamp-title">Zuletzt geändert am:</h4><ul class="timestamp-list">'
        '<li class="timestamp-item">15.10.2021</li></ul></div></article>',
    )
    article = extract_article(split, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_at is not None and article.published_at.date() == date(2021, 10, 13)


def test_dates_of_teaser_lists_are_other_articles_dates() -> None:
    teasers = "".join(
        f'<li><a href="/story-{i}">Another story about the harbour number {i}</a>'
        f'<span class="post-date">0{i}/09/2019</span></li>'
        for i in range(1, 4)
    )
    html = _page(
        body=f'<article><ul class="latest">{teasers}</ul><h1>Harbour plan</h1>'
        f'<div class="entry-date">27 Sep 2016</div>{PARAGRAPHS}</article>',
    )
    article = extract_article(html, url="https://news.example/harbour", fetched_at=NOW)
    assert article.published_at is not None and article.published_at.date() == date(2016, 9, 27)


def _body_of(inner: str) -> str:
    html = _page(body=f"<article><h1>Harbour plan</h1>{inner}</article>")
    body = extract_article(html, url="https://news.example/harbour", fetched_at=NOW).body
    assert body is not None and "Paragraph 0 of the story" in body and "Paragraph 5 of the story" in body
    return body


def test_read_also_lines_with_their_headline_are_dropped_in_more_languages() -> None:
    body = _body_of(
        PARAGRAPHS[: len(PARAGRAPHS) // 2]
        + "<p>Czytaj też: Port w nowym kształcie</p><p>Auch lesen: Der neue Hafen im Überblick</p>"
        + "<p>Dowiedz się więcej: Jak głosowała rada miasta</p>"
        + PARAGRAPHS[len(PARAGRAPHS) // 2 :]
    )
    assert "Czytaj" not in body and "Auch lesen" not in body and "Dowiedz" not in body


def test_box_headings_credit_lines_and_prompts_around_the_text_are_dropped() -> None:
    body = _body_of(
        "<h2>Inhaltsverzeichnis</h2>"
        + PARAGRAPHS
        + "<p>Titelbild: Anna Example/Agency</p><p>Verraten Sie gerne in den Kommentaren: Was halten Sie davon?</p>"
        "<p>Sie sind aktuell nicht eingeloggt.</p><h3>Top-Themen bei Example Magazin</h3><h3>Mehr Themen:</h3>"
    )
    for furniture in ("Inhaltsverzeichnis", "Titelbild", "Kommentaren", "eingeloggt", "Top-Themen", "Mehr Themen"):
        assert furniture not in body
