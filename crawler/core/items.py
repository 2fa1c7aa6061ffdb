"""The item schema: what one fetch produced, as typed, frozen dataclasses.

Semantics follow zyte-common-items' ``Article`` in snake_case: ``url`` is the only
required field of an article; every normalised value that came from a string on the
page keeps that string beside it (``published_at`` / ``published_raw``). Nothing here
imports Scrapy or storage.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Verdict(enum.StrEnum):
    """Liveness of one observation of one URL (see docs/liveness.md §6)."""

    ALIVE = "alive"  # the article is there
    CHANGED = "changed"  # the article is there, edited since it was archived
    MOVED = "moved"  # redirected to a new URL that carries the archived text
    NOT_FOUND = "not_found"  # HTTP 404 (and other 4xx)
    GONE = "gone"  # HTTP 410
    SOFT_404 = "soft_404"  # a 2xx page that says "not found", or what any random URL returns
    REMOVAL_NOTICE = "removal_notice"  # a 2xx page that says "this article was removed"
    REDIRECT_HOME = "redirect_home"  # redirected to the site's home page
    REDIRECT_SECTION = "redirect_section"  # redirected to a section page or a sink
    REPLACED = "replaced"  # the URL now serves something unrelated to the archived text
    TRANSIENT = "transient"  # 5xx, 408, 429, timeout, SERVFAIL, connection or TLS failure
    BLOCKED = "blocked"  # 401/403/451, paywall, consent or bot wall
    DOMAIN_GONE = "domain_gone"  # NXDOMAIN

    @property
    def is_dead(self) -> bool:
        """Removal-type: says the content is no longer at this URL."""
        return self in DEAD_VERDICTS

    @property
    def is_alive(self) -> bool:
        """Alive-type: the article is there (maybe edited, maybe at a new URL)."""
        return self in (Verdict.ALIVE, Verdict.CHANGED, Verdict.MOVED)

    @property
    def is_neutral(self) -> bool:
        """Says nothing about the content: never removal evidence, never resets it either."""
        return self in (Verdict.TRANSIENT, Verdict.BLOCKED)


DEAD_VERDICTS = frozenset(
    {
        Verdict.NOT_FOUND,
        Verdict.GONE,
        Verdict.SOFT_404,
        Verdict.REMOVAL_NOTICE,
        Verdict.REDIRECT_HOME,
        Verdict.REDIRECT_SECTION,
        Verdict.REPLACED,
        Verdict.DOMAIN_GONE,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Author:
    name: str  # normalised: "Jane Doe"
    name_raw: str | None = None  # as on the page: "Par JANE DOE | AFP"


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    url: str  # absolute URL
    caption: str | None = None  # caption text without the credit
    credit: str | None = None  # "AFP/HAIDAR HAMDANI"


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One news article extracted from one page. ``url`` is the only required field."""

    url: str  # final URL after redirects
    canonical_url: str | None = None  # normalised canonical URL (rel=canonical, og:url, or url)
    title: str | None = None  # the headline as shown, without kicker, overline or site name
    alternative_titles: tuple[str, ...] = ()  # the other headlines the page gives (og:title, JSON-LD, <title>)
    lead: str | None = None  # visible standfirst, not the meta description
    body: str | None = None  # paragraphs separated by blank lines, no boilerplate
    section: str | None = None  # "Irak / Terrorisme"
    tags: tuple[str, ...] = ()
    authors: tuple[Author, ...] = ()
    published_at: datetime | None = None  # aware UTC
    published_raw: str | None = None  # the string it was parsed from
    published_source: str | None = None  # "json-ld" | "meta" | "visible" | "url" | "feed"
    modified_at: datetime | None = None  # aware UTC
    modified_raw: str | None = None
    modified_source: str | None = None
    language: str | None = None  # ISO 639-1
    images: tuple[Image, ...] = ()
    site_name: str | None = None
    is_paywalled: bool | None = None  # a wall keeps part of the article out of the page (body_complete is False)
    access: str | None = None  # free | metered | subscription | registration (None: nothing to tell)
    access_evidence: tuple[str, ...] = ()  # what set ``access``: "json-ld:isAccessibleForFree", "wall:element"...
    body_complete: bool | None = None  # the stored body is the whole article, as far as the page tells

    @property
    def main_text(self) -> str:
        """The article's visible text: lead and body (what liveness compares over time)."""
        return "\n\n".join(part for part in (self.lead, self.body) if part)


@dataclass(frozen=True, slots=True, kw_only=True)
class LivenessResult:
    """What :func:`crawler.page.liveness.classify` decided, with the rule ids that fired."""

    verdict: Verdict
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """One attempt to fetch one URL: the observation, its verdict and, if alive, the article."""

    url: str  # requested URL
    source: str  # config source name
    kind: str = "article"  # article | listing | feed | sitemap: what the URL was fetched as
    fetched_at: datetime  # aware UTC
    verdict: Verdict
    reasons: tuple[str, ...] = ()
    final_url: str | None = None  # None when nothing was received
    status: int | None = None  # None for network failures
    redirect_chain: tuple[str, ...] = ()  # URLs visited before final_url
    content_type: str | None = None
    body_sha256: str | None = None
    error: str | None = None  # failure description for network errors
    article: Article | None = None  # only for alive article pages
    etag: str | None = None  # validators, for conditional re-checks
    last_modified: str | None = None
    evidence: bytes | None = None  # the body, kept for removal-type verdicts (<= 256 KiB)
    warc_file: str | None = None  # the WARC response record of this fetch (name in warc_dir), if written
    warc_offset: int | None = None
    warc_length: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """What a random URL of the same shape on the same site returned (Bar-Yossef 2004)."""

    url: str  # the random URL that was requested
    status: int | None  # None when nothing came back
    final_url: str | None = None
    redirected: bool = False
    title: str | None = None  # normalised <title>
    text: str | None = None  # main text as the extractor saw it
    host: str = ""  # host[:port] it stands for
    pattern: str = ""  # directory it stands for
    fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WarcRef:
    """Where one record is: its file (a name inside the WARC folder), offset and length in bytes."""

    file: str
    offset: int
    length: int
