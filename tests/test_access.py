"""Walls (issue 16): a paywalled article is archived with what the page shows and flagged precisely;
``blocked`` is kept for answers with no article. Small pages through the pure page pipeline."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from crawler.core.items import FetchResult, Verdict
from crawler.page.pipeline import Page, page_result

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
URL = "https://news.example.org/economy/2026/03/01/rates-hold-steady"
SENTENCES = [
    "The central bank left its main rate unchanged on Thursday, citing a slower fall in services inflation.",
    "Economists had expected the decision, although two members of the committee voted for a cut.",
    "Mortgage lenders said fixed-rate deals were unlikely to move much before the spring.",
    "The governor said the committee would look closely at wage data due later this month.",
    "Markets now price the first cut for June, a month later than they did a week ago.",
    "Savers will keep the higher returns they have enjoyed for more than a year, banks said.",
]
FULL = [" ".join(SENTENCES[i:] + SENTENCES[:i]) for i in range(len(SENTENCES))]  # six paragraphs, ~100 words each


def ld(**fields: object) -> str:
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Rates hold steady", **fields}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def page(body: str, head: str = "") -> str:
    return (
        f"<html lang='en'><head><title>Rates hold steady | The Ledger</title>{head}</head><body>"
        "<header><a href='/'>The Ledger</a> <a href='/subscribe'>Subscribe</a> <a href='/login'>Sign in</a></header>"
        "<nav><a href='/economy'>Economy</a> <a href='/world'>World</a></nav>"
        f"<main><article><h1>Rates hold steady</h1>"
        "<p class='standfirst'>The central bank waits for clearer signs that inflation is beaten.</p>"
        f"{body}</article></main>"
        "<footer><p>Already a subscriber? Log in to manage your account.</p>"
        "<p>Subscribe to our newsletter for the morning briefing.</p></footer></body></html>"
    )


def run(html: str) -> FetchResult:
    return page_result(
        Page(url=URL, status=200, body=html.encode(), is_text=True, content_type="text/html; charset=utf-8"),
        source="ledger",
        kind="article",
        now=NOW,
    )


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


WALL = (
    "<div class='paywall'><h3>This article is for subscribers</h3>"
    "<p>Subscribe to continue reading.</p><a href='/subscribe'>See offers</a></div>"
)


def test_a_client_side_paywall_with_the_full_text_hidden_in_the_page_is_archived_whole() -> None:
    hidden = f"<div class='article-rest' style='display:none'>{paragraphs(FULL[1:])}</div>"
    html = page(
        paragraphs(FULL[:1]) + hidden + WALL,
        ld(isAccessibleForFree=False, hasPart={"@type": "WebPageElement", "isAccessibleForFree": False,
                                               "cssSelector": ".article-rest"}),
    )
    result = run(html)
    article = result.article
    assert result.verdict is Verdict.ALIVE and article is not None
    assert article.access == "subscription" and "json-ld:hasPart" in article.access_evidence
    assert FULL[5] in (article.body or "")
    assert article.body_complete is True and article.is_paywalled is False


def test_json_ld_article_body_is_the_body_when_the_page_shows_a_teaser() -> None:
    html = page(paragraphs(FULL[:1]) + WALL, ld(isAccessibleForFree="False", articleBody="\n".join(FULL)))
    article = run(html).article
    assert article is not None
    assert article.body == "\n\n".join(FULL)
    assert "json-ld:articleBody" in article.access_evidence
    assert (article.access, article.body_complete, article.is_paywalled) == ("subscription", True, False)


def test_a_hard_paywall_with_only_a_teaser_is_archived_and_flagged() -> None:
    result = run(page(paragraphs(FULL[:1]) + WALL, ld(isAccessibleForFree=False)))
    article = result.article
    assert result.verdict is Verdict.ALIVE and "wall:article-behind" in result.reasons
    assert article is not None and article.title == "Rates hold steady"
    assert article.lead == "The central bank waits for clearer signs that inflation is beaten."
    assert (article.access, article.body_complete, article.is_paywalled) == ("subscription", False, True)


def test_a_registration_wall_says_registration() -> None:
    wall = ("<div class='regwall'><p>Register for free to continue reading.</p>"
            "<a href='/register'>Create a free account</a></div>")
    article = run(page(paragraphs(FULL[:1]) + wall)).article
    assert article is not None
    assert (article.access, article.access_evidence, article.is_paywalled) == ("registration", ("wall:element",), True)


def test_a_consent_wall_with_no_article_is_blocked() -> None:
    html = (
        "<html><head><title>Before you continue</title>"
        "<script src='https://cdn.example.net/onetrust/consent.js'></script></head><body>"
        "<div id='consent'><h2>We value your privacy</h2><p>We and our partners use cookies to store and access "
        "information on your device.</p><button>Accept all cookies</button><button>Reject</button></div>"
        "</body></html>"
    )
    result = run(html)
    assert result.verdict is Verdict.BLOCKED and result.article is None
    assert result.reasons[0].startswith("wall:")


def test_a_free_page_that_mentions_subscriptions_is_not_flagged() -> None:
    hidden_template = "<template class='paywall'><p>Subscribe to continue reading.</p></template>"
    html = page(
        paragraphs(FULL) + "<aside class='promo'><p>Subscribe today: first month free.</p></aside>" + hidden_template,
        ld(isAccessibleForFree=True),
    )
    result = run(html)
    article = result.article
    assert result.verdict is Verdict.ALIVE and article is not None
    assert (article.access, article.is_paywalled, article.body_complete) == ("free", False, True)
    assert article.access_evidence == ("json-ld:isAccessibleForFree=true",)
