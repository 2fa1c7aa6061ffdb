"""Field benchmark scoring: the metrics of the three development sets' READMEs, per page and
aggregated (used by :mod:`bench.fields`, which loads the pages, runs the tools and prints)."""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

FUNDUS_FIELDS = ("title", "authors", "date_day", "date_instant", "lead", "body_f1", "captions", "credits")
LEAD_THRESHOLD = 0.9
CAPTION_THRESHOLD = 0.8
INSTANT_TOLERANCE_S = 60.0

# --------------------------------------------------------------------------------------------------
# Text and tokens (fundus-dev README)
# --------------------------------------------------------------------------------------------------

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_SPACE = re.compile(r"\s+")
# Han (radicals, ideographs, extensions, iteration marks) and kana: each such character is one token
_CJK = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d\U0001b000-\U0001b16f\U00020000-\U0003134f"
)
_TOKEN = re.compile(f"(?=\\w)[{_CJK}]|[^\\W{_CJK}]+")
_TYPOGRAPHIC = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛‹›′", "'"),
        **dict.fromkeys("“”„‟«»″", '"'),
        **dict.fromkeys("‐‑‒–—―−", "-"),
    }
)


def normalise(text: str | None) -> str:
    """NFC, zero-width characters removed, whitespace collapsed and trimmed."""
    text = unicodedata.normalize("NFC", text or "").translate(_ZERO_WIDTH)
    return _SPACE.sub(" ", text).strip()


def tokens(text: str | None) -> list[str]:
    """Case-folded runs of word characters of the normalised text; each Han or kana character alone."""
    return _TOKEN.findall(normalise(text).casefold())


def token_f1(expected: Sequence[str], got: Sequence[str]) -> float:
    """Bag-of-tokens F1 of two token lists (1.0 when both are empty)."""
    if not expected and not got:
        return 1.0
    common = sum((Counter(expected) & Counter(got)).values())
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def title_key(text: str | None) -> str:
    """The title as compared: normalised, NFKC, case-folded, typographic quotes and dashes as ASCII."""
    folded = unicodedata.normalize("NFKC", normalise(text)).casefold().translate(_TYPOGRAPHIC)
    return _SPACE.sub(" ", folded).strip()


def collapse(text: str | None) -> str:
    """Whitespace collapsed to single spaces and trimmed (the snippets-dev comparison)."""
    return _SPACE.sub(" ", text or "").strip()


def contains_run(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """Whether ``needle`` occurs in ``haystack`` as a contiguous run of tokens."""
    n = len(needle)
    return n > 0 and any(list(haystack[i : i + n]) == list(needle) for i in range(len(haystack) - n + 1))


# --------------------------------------------------------------------------------------------------
# What a tool returned, and the per-field scores
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Fields:
    """One tool's output on one page, in the shape the metrics read. ``published`` is an aware or naive
    datetime, a bare date (tools that give only a day), or None."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | date | None = None
    lead: str | None = None
    body: str | None = None
    captions: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()
    paywalled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def text(self) -> str:
        """Lead followed by body."""
        return "\n\n".join(part for part in (self.lead, self.body) if part)


def parse_when(value: str | None) -> datetime | date | None:
    """An ISO date (``YYYY-MM-DD`` gives a date) or date-time (naive or with an offset); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def date_day_ok(expected: datetime, got: datetime | date | None) -> bool:
    """The expected day equals ``got``'s day read in its own offset, or converted to the expected offset."""
    if got is None:
        return False
    days = {_day(got)}
    if isinstance(got, datetime) and got.tzinfo and expected.tzinfo:
        days.add(got.astimezone(expected.tzinfo).date())
    return expected.date() in days


def instant_scored(expected: datetime) -> bool:
    """date_instant applies only to expected values with an offset and a time other than midnight."""
    return expected.tzinfo is not None and (expected.hour, expected.minute, expected.second) != (0, 0, 0)


def date_instant_ok(expected: datetime, got: datetime | date | None) -> bool:
    """``got`` is timezone-aware and within 60 s of the expected instant."""
    if not isinstance(got, datetime) or got.tzinfo is None:
        return False
    return abs((got - expected).total_seconds()) <= INSTANT_TOLERANCE_S


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def authors_ok(expected: Iterable[str], got: Iterable[str]) -> bool:
    """The set of names equals the expected set, ignoring case."""

    def names(values: Iterable[str]) -> set[str]:
        return {normalise(v).casefold() for v in values if normalise(v)}

    return names(expected) == names(got)


def caption_share(expected: Iterable[str], got: Iterable[str]) -> float | None:
    """Share of the distinct non-empty expected captions matched by an output caption with token F1 >= 0.8;
    None when there is none to expect."""
    wanted = {normalise(c) for c in expected if normalise(c)}
    if not wanted:
        return None
    outputs = [tokens(c) for c in got]
    hits = sum(any(token_f1(tokens(c), out) >= CAPTION_THRESHOLD for out in outputs) for c in wanted)
    return hits / len(wanted)


def credit_share(expected: Iterable[Sequence[str]], got: Iterable[str]) -> float | None:
    """Share of the distinct expected credits (an image's ``authors``, as tokens) matched by an output credit
    with token F1 >= 0.8 or found in it as a contiguous run of tokens; None when there is none to expect."""
    wanted = {tuple(tokens(" ".join(names))) for names in expected} - {()}
    if not wanted:
        return None
    outputs = [tokens(c) for c in got]
    hits = sum(any(token_f1(w, out) >= CAPTION_THRESHOLD or contains_run(out, w) for out in outputs) for w in wanted)
    return hits / len(wanted)


@dataclass(slots=True)
class Case:
    """One page of one set: its decoded HTML and what the set expects of it."""

    file: str  # path inside the set's folder
    url: str
    fetched_at: datetime  # aware
    truth: dict[str, Any]
    html: str = ""
    lang: str = "?"


# --------------------------------------------------------------------------------------------------
# Per-page scoring
# --------------------------------------------------------------------------------------------------


def _expected_body(truth: dict[str, Any]) -> str:
    sections = (truth.get("body") or {}).get("sections") or []
    return " ".join(p for s in sections for p in s.get("paragraphs") or [])


def _expected_lead(truth: dict[str, Any]) -> str:
    return " ".join((truth.get("body") or {}).get("summary") or [])


def fundus_expected(truth: dict[str, Any]) -> dict[str, Any]:
    """Display strings of the expected value per field."""
    images = truth.get("images") or []
    return {
        "title": truth.get("title") or "",
        "authors": "; ".join(truth.get("authors") or []),
        "date_day": truth.get("publishing_date") or "",
        "date_instant": truth.get("publishing_date") or "",
        "lead": _expected_lead(truth),
        "body_f1": _expected_body(truth),
        "captions": " | ".join(i.get("caption") or "" for i in images if i.get("caption")),
        "credits": " | ".join(", ".join(i.get("authors") or []) for i in images if i.get("authors")),
    }


def fundus_actual(out: Fields) -> dict[str, str]:
    """Display strings of a tool's value per field."""
    published = out.published.isoformat() if out.published else ""
    return {
        "title": out.title or "",
        "authors": "; ".join(out.authors),
        "date_day": published,
        "date_instant": published,
        "lead": out.lead or "",
        "body_f1": out.body or "",
        "captions": " | ".join(out.captions),
        "credits": " | ".join(out.credits),
    }


def after_crawl(expected: datetime, crawled: datetime) -> bool:
    """Whether the expected date is later than the crawl: a later instant when the expected value has an offset;
    a later calendar day when it has none (a naive time is local to the publisher: only its day is compared)."""
    if expected.tzinfo is not None:
        return expected > crawled
    return expected.date() > crawled.date()


def _dates_scores(truth: dict[str, Any], out: Fields, crawled: datetime) -> dict[str, float | None]:
    expected = parse_when(truth.get("publishing_date"))
    if not isinstance(expected, datetime) or after_crawl(expected, crawled):
        return {"date_day": None, "date_instant": None}  # no date, or later than the crawl: not scored
    instant = float(date_instant_ok(expected, out.published)) if instant_scored(expected) else None
    return {"date_day": float(date_day_ok(expected, out.published)), "date_instant": instant}


def score_fundus(case: Case, out: Fields) -> dict[str, float | None]:
    """Per-field scores of one page (None where the field is not scored)."""
    truth = case.truth
    lead, body = _expected_lead(truth), _expected_body(truth)
    images = truth.get("images") or []
    return {
        "title": float(title_key(out.title) == title_key(truth["title"])) if normalise(truth.get("title")) else None,
        "authors": float(authors_ok(truth["authors"], out.authors)) if truth.get("authors") else None,
        **_dates_scores(truth, out, case.fetched_at),
        "lead": float(token_f1(tokens(lead), tokens(out.lead)) >= LEAD_THRESHOLD) if tokens(lead) else None,
        "body_f1": token_f1(tokens(body), tokens(out.body)) if tokens(body) else None,
        "captions": caption_share((i.get("caption") or "" for i in images), out.captions),
        "credits": credit_share((i.get("authors") or [] for i in images), out.credits),
    }


def score_date(expected: date, out: Fields) -> dict[str, Any]:
    """dates-dev, one page: the day read in its own offset against the expected day."""
    got = _day(out.published) if out.published else None
    gap = abs((got - expected).days) if got else None
    return {
        "expected": expected.isoformat(),
        "got": got.isoformat() if got else None,
        "accuracy": float(gap == 0),
        "coverage": float(got is not None),
        "within_1_day": float(gap is not None and gap <= 1),
        "gap_days": gap,
    }


def score_snippets(truth: dict[str, Any], text: str | None) -> dict[str, Any]:
    """snippets-dev, one page: tp/fn over the ``with`` snippets, fp/tn over the ``without`` ones."""
    haystack = collapse(text)
    wanted = [collapse(s) for s in truth.get("with") or []]
    unwanted = [collapse(s) for s in truth.get("without") or []]
    missed = [s for s in wanted if s not in haystack]
    leaked = [s for s in unwanted if s in haystack]
    return {
        "tp": len(wanted) - len(missed),
        "fn": len(missed),
        "fp": len(leaked),
        "tn": len(unwanted) - len(leaked),
        "missed": missed,
        "leaked": leaked,
    }


def score_page(set_name: str, case: Case, out: Fields) -> dict[str, Any]:
    if set_name == "fundus":
        return score_fundus(case, out)
    if set_name == "dates":
        return score_date(date.fromisoformat(case.truth["date"]), out)
    return score_snippets(case.truth, out.text)


# --------------------------------------------------------------------------------------------------
# Aggregates
# --------------------------------------------------------------------------------------------------


def mean_scored(values: Iterable[float | None]) -> tuple[float | None, int]:
    """Mean over the values that are not None, and how many there were."""
    scored = [v for v in values if v is not None]
    return (statistics.fmean(scored) if scored else None), len(scored)


def summarise_fundus(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FUNDUS_FIELDS:
        out[name], out[f"n_{name}"] = mean_scored(r[name] for r in rows)
    return out


def summarise_dates(rows: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(rows)
    right = sum(r["accuracy"] for r in rows)
    dated = sum(r["coverage"] for r in rows)
    return {
        "accuracy": right / n if n else None,
        "coverage": dated / n if n else None,
        "precision": right / dated if dated else None,
        "within_1_day": sum(r["within_1_day"] for r in rows) / n if n else None,
    }


def snippet_prf(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    """trafilatura's definition: precision tp/(tp+fp), recall tp/(tp+fn), F1 2tp/(2tp+fp+fn)."""
    return {
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
    }


def summarise_snippets(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {k: sum(r[k] for r in rows) for k in ("tp", "fp", "fn", "tn")}
    return {**snippet_prf(totals["tp"], totals["fp"], totals["fn"]), **totals}


SUMMARISE: dict[str, Callable[[list[dict[str, Any]]], dict[str, Any]]] = {
    "fundus": summarise_fundus,
    "dates": summarise_dates,
    "snippets": summarise_snippets,
}


def body_by_lang(rows: list[dict[str, Any]]) -> dict[str, tuple[float | None, int]]:
    """Mean body F1 per ``<html lang>`` over the pages where it is scored."""
    langs = sorted({r["lang"] for r in rows})
    return {lang: mean_scored(r["body_f1"] for r in rows if r["lang"] == lang) for lang in langs}
