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


# --------------------------------------------------------------------------------------------------
# Image captions and credits
# --------------------------------------------------------------------------------------------------


def _images(body: str, head: str = "") -> list[tuple[str | None, str | None]]:
    html = _page(head, f"<article><h1>A story</h1>{body}{PARAGRAPHS}</article>")
    return [(i.caption, i.credit) for i in extract_article(html, url=URL).images]


def test_caption_block_without_figure_element() -> None:
    body = (
        '<div class="media"><div class="media-inner"><img src="/a.jpg" alt=""></div>'
        '<div class="info"><div class="caption"><p><span>Workers repair the old bridge.</span></p></div></div></div>'
        '<div class="pic"><picture><img src="/b.jpg"></picture><figcaption>Foto: Jane Roe/Agency</figcaption></div>'
    )
    assert _images(body) == [("Workers repair the old bridge.", None), (None, "Jane Roe/Agency")]


def test_credit_in_its_own_child_of_the_figcaption() -> None:
    body = (
        '<figure><img src="/a.jpg"><figcaption><span>The harbour at dawn.</span><span>Agency/Max Muster</span>'
        "</figcaption></figure>"
        '<figure><img src="/b.jpg"><figcaption><p>The quay. <cite>(Image: Newswire)</cite></p></figcaption></figure>'
        '<figure><img src="/c.jpg"><small>© Town Council</small><figcaption>The town hall.</figcaption></figure>'
        '<figure><img src="/d.jpg"><figcaption>The pier. <span>Photo by Jane Roe</span></figcaption></figure>'
    )
    assert _images(body) == [
        ("The harbour at dawn.", "Agency/Max Muster"),
        ("The quay.", "Newswire"),
        ("The town hall.", "Town Council"),
        ("The pier.", "Jane Roe"),
    ]


def test_credit_from_data_attributes_and_next_to_the_figure() -> None:
    body = (
        '<div class="lead"><img src="/a.jpg" data-caption="The old mill." data-source="Jane Roe/Agency"></div>'
        '<div class="teaser-image"><div><figure><img src="/b.jpg"><figcaption>The new mill.</figcaption></figure>'
        '</div><div class="image-meta"><div class="image-copyright">picture alliance/Agency | Max Muster</div></div>'
        "</div>"
    )
    assert _images(body) == [
        ("The new mill.", "picture alliance/Agency | Max Muster"),
        ("The old mill.", "Jane Roe/Agency"),
    ]


def test_credit_after_the_alt_text_in_the_image_title_with_or_without_figure() -> None:
    body = '<div class="lead-media"><img src="/a.jpg" alt="The river" title="The river | Agency/Jane Roe"></div>'
    body += '<figure><img src="/b.jpg" alt="The lake" title="The lake | Agency/Max Muster"></figure>'
    assert _images(body) == [("The lake", "Agency/Max Muster"), ("The river", "Agency/Jane Roe")]


def test_json_ld_image_object_fills_caption_and_credit() -> None:
    head = _ld(
        {
            "@type": "NewsArticle",
            "headline": "A story",
            "image": [
                {
                    "@type": "ImageObject",
                    "url": "https://cdn.example.test/img/harbour.jpg?w=1200",
                    "caption": "The harbour at dawn.",
                    "creditText": "Jane Roe/Agency",
                },
                {"@type": "ImageObject", "url": "https://cdn.example.test/img/quay.jpg", "caption": "The quay."},
            ],
        }
    )
    body = '<figure><img src="https://cdn.example.test/img/harbour.jpg?w=600"></figure>'
    assert _images(body, head) == [("The harbour at dawn.", "Jane Roe/Agency"), ("The quay.", None)]


def test_author_portrait_is_not_an_image_of_the_story() -> None:
    body = (
        '<figure><a rel="author" href="/authors/jane"><img src="/jane.jpg" alt="Jane Doe"></a>'
        "<figcaption><address>By Jane Doe</address><time>2 May 2024</time></figcaption></figure>"
        '<figure><img src="/a.jpg"><figcaption>The harbour.</figcaption></figure>'
    )
    assert _images(body) == [("The harbour.", None)]


def test_figcaption_beside_the_figure_and_after_a_loose_picture() -> None:
    body = (
        '<div class="media"><figure><picture><img src="/a.jpg"></picture>'
        '<noscript><img src="/a-big.jpg"></noscript></figure>'
        "<figcaption>The harbour at dawn. Foto: Jane Roe/Agency</figcaption></div>"
        "<p>Some text of the story between the pictures, long enough to be a paragraph of its own.</p>"
        '<picture><img src="/b.jpg"></picture><figcaption><span>The quay, Foto: Max Muster</span></figcaption>'
    )
    assert _images(body) == [("The harbour at dawn.", "Jane Roe/Agency"), ("The quay", "Max Muster")]


def test_outer_caption_element_holds_the_caption_and_the_inner_one_the_credit() -> None:
    body = (
        '<div class="photo"><img src="/a.jpg"><span class="newsCaption">The harbour at dawn. '
        '<span class="caption">(Image: Newswire)</span></span></div>'
    )
    assert _images(body) == [("The harbour at dawn.", "Newswire")]


def test_teaser_link_is_not_a_figure() -> None:
    body = '<a class="teaser" href="/other"><img src="/t.jpg"><span class="caption">Another story</span></a>'
    assert _images(body) == []


def test_trailing_parenthesised_credit_and_alt_text_credit() -> None:
    body = (
        '<figure><img src="/a.jpg"><figcaption>The harbour at dawn. (Jane Roe/Agency)</figcaption></figure>'
        '<figure><img src="/b.jpg" alt="The quay © Outlet Foto: Max Muster"><figcaption>The quay.</figcaption></figure>'
    )
    assert _images(body) == [("The harbour at dawn.", "Jane Roe/Agency"), ("The quay.", "Max Muster")]


def test_figures_outside_the_element_taken_for_the_article() -> None:
    body = (
        '<div class="top"><figure><img src="/a.jpg"><figcaption>The harbour at dawn.</figcaption></figure></div>'
        f"<main><h1>A story</h1>{PARAGRAPHS}</main>"
    )
    html = _page("", body)
    assert [(i.caption, i.credit) for i in extract_article(html, url=URL).images] == [("The harbour at dawn.", None)]


def test_credit_in_the_alt_text_of_an_image_without_figure() -> None:
    body = '<div class="hero"><img src="/a.jpg" alt="The harbour © Outlet Foto: Jane Roe" title="The harbour"></div>'
    assert _images(body) == [("The harbour", "Jane Roe")]


def test_bare_label_parenthesised_part_and_title_label_credits() -> None:
    body = (
        '<figure><img src="/a.jpg"><figcaption>The harbour. <span class="m"><span>Foto:</span> Jane Roe (Agency)'
        "</span></figcaption></figure>"
        '<div class="media"><img src="/b.jpg"><div class="caption"><p><span>The quay at night.</span> '
        "<span>(Court records)</span></p></div></div>"
        '<figure><img src="/c.jpg" alt="" title="The pier. Foto: Max Muster/Agency"></figure>'
    )
    assert _images(body) == [
        ("The harbour.", "Jane Roe (Agency)"),
        (None, "Max Muster/Agency"),
        ("The quay at night.", "Court records"),
    ]


def test_same_image_twice_keeps_the_captioned_copy() -> None:
    body = (
        '<figure class="opener"><img src="/a.jpg"></figure>'
        '<figure><img src="/a.jpg"><figcaption>The harbour. <span>© Jane Roe/Agency</span></figcaption></figure>'
    )
    assert _images(body) == [("The harbour.", "Jane Roe/Agency")]


def test_empty_caption_class_wrapper_and_alt_text_of_a_credited_block() -> None:
    body = (
        '<div class="photo"><p class="withoutCaption"><img src="/a.jpg" alt="Harbour"></p>'
        '<span class="newsCaption">The harbour at dawn. <span class="caption">(Image: Newswire)</span></span></div>'
        '<div class="lead-image"><img src="/b.jpg" alt="The mayor"><p class="image--author">Foto: Agency/Jane Roe</p>'
        "</div>"
    )
    assert _images(body) == [("The harbour at dawn.", "Newswire"), ("The mayor", "Agency/Jane Roe")]


def test_labelled_author_in_a_side_box_beats_the_outlet_in_meta() -> None:
    head = '<meta name="author" content="Example Broadcaster (www.dailyexample.test)">'
    body = (
        f"<article><h1>A story</h1>{PARAGRAPHS}</article>"
        "<div class='facts'><ul><li><strong>Date</strong> 02.05.2024</li>"
        "<li><strong>Autorin/Autor</strong> Jana Beispiel</li></ul></div>"
    )
    assert _names(_page(head, body)) == ["Jana Beispiel"]


def test_byline_block_outside_the_article_element_as_last_resort() -> None:
    body = (
        '<div class="top"><h2>Section</h2><div class="authors-container"><span class="authors">Max Muster</span>'
        f"</div></div><article><h1>A story</h1>{PARAGRAPHS}</article>"
    )
    assert _names(_page("", body)) == ["Max Muster"]


def test_copyright_line_media_subtitle_and_noscript_picture() -> None:
    body = (
        '<div class="wide"><img src="/a.jpg" alt="The mayor at the town hall"><div class="info">'
        "<small>The mayor at the town hall</small><small>© Town Council</small></div></div>"
        "<p>Some text of the story between the pictures, long enough to be a paragraph of its own.</p>"
        '<div class="media"><div class="wrap"><img src="/img/transparent_w-4.gif" alt="Two workers">'
        '<noscript><img src="/b.jpg" alt="Two workers"></noscript></div><div class="info">'
        '<span class="mediaSubtitle">Two workers at the plant.</span><span class="mediaRights">Agency/Jane Roe</span>'
        "</div></div>"
    )
    html = _page("", f"<article><h1>A story</h1>{body}{PARAGRAPHS}</article>")
    images = extract_article(html, url=URL).images
    assert [(i.url.rsplit("/", 1)[-1], i.caption, i.credit) for i in images] == [
        ("a.jpg", "The mayor at the town hall", "Town Council"),
        ("b.jpg", "Two workers at the plant.", "Agency/Jane Roe"),
    ]


def test_photographer_credited_in_a_figure_is_not_the_author() -> None:
    body = (
        '<article><h1>A story</h1><figure><img src="/a.jpg"><figcaption>The harbour. '
        '<span class="author">Stock Images RF</span></figcaption></figure>'
        f'<p class="byline">By Jane Doe</p>{PARAGRAPHS}</article>'
    )
    assert _names(_page("", body)) == ["Jane Doe"]
