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
