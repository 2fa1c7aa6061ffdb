"""Re-check rules that read the archived article (issue 17): a removal inside the site's own chrome is
caught whatever its wording and whatever wall scripts the chrome loads; an article behind a wall, or
beside a "not found" widget, stays alive. One small page per failure class."""

from __future__ import annotations

from crawler.core.items import Probe, Verdict
from crawler.page.liveness import Known, Observation, classify

URL = "https://news.example.org/world/2026/02/11/harbour-talks-collapse"
TITLE = "Harbour talks collapse after third night"
PARAGRAPHS = [
    "Negotiators for the port authority and the dockers' union walked out of the conciliation service on "
    "Tuesday morning after a third night of talks failed to close the gap on pay and automation.",
    "The union said the final offer would still cut four hundred permanent jobs over five years as new cranes "
    "arrive, while the authority insisted that no worker would be made redundant against their will.",
    "Shipping lines have begun to divert vessels to the northern terminal, where queues already stretch for "
    "two days, and exporters warn that perishable cargo will be lost if the dispute drags on.",
    "Regional ministers called both sides back for Thursday and said they were ready to appoint an independent "
    "chair if no progress is made by the end of the week.",
]
ARCHIVED = "\n\n".join(PARAGRAPHS)
NAV = "".join(f"<li><a href='/{s}'>{s.title()}</a></li>" for s in (
    "world", "politics", "business", "science", "sport", "culture", "opinion", "video", "podcasts", "weather",
    "travel", "health", "tech", "climate", "education", "obituaries", "puzzles", "newsletters"))
CHROME_TEXT = (
    "Most read today: council approves new cycle lanes; storm warning for the coast; the best bakeries in town; "
    "local team wins the cup after extra time; what the budget means for renters; ten walks for the weekend. "
    "Follow us on social media, download our app, contact the newsroom, advertise with us, careers, "
    "terms of use, privacy policy, cookie settings, accessibility statement, corrections and clarifications."
)
WALL_SCRIPTS = ("<script src='https://cdn.example.net/paywall/piano.js'></script>"
                "<div id='paywall-slot' class='paywall'></div>")


def chrome(main: str, *, head: str = "", h1: str = "") -> str:
    return (
        f"<html lang='en'><head><title>{h1 or 'The Harbour Post'}</title>{head}</head><body>"
        f"<header><a href='/'>The Harbour Post</a><nav><ul>{NAV}</ul></nav></header>"
        f"<main>{f'<h1>{h1}</h1>' if h1 else ''}{main}</main>"
        f"<aside><p>{CHROME_TEXT}</p></aside><footer><p>© The Harbour Post</p></footer>{WALL_SCRIPTS}</body></html>"
    )


def known(**kw: object) -> Known:
    return Known(**{"archived_title": TITLE, "archived_text": ARCHIVED, **kw})


def check(html: str, main_text: str, context: Known | None = None) -> tuple[Verdict, tuple[str, ...]]:
    result = classify(Observation(url=URL, status=200, final_url=URL, html=html), main_text=main_text,
                      known=context or known())
    return result.verdict, result.reasons


def test_walled_chrome_with_nothing_of_the_article_left_is_a_removal_not_a_wall() -> None:
    verdict, reasons = check(chrome("<p>Sorry, we could not find that.</p>"), "Sorry, we could not find that.")
    assert verdict.is_dead and verdict is not Verdict.BLOCKED, reasons
    assert any(r.startswith("archived-text:gone") for r in reasons)


def test_a_notice_in_unknown_words_under_the_kept_headline_is_a_removal_notice() -> None:
    notice = "Our editors have taken this report down while facts are reviewed."
    verdict, reasons = check(chrome(f"<p>{notice}</p>", h1=TITLE), notice)
    assert verdict is Verdict.REMOVAL_NOTICE, reasons
    assert "headline-kept" in reasons


def test_an_emptied_template_is_a_removal_even_with_some_chrome_text() -> None:
    verdict, reasons = check(chrome("<div class='article-body'></div>"), CHROME_TEXT)
    assert verdict is Verdict.SOFT_404, reasons
    assert any(r.startswith("template:short") for r in reasons)


def test_the_template_of_any_url_with_a_few_words_more_is_a_removal() -> None:
    long_chrome = " ".join([CHROME_TEXT] * 3)
    probe = Probe(url="https://news.example.org/world/2026/02/11/xkqzv-wplrt", status=200,
                  title="The Harbour Post", text=long_chrome)
    verdict, reasons = check(chrome(f"<p>{long_chrome}</p><p>This page has moved on.</p>"),
                             f"{long_chrome} This page has moved on.", known(probe=probe))
    assert verdict.is_dead, reasons
    assert any(r.startswith("template:") or r.startswith("probe:") for r in reasons)


def test_an_article_behind_a_wall_is_alive_when_its_start_is_there() -> None:
    teaser = PARAGRAPHS[0]
    html = chrome(f"<p>{teaser}</p><div class='paywall'><p>Subscribe to continue reading.</p></div>", h1=TITLE)
    verdict, reasons = check(html, f"{teaser} Subscribe to continue reading.")
    assert verdict is Verdict.ALIVE and "wall:article-behind" in reasons


def test_a_not_found_widget_beside_the_full_article_changes_nothing() -> None:
    widget = "<div class='widget'><h3>Page not found?</h3><p>The page you requested does not exist.</p></div>"
    verdict, reasons = check(chrome("".join(f"<p>{p}</p>" for p in PARAGRAPHS) + widget, h1=TITLE), ARCHIVED)
    assert verdict is Verdict.ALIVE, reasons


def test_a_consent_gate_with_no_links_is_blocked_even_when_the_article_is_not_in_it() -> None:
    html = ("<html><head><title>Before you continue</title></head><body><div id='consent'>"
            "<h2>We value your privacy</h2><p>We and our partners store cookies on your device.</p>"
            "<button>Accept all cookies</button></div></body></html>")
    verdict, reasons = check(html, "We value your privacy. We and our partners store cookies on your device.")
    assert verdict is Verdict.BLOCKED, reasons


def test_a_cookie_banner_on_the_sites_own_not_found_page_is_not_a_gate() -> None:
    banner = "<div class='cookie-banner'><p>We value your privacy.</p><button>Accept all cookies</button></div>"
    verdict, reasons = check(chrome(banner + "<p>Nothing here.</p>"), "Nothing here.")
    assert verdict.is_dead, reasons


# -- remnants: notice or emptied pages that keep copies of some of the article's words (summary boxes,
# subtitles, fact boxes), and the controls they must not be confused with. A longer article, so that one
# paragraph is a small share of it.

LONG_TITLE = "Valley rail line to close for eighteen months of rebuilding"
LONG = [
    "The valley rail line will close from the first of March for eighteen months while engineers replace the "
    "viaduct, the signalling and most of the track between the two market towns, the operator said on Monday.",
    "Replacement buses will run every twenty minutes at peak times and every hour in the evening, stopping at "
    "each station car park rather than in the town centres, which has angered shop owners along the route.",
    "The operator said the viaduct, built in the eighteen-sixties, had been patched so often that inspectors "
    "could no longer certify it for heavier modern trains without a complete rebuild of its piers and deck.",
    "Commuters who travel to the city every day will face journeys up to forty minutes longer, according to the "
    "operator's own figures, and season ticket holders will be offered a partial refund for the whole period.",
    "Local councillors said they had been told of the closure only a week before the announcement and asked "
    "the regional transport board to publish the engineering reports that led to the decision in full.",
    "Freight services that carry timber from the upper valley will be diverted over the northern route, adding "
    "a day to deliveries and forcing two sawmills to rent extra storage space near the junction.",
    "The rebuilding will cost about two hundred million, shared between the national rail budget and the "
    "region, which borrowed its part against future ticket revenue after a long debate in the assembly.",
    "Engineers plan to work through two winters, pouring the new piers in the dry months and lifting the deck "
    "sections into place with the largest mobile crane ever used on a railway project in the country.",
    "Walking groups welcomed a promise that the old footpath under the viaduct will reopen once the work ends, "
    "with a new bridge for cyclists over the river where the path has been closed for safety since 2019.",
    "The operator said it would publish a detailed timetable for the replacement buses by the end of January "
    "and hold open evenings in every town on the line so that passengers can ask questions in person.",
]
LONG_TEXT = "\n\n".join(LONG)


def long_known(**kw: object) -> Known:
    return Known(**{"archived_title": LONG_TITLE, "archived_text": LONG_TEXT, **kw})


def check_long(html: str, main_text: str, **kw: object) -> tuple[Verdict, tuple[str, ...]]:
    result = classify(Observation(url=URL, status=200, final_url=URL, html=html), main_text=main_text,
                      known=long_known(**kw))
    return result.verdict, result.reasons


def test_a_notice_under_a_summary_box_that_copies_the_opening_paragraph_is_a_removal() -> None:
    # the summary box keeps the article's first paragraph and one key point (under a fifth of the body);
    # the chrome loads wall scripts (markup only, no declared wall)
    notice = "This report is no longer on our pages."
    main = f"<div class='summary'><p>{LONG[0]}</p><p>{LONG[4]}</p></div><p class='notice'>{notice}</p>"
    verdict, reasons = check_long(chrome(main, h1=LONG_TITLE), f"{LONG[0]}\n\n{LONG[4]}\n\n{notice}")
    assert verdict is Verdict.REMOVAL_NOTICE, reasons
    assert any(r.startswith("archived-text:mostly-gone") for r in reasons)
    assert "headline-kept" in reasons


def test_a_page_that_kept_two_fact_boxes_of_a_removed_article_is_a_removal() -> None:
    # two and a half middle paragraphs survive as boxes beside the chrome (under a quarter of the body, not its
    # start), nothing new is said
    kept = [LONG[3], LONG[6], LONG[8][:120]]
    main = "".join(f"<div class='factbox'><p>{p}</p></div>" for p in kept)
    verdict, reasons = check_long(chrome(main, h1=LONG_TITLE), "\n\n".join(kept))
    assert verdict.is_dead, reasons
    assert any(r.startswith("archived-text:mostly-gone") for r in reasons)


def test_an_emptied_template_whose_main_text_is_a_long_menu_is_a_removal() -> None:
    # the extractor takes the site's menus and tag lists for the main text: many words, no sentences
    sections = ("Markets", "Politics", "Weather", "Podcasts", "Newsletters", "Regions", "Events")
    items = [f"{section} news desk {n}" for n in range(1, 9) for section in sections]
    main = "".join(f"<div><a href='/s/{i}'>{item}</a></div>" for i, item in enumerate(items))
    menu = "\n\n".join(items)
    verdict, reasons = check_long(chrome(main, h1=LONG_TITLE), menu)
    assert verdict is Verdict.REMOVAL_NOTICE, reasons
    assert any(r.startswith("template:short") for r in reasons)


def test_a_declared_paywall_teaser_with_a_soft_hyphenated_headline_stays_alive() -> None:
    head = "<script type='application/ld+json'>{\"@type\": \"NewsArticle\", \"isAccessibleForFree\": false}</script>"
    h1 = LONG_TITLE.replace("rebuilding", "re\u00adbuild\u00ading").replace("eighteen", "eigh\u2060teen")
    wall = "<div class='paywall'><p>Subscribe to continue reading.</p></div>"
    teaser = "".join(f"<p>{p}</p>" for p in LONG[:1])
    main_text = f"{LONG[0]}\n\nSubscribe to continue reading."
    verdict, reasons = check_long(chrome(teaser + wall, head=head, h1=h1), main_text)
    assert verdict is Verdict.ALIVE and "wall:article-behind" in reasons, reasons


def test_a_wall_in_the_chrome_does_not_make_an_emptied_page_a_teaser() -> None:
    # only the opening paragraph survives (a teaser rail), no headline, a subscription box in the chrome
    head = "<script type='application/ld+json'>{\"@type\": \"WebPage\", \"isAccessibleForFree\": false}</script>"
    main = f"<div class='teaser-rail'><p>{LONG[0]}</p></div><div class='paywall'><p>Subscribe now.</p></div>"
    verdict, reasons = check_long(chrome(main, head=head), f"{LONG[0]}\n\nSubscribe now.")
    assert verdict.is_dead, reasons


def test_an_article_cut_to_its_first_half_is_changed_not_removed() -> None:
    kept = LONG[:5]
    verdict, reasons = check_long(chrome("".join(f"<p>{p}</p>" for p in kept), h1=LONG_TITLE), "\n\n".join(kept))
    assert verdict is Verdict.CHANGED, reasons


def test_a_remnant_under_much_new_text_is_a_rewrite_not_a_removal() -> None:
    new = [
        f"Update {n}: the regional transport board has now agreed to publish every engineering report on the "
        f"viaduct, and the operator says a shorter closure of twelve months is being studied after talks number {n} "
        "with contractors who offered to work night shifts and weekends at the same price."
        for n in range(1, 8)
    ]
    paragraphs = [LONG[0], LONG[1], *new]
    verdict, reasons = check_long(chrome("".join(f"<p>{p}</p>" for p in paragraphs), h1=LONG_TITLE),
                                  "\n\n".join(paragraphs))
    assert verdict.is_alive, reasons
