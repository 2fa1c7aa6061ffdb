"""Liveness: is the article still at this URL? One verdict per observation, with reasons.

``classify(obs, main_text=..., known=...)`` is a pure function of one fetch (requested
URL, status, redirect chain, final URL, headers, body), of the page's main text as the
extractor saw it, and of what the archive knows (:class:`Known`: the archived title and
main text, the site's random-URL probe). First matching rule wins (docs/liveness.md §6):

=====  ===============================================================  ================
rule   condition                                                        verdict
=====  ===============================================================  ================
net    NXDOMAIN / other DNS, timeout, connection or TLS failure         domain_gone /
                                                                        transient
net    a redirect morgue refused (out of scope, URL too long)           blocked
http   304                                                              alive
http   408, 429, 5xx / 401, 403, 407, 451 / 410 / 404 and other 4xx     transient /
                                                                        blocked / gone /
                                                                        not_found
body   2xx with an empty body                                           soft_404
redir  to the site root / to an error URL / to a login-subscribe-      redirect_home /
       consent page / to where the random probe lands / same text       soft_404 /
       (similarity >= 0.6) / to a sink where >= 5 archived URLs of      blocked /
       the site ended / to a section (shorter path, unrelated)
                                                                        redirect_section
                                                                        / moved
keep   archived text still there (similarity >= 0.8)                    alive or changed
wall   paywall, consent or bot-challenge markers with a short text      blocked
probe  same page as a random URL of the same shape (similarity >= 0.9)  soft_404
text   a not-found / removal phrase in title, h1 or og:title with a     soft_404 /
       short main text (< 150 words), or in a very short main text      removal_notice
drift  unrelated to the archived text (cosine < 0.10 and 85 % fewer     replaced
       words, or a new unrelated headline)
       otherwise, with an archived text                                 changed
       otherwise                                                        alive
=====  ===============================================================  ================

A phrase anywhere else (a footer widget, a sidebar, a long article that quotes it)
means nothing: the RFI seed page carries a "Page non trouvée" block under a full
article and is alive.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from crawler.core.items import Article, LivenessResult, Probe, Verdict
from crawler.core.urls import canonicalize, is_site_root
from crawler.page.lexicon import (
    GATE_PHRASES,
    NOT_FOUND_PHRASES,
    PAYWALL_RE,
    REMOVAL_PHRASES,
    WALL_MARKUP,
    normalise,
    phrase_pattern,
)
from crawler.page.similarity import cosine, novel_tokens, presence, shingles, tokens, word_count, word_drop

REFUSED_REDIRECTS = frozenset({"out-of-scope", "url-too-long"})  # failure names from crawler.components.guards
SHORT_TEXT_WORDS = 150  # main text shorter than this may be a notice, not an article
VERY_SHORT_TEXT_WORDS = 60  # a phrase in main text this short counts even outside title/h1
KEEP_SIMILARITY = 0.8  # the archived text is still there
MOVED_SIMILARITY = 0.6  # a redirect target carrying the archived text
PROBE_SIMILARITY = 0.9  # the page is what any random URL of the site returns
REPLACED_SIMILARITY = 0.10  # AlNoamany et al. 2016: off-topic below this cosine ...
REPLACED_DROP = 0.85  # ... with at least this drop in word count
REPLACED_TITLE_SIMILARITY = 0.3  # ... or with a new, unrelated headline
UNCHANGED_SIMILARITY = 0.995
GONE_PRESENCE = 0.2  # less than this share of the archived text's 4-token runs left anywhere in the page ...
START_PRESENCE = 0.8  # ... and none of its opening paragraphs is there (this share of it): the article is gone
MOSTLY_GONE = 0.3  # less than this share left, without a declared wall, and little new text: mostly gone
OPENING_PARAGRAPHS = 3  # the body's first paragraphs: what a teaser behind a wall shows
PARAGRAPH_TOKENS = 12  # shorter paragraphs (datelines, labels) say nothing
SHRUNK = 0.5  # a kept headline over a text this much shorter than the archived body: the body was removed
TEMPLATE_SIMILARITY = 0.6  # what is left is the site's page for any URL (the random-URL probe's answer)
ARTICLE_WORDS = 8  # a walled page with a headline and this much text carries the article's start

ERROR_URL = re.compile(r"(/404(\b|/|\.)|404\.html?|/not-?found|notfound|/error(/|\.|$)|errpage=)", re.IGNORECASE)
WALL_URL = re.compile(
    r"(^|[./-])(login|signin|sign-in|connexion|subscribe|subscription|abonnement|abonnements|abo|"
    r"consent|privacy-gate|paywall|register|account|captcha|challenge)([./-]|$)",
    re.IGNORECASE,
)


NOT_FOUND_RE = phrase_pattern(NOT_FOUND_PHRASES)
REMOVAL_RE = phrase_pattern(REMOVAL_PHRASES)
GATE_RE = phrase_pattern(GATE_PHRASES)  # consent, bot checks, geo-blocks: nothing of the article behind them
WALL_MARKUP_RE = re.compile("|".join(re.escape(m) for m in WALL_MARKUP), re.IGNORECASE)
CONSENT_MARKUP_RE = re.compile(r"didomi|onetrust|sp_message|qc-cmp|cookiebot|usercentrics|consent|\bcmp\b", re.I)
CONSENT_WORDS = re.compile(
    r"cookie|consent|zustimm|einwillig|datenschutz|privacy|privée|privacidad|partner|partenaires|accept|akzept", re.I
)
GATE_LINKS = 15  # a page with fewer links than this, consent markup and consent words is a consent gate
CHALLENGE_RE = re.compile(r"cf-challenge|challenge-platform|__cf_chl|cf-browser-verification|captcha", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One fetch of one URL, as the fetcher saw it."""

    url: str  # requested URL
    status: int | None = None  # None when no response arrived
    final_url: str | None = None
    redirect_chain: tuple[str, ...] = ()  # URLs before final_url
    headers: Mapping[str, str] = field(default_factory=dict)  # lowercase names
    html: str | None = None  # decoded body of an HTML response
    body_length: int | None = None  # bytes received
    error: str | None = None  # "nxdomain" | "dns" | "timeout" | "connection" | "tls" | other failure name
    tree: Any = None  # ``html`` parsed once by the page pipeline (lxml, crawler.page.extract.parse_html); read only


@dataclass(frozen=True, slots=True, kw_only=True)
class Known:
    """What the archive knows about the URL when it is re-checked."""

    archived_title: str | None = None
    archived_text: str | None = None  # lead and body
    archived_lead: str | None = None  # the lead alone, when the archive has one
    probe: Probe | None = None
    sinks: frozenset[str] = frozenset()  # canonical URLs where many archived URLs' redirects end


@dataclass(frozen=True, slots=True)
class PageSignals:
    """What liveness reads from a page: the places where a notice counts, and wall markers."""

    title: str = ""
    h1: str = ""
    og_title: str = ""
    not_free: bool = False  # JSON-LD isAccessibleForFree is false
    wall_markup: bool = False  # consent-manager, paywall or bot-challenge markup
    visible_text: str = ""  # text of <main> (or <article>, or <body>) without nav, header, footer, aside
    page_text: str = ""  # the body's text (no script: metadata repeats the opening lines of removed articles)
    consent_markup: bool = False  # a consent manager's markup or script
    links: int = 0  # links in the body: a site's own page (chrome) has many, a consent or bot gate few


def page_signals(html: str | None, tree: Any = None) -> PageSignals:
    """What liveness reads of a page; ``tree``: the page already parsed (read only), else ``html`` is parsed."""
    if tree is not None:
        doc = tree
    elif not html or not html.strip():
        return PageSignals()
    else:
        try:
            doc = lxml.html.document_fromstring(html)
        except (etree.ParserError, ValueError):
            return PageSignals()

    def first(xpath: str) -> str:
        for el in doc.xpath(xpath):
            text = el if isinstance(el, str) else el.text_content()
            if text and text.strip():
                return normalise(text)
        return ""

    not_free = any(
        re.search(r'"isAccessibleForFree"\s*:\s*("false"|false|"False")', script)
        for script in doc.xpath('//script[@type="application/ld+json"]/text()')
    )
    markup = " ".join(
        v for v in doc.xpath("//body//@id | //body//@class | //script/@src | //iframe/@src") if isinstance(v, str)
    )
    title, h1, og_title = first("//title"), first("//h1"), first('//meta[@property="og:title"]/@content')
    page_text = " ".join(
        t
        for t in doc.xpath(
            "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
        )
        if isinstance(t, str)
    )
    containers = doc.xpath("//main") or doc.xpath("//article") or doc.xpath("//body")
    visible = ""
    if containers:
        container = containers[0]
        for el in container.xpath(
            ".//nav | .//header | .//footer | .//aside | .//script | .//style | .//noscript"
            " | .//form | .//*[@hidden] | .//*[contains(@style, 'display:none')]"
        ):
            el.drop_tree()
        visible = normalise(container.text_content())[:5000]
    return PageSignals(
        title=title,
        h1=h1,
        og_title=og_title,
        not_free=not_free,
        wall_markup=bool(WALL_MARKUP_RE.search(markup)),
        visible_text=visible,
        page_text=page_text,
        consent_markup=bool(CONSENT_MARKUP_RE.search(markup)),
        links=len(doc.xpath("//body//a[@href]")),
    )


def _result(verdict: Verdict, *reasons: str) -> LivenessResult:
    return LivenessResult(verdict=verdict, reasons=reasons)


def _http(obs: Observation) -> LivenessResult | None:
    """Rules decided by the transport alone."""
    if obs.status is None:
        if obs.error == "nxdomain":
            return _result(Verdict.DOMAIN_GONE, "net:nxdomain")
        if obs.error in REFUSED_REDIRECTS:  # crawler.components.guards: never fetched, never evidence of removal
            return _result(Verdict.BLOCKED, f"redirect:{obs.error}")
        return _result(Verdict.TRANSIENT, f"net:{obs.error or 'unknown'}")
    status = obs.status
    if status == 304:
        return _result(Verdict.ALIVE, "http:304-not-modified")
    if status in (408, 429) or status >= 500:
        if obs.html and CHALLENGE_RE.search(obs.html):
            return _result(Verdict.BLOCKED, f"http:{status}", "wall:challenge")
        return _result(Verdict.TRANSIENT, f"http:{status}")
    if status in (401, 403, 407, 451):
        return _result(Verdict.BLOCKED, f"http:{status}")
    if status == 410:
        return _result(Verdict.GONE, "http:410")
    if status >= 400:
        return _result(Verdict.NOT_FOUND, f"http:{status}")
    if status >= 300:  # a redirect that was not followed (loop cut, max hops, no Location)
        return _result(Verdict.TRANSIENT, f"http:{status}-unfollowed")
    if status == 204 or obs.body_length == 0 or (obs.html is not None and not obs.html.strip()):
        return _result(Verdict.SOFT_404, "body:empty")
    return None


def _section_like(original: str, final: str) -> bool:
    """``final`` looks like a listing above ``original``: a shorter path without digits in its last part."""
    before = [s for s in urlsplit(original).path.split("/") if s]
    after = [s for s in urlsplit(final).path.split("/") if s]
    return len(after) < len(before) and not re.search(r"\d", after[-1] if after else "")


def _redirect(obs: Observation, final: str, text: str, known: Known) -> LivenessResult | None:
    """Rules about where a redirect landed."""
    if is_site_root(final) and not is_site_root(obs.url):
        return _result(Verdict.REDIRECT_HOME, "redirect:root")
    parts = urlsplit(final)
    if ERROR_URL.search(f"{parts.path}?{parts.query}"):
        return _result(Verdict.SOFT_404, "redirect:error-url")
    if WALL_URL.search(parts.hostname or "") or WALL_URL.search(parts.path):
        return _result(Verdict.BLOCKED, "redirect:wall")
    probe = known.probe
    if (
        probe is not None
        and probe.redirected
        and probe.final_url
        and canonicalize(probe.final_url) == canonicalize(final)
    ):
        return _result(Verdict.REDIRECT_SECTION, "redirect:probe-sink")
    sim = cosine(known.archived_text, text) if known.archived_text else None
    if sim is not None and sim >= MOVED_SIMILARITY:
        return _result(Verdict.MOVED, f"redirect:same-text:{sim:.2f}")
    if canonicalize(final) in known.sinks:
        return _result(Verdict.REDIRECT_SECTION, "redirect:sink")
    if _section_like(obs.url, final) and (sim is None or sim < REPLACED_SIMILARITY):
        return _result(Verdict.REDIRECT_SECTION, "redirect:section")
    return None


def _phrases(signals: PageSignals, text: str, words: int) -> LivenessResult | None:
    """Not-found and removal phrases, only where they mean the page itself."""
    if words < SHORT_TEXT_WORDS:
        for where, value in (("title", signals.title), ("h1", signals.h1), ("og:title", signals.og_title)):
            if REMOVAL_RE.search(value):
                return _result(Verdict.REMOVAL_NOTICE, f"phrase:removal:{where}")
            if NOT_FOUND_RE.search(value):
                return _result(Verdict.SOFT_404, f"phrase:not-found:{where}")
    if words < VERY_SHORT_TEXT_WORDS:
        if REMOVAL_RE.search(text):
            return _result(Verdict.REMOVAL_NOTICE, "phrase:removal:short-text")
        if NOT_FOUND_RE.search(text):
            return _result(Verdict.SOFT_404, "phrase:not-found:short-text")
        # the extractor may have kept a tagline instead of a short notice: read the page's main container
        if word_count(signals.visible_text) < VERY_SHORT_TEXT_WORDS:
            if REMOVAL_RE.search(signals.visible_text):
                return _result(Verdict.REMOVAL_NOTICE, "phrase:removal:visible-text")
            if NOT_FOUND_RE.search(signals.visible_text):
                return _result(Verdict.SOFT_404, "phrase:not-found:visible-text")
    return None


def classify(
    obs: Observation, *, main_text: str | None = None, known: Known | None = None, article: Article | None = None
) -> LivenessResult:
    """The verdict for one observation; ``main_text`` is the extractor's main text (lead and body) and
    ``article`` what it extracted (its headline and access), if any."""
    known = known or Known()
    decided = _http(obs)
    if decided is not None:
        return decided
    final = obs.final_url or obs.url
    text = normalise(main_text or "")
    if obs.redirect_chain and canonicalize(final) != canonicalize(obs.url):
        decided = _redirect(obs, final, text, known)
        if decided is not None:
            return decided
    if is_site_root(obs.url) or obs.html is None:
        return _result(Verdict.ALIVE, "root" if obs.html is not None else "not-html")

    words = word_count(text)
    short = words < SHORT_TEXT_WORDS
    sim = cosine(known.archived_text, text) if known.archived_text else None
    # the page's title, h1 and markup only matter for a short text or when comparing with the archive:
    # a long article seen by a crawl is alive without parsing the page a second time
    read = short or sim is not None or known.probe is not None
    signals = page_signals(obs.html, obs.tree) if read else PageSignals()
    if sim is not None and sim >= KEEP_SIMILARITY:
        return _unchanged_or_changed(sim, signals, known)
    if known.archived_text:
        decided = _archived(signals, text, words, known, article, prose=prose_words(main_text or ""))
        if decided is not None:
            return decided
    decided = _phrases(signals, text, words)
    if decided is not None:
        return decided
    if short:
        decided = _wall(signals, text, words, article, archived=known.archived_text is not None)
        if decided is not None:
            return decided
    decided = _probe(signals, text, sim, known.probe)
    if decided is not None:
        return decided
    if short and ERROR_URL.search(urlsplit(final).path):
        return _result(Verdict.SOFT_404, "url:error-path")
    if sim is not None:
        return _drift(signals, text, known)
    return _result(Verdict.ALIVE, f"text:{words}-words")


def _walled(signals: PageSignals, text: str, article: Article | None) -> str | None:
    """The strongest sign that the page puts its article behind a wall, or None."""
    if article is not None and article.access not in (None, "free"):
        return "access:" + article.access
    if signals.not_free:
        return "isAccessibleForFree"
    if PAYWALL_RE.search(text) or PAYWALL_RE.search(signals.title):
        return "phrase"
    if signals.wall_markup:
        return "markup"
    return None


def _gate(signals: PageSignals, text: str, *, chrome_too: bool = True) -> str | None:
    """A consent, bot-check or geo-block page: it shows nothing of any article. Known wording, or
    consent markup and consent words on a page with almost no links. With ``chrome_too=False`` (a
    re-check whose archived text is gone) the known wording counts only on such a page too: a site's
    not-found page in its chrome with a cookie banner is not a gate."""
    visible = f"{signals.title} {text} {signals.visible_text[:2000]}"
    if GATE_RE.search(visible) and (chrome_too or signals.links < GATE_LINKS):
        return "phrase"
    if signals.consent_markup and signals.links < GATE_LINKS and CONSENT_WORDS.search(visible):
        return "consent"
    return None


def _wall(
    signals: PageSignals, text: str, words: int, article: Article | None, *, archived: bool
) -> LivenessResult | None:
    """A short page with wall signs: the article behind a wall (alive, flagged) or a wall with no
    article (blocked, never removal evidence). On a re-check :func:`_archived` has decided already when
    the archived text is gone; here the archive's start is there or nothing is known."""
    gate = _gate(signals, text)
    if gate is not None and words < VERY_SHORT_TEXT_WORDS:
        return _result(Verdict.BLOCKED, f"wall:{gate}")
    marker = _walled(signals, text, article)
    if marker is None:
        return None
    headline = bool(signals.h1) or bool(article is not None and article.title)
    carries_article = headline and (words >= ARTICLE_WORDS or bool(article is not None and article.lead))
    if carries_article or archived:
        return _result(Verdict.ALIVE, "wall:article-behind", f"wall:{marker}")
    return _result(Verdict.BLOCKED, f"wall:{marker}")


def _archived(
    signals: PageSignals, text: str, words: int, known: Known, article: Article | None, *, prose: int | None = None
) -> LivenessResult | None:
    """Re-check rules that read the archived article: is any of it still anywhere in the page?
    ``prose``: words of the main text in sentence-length paragraphs (menus and teaser rails are not)."""
    haystack = shingles(tokens(signals.page_text or signals.visible_text))
    body = _archived_body(known)
    full = presence(body, haystack)
    start = max((presence(p, haystack) for p in _opening_paragraphs(body)), default=0.0)
    declared = _declared_wall(signals, text, article)
    # what is left of the article: most of it, or (behind a wall the page declares) its start. A summary box, a
    # subtitle or a disclaimer that kept copies of the article's words is not the article, and wall scripts in
    # the site's chrome do not make it a teaser
    # (its start alone speaks for it only under its own headline: a wall element in the chrome of a page that
    # lost its headline too is the site's wall, not this article's)
    behind_wall = declared and (
        full >= GONE_PRESENCE or (start >= START_PRESENCE and _headline_kept(signals, known, visible_only=False))
    )
    if full >= MOSTLY_GONE or behind_wall:
        walled = words < SHORT_TEXT_WORDS and _walled(signals, text, article) is not None
        if walled and _phrases(signals, text, words) is None:  # a not-found title over a wall is no article
            return _result(Verdict.ALIVE, "wall:article-behind", f"archived-text:start:{start:.2f}")
        return None
    mostly = full >= GONE_PRESENCE or (start >= START_PRESENCE and full >= GONE_PRESENCE / 2)
    if mostly and novel_tokens(text, known.archived_text) >= SHORT_TEXT_WORDS:
        return None  # a remnant of the article under much new text: an edit or a rewrite, the drift rule decides
    lead = presence(known.archived_lead, haystack) if known.archived_lead else 0.0
    if declared and lead >= START_PRESENCE and _headline_kept(signals, known, visible_only=True):
        # a hard wall that shows the headline and the standfirst only: the article is behind it
        return _result(Verdict.ALIVE, "wall:article-behind", f"archived-text:lead:{lead:.2f}")
    gone = f"archived-text:{'mostly-gone' if mostly else 'gone'}:{full:.2f}"
    short = words < SHORT_TEXT_WORDS or (prose is not None and prose < SHORT_TEXT_WORDS)  # a notice, or chrome
    gate = _gate(signals, text, chrome_too=False)
    if gate is not None and short:
        return _result(Verdict.BLOCKED, f"wall:{gate}", gone)
    template = None
    probe, probe_sim = known.probe, _probe_similarity(signals, text, known.probe)
    if probe_sim is not None and probe_sim >= PROBE_SIMILARITY:
        return _result(Verdict.SOFT_404, f"probe:same-as-random-url:{probe_sim:.2f}", gone)
    if probe_sim is not None and probe_sim >= TEMPLATE_SIMILARITY:
        template = f"template:probe-match:{probe_sim:.2f}"
    elif probe_sim is not None and probe is not None and probe.text:
        leftover = novel_tokens(text, probe.text)
        if leftover < SHORT_TEXT_WORDS:  # the template and a few words
            template = f"template:probe-leftover:{leftover}-words"
    if not short and template is None:
        # a long text with nothing of the archived body: a rewrite under the same visible headline is a
        # change; the headline kept over a much shorter text is the body removed; no headline: replaced
        if not _headline_kept(signals, known, visible_only=True):
            return _result(Verdict.REPLACED, gone, "headline-gone")
        if word_count(text) <= SHRUNK * word_count(body):
            return _result(Verdict.REMOVAL_NOTICE, gone, "headline-kept", "words:shrunk")
        return None
    where = template or f"template:short:{words}-words"
    for pattern, verdict, name in (
        (REMOVAL_RE, Verdict.REMOVAL_NOTICE, "removal"),
        (NOT_FOUND_RE, Verdict.SOFT_404, "not-found"),
    ):
        if any(pattern.search(v) for v in (text, signals.title, signals.h1, signals.visible_text)):
            return _result(verdict, f"phrase:{name}", gone, where)
    if _headline_kept(signals, known, visible_only=False):
        return _result(Verdict.REMOVAL_NOTICE, gone, "headline-kept", where)
    drift = _drift(signals, text, known)
    if drift.verdict is Verdict.REPLACED:
        return _result(drift.verdict, *drift.reasons, gone)
    return _result(Verdict.SOFT_404, gone, where)


def _declared_wall(signals: PageSignals, text: str, article: Article | None) -> bool:
    """The page says its article is cut by a wall: its access (the extractor's wall evidence), JSON-LD
    ``isAccessibleForFree: false`` or wall wording in its main text. Wall markup alone is not enough: many
    sites load their paywall's scripts and elements on every page, their not-found page included."""
    if (article is not None and article.access not in (None, "free")) or signals.not_free:
        return True
    return bool(PAYWALL_RE.search(text))


def prose_words(text: str) -> int:
    """Tokens of ``text`` in paragraphs (blank-line separated) of at least PARAGRAPH_TOKENS tokens: the
    article-like part of a main text, without the one- to three-word lines of menus, tags and teaser rails."""
    paragraphs = re.split(r"\n\s*\n", text)
    return sum(n for n in (len(tokens(p)) for p in paragraphs) if n >= PARAGRAPH_TOKENS)


def _archived_body(known: Known) -> str:
    """The archived text without its lead (a notice page may keep the standfirst over a removed body)."""
    text = known.archived_text or ""
    lead = (known.archived_lead or "").strip()
    if lead and text.startswith(lead) and len(text) > len(lead) + 20:
        return text[len(lead) :].strip()
    return text


def _opening_paragraphs(body: str) -> list[str]:
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if len(tokens(p)) >= PARAGRAPH_TOKENS]
    return paragraphs[:OPENING_PARAGRAPHS]


def _headline_kept(signals: PageSignals, known: Known, *, visible_only: bool) -> bool:
    """The archived headline is the page's h1 (or, unless ``visible_only``, its og:title)."""
    archived = _words(known.archived_title)  # words only: punctuation and invisible characters vary
    if archived == " ":
        return False
    return archived in _words(signals.h1) or (not visible_only and archived in _words(signals.og_title))


def _words(text: str | None) -> str:
    """The words of ``text`` between spaces, without format characters (soft hyphens, word joiners)."""
    visible = "".join(c for c in text or "" if unicodedata.category(c) != "Cf")
    return f" {' '.join(tokens(visible))} "


def _drift(signals: PageSignals, text: str, known: Known) -> LivenessResult:
    """The page against the archived text: replaced by something unrelated, or changed."""
    sim = cosine(known.archived_text, text)
    title_sim = cosine(known.archived_title, signals.h1 or signals.title) if known.archived_title else 1.0
    if sim < REPLACED_SIMILARITY and word_drop(known.archived_text, text) >= REPLACED_DROP:
        return _result(Verdict.REPLACED, f"similarity:{sim:.2f}", "words:dropped")
    if sim < REPLACED_SIMILARITY and title_sim < REPLACED_TITLE_SIMILARITY:
        return _result(Verdict.REPLACED, f"similarity:{sim:.2f}", f"title-similarity:{title_sim:.2f}")
    return _result(Verdict.CHANGED, f"similarity:{sim:.2f}")


def _probe_similarity(signals: PageSignals, text: str, probe: Probe | None) -> float | None:
    """How much the page looks like the site's answer for a random URL (None without a 2xx probe)."""
    if probe is None or probe.status is None or not 200 <= probe.status < 300:
        return None
    return cosine(f"{probe.title or ''} {probe.text or ''}", f"{signals.title} {text}")


def _probe(signals: PageSignals, text: str, sim: float | None, probe: Probe | None) -> LivenessResult | None:
    """The page is what any random URL of the site returns."""
    probe_sim = _probe_similarity(signals, text, probe)
    if probe is None or probe_sim is None:
        return None
    if probe_sim >= PROBE_SIMILARITY:
        return _result(Verdict.SOFT_404, f"probe:same-as-random-url:{probe_sim:.2f}")
    same_title = bool(probe.title) and probe.title == signals.title
    if same_title and sim is not None and sim < REPLACED_SIMILARITY * 3:  # the site's page for any URL
        return _result(Verdict.SOFT_404, "probe:same-title", f"similarity:{sim:.2f}")
    return None


def _unchanged_or_changed(sim: float, signals: PageSignals, known: Known) -> LivenessResult:
    archived = normalise(known.archived_title or "")
    same_title = not archived or archived in (signals.h1, signals.og_title) or archived in signals.title
    if sim >= UNCHANGED_SIMILARITY and same_title:
        return _result(Verdict.ALIVE, f"similarity:{sim:.2f}")
    return _result(Verdict.CHANGED, f"similarity:{sim:.2f}", *(() if same_title else ("title-changed",)))
