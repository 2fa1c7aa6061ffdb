"""Pure helpers of the web pages: the word-level diff, the removals chart (inline SVG), snippets.

No I/O: each function turns values into markup-safe pieces that the templates place.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date, timedelta

from markupsafe import Markup, escape

DIFF_FIELDS = ("title", "lead", "body")


@dataclass(frozen=True, slots=True)
class Segment:
    op: str  # "equal" | "insert" | "delete"
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """``old`` turned into ``new`` word by word: equal runs, deletions and insertions, in reading
    order (a replaced run is its deletion then its insertion). Paragraph breaks count as words."""
    a, b = _tokens(old), _tokens(new)
    out: list[Segment] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(Segment("equal", " ".join(a[i1:i2])))
            continue
        if op in ("replace", "delete"):
            out.append(Segment("delete", " ".join(a[i1:i2])))
        if op in ("replace", "insert"):
            out.append(Segment("insert", " ".join(b[j1:j2])))
    return out


PARAGRAPH = "\u00b6"  # a paragraph break, as a token of its own


def _tokens(text: str) -> list[str]:
    words: list[str] = []
    for i, paragraph in enumerate(p for p in text.split("\n") if p.strip()):
        if i:
            words.append(PARAGRAPH)
        words.extend(paragraph.split())
    return words


def diff_markup(segments: list[Segment]) -> Markup:
    """The segments as HTML: ``<del>``/``<ins>`` around changes, paragraph marks as line breaks."""
    parts = []
    for seg in segments:
        text = escape(seg.text).replace(PARAGRAPH, Markup("<br><br>"))
        if seg.op == "insert":
            parts.append(Markup("<ins>%s</ins>") % text)
        elif seg.op == "delete":
            parts.append(Markup("<del>%s</del>") % text)
        else:
            parts.append(Markup(text))
    return Markup(" ").join(parts)


def snippet_markup(snippet: str | None, start: str, end: str) -> Markup:
    """A search snippet with its matches (between ``start`` and ``end``) in ``<mark>``."""
    if not snippet:
        return Markup("")
    out = []
    rest = snippet
    while True:
        i = rest.find(start)
        j = rest.find(end, i + len(start)) if i >= 0 else -1
        if i < 0 or j < 0:
            out.append(escape(rest))
            break
        out.append(escape(rest[:i]))
        out.append(Markup("<mark>%s</mark>") % rest[i + len(start) : j])
        rest = rest[j + len(end) :]
    return Markup("").join(out)


CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 720, 180, 28


def day_chart(by_day: list[tuple[date, int]], *, title: str = "Removals per day") -> Markup:
    """A bar chart of counts per day (every day between the first and the last shown, so gaps
    are visible) as inline SVG, with a text alternative; empty markup when there is nothing."""
    if not by_day:
        return Markup("")
    counts = dict(by_day)
    first, last = min(counts), max(counts)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    top = max(counts.values())
    plot_w, plot_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = plot_w / len(days)
    bar = min(max(1.0, step * 0.8), 48.0)  # one day alone is a bar, not a block
    label = "; ".join(f"{d.isoformat()}: {n}" for d, n in sorted(counts.items()))
    parts = [
        Markup(
            '<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 %d %d" '
            'width="%d" height="%d" aria-label="%s">'
        )
        % (CHART_WIDTH, CHART_HEIGHT, CHART_WIDTH, CHART_HEIGHT, f"{title}: {label}"),
        Markup("<title>%s</title>") % title,
        Markup('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>')
        % (CHART_PAD, CHART_HEIGHT - CHART_PAD, CHART_WIDTH - CHART_PAD, CHART_HEIGHT - CHART_PAD),
        Markup('<text x="4" y="%d" font-size="11" fill="#555">%d</text>') % (CHART_PAD + 4, top),
    ]
    for i, day in enumerate(days):
        n = counts.get(day, 0)
        if not n:
            continue
        h = plot_h * n / top
        x = CHART_PAD + i * step + (step - bar) / 2
        y = CHART_HEIGHT - CHART_PAD - h
        parts.append(
            Markup(
                '<rect class="bar" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#b03a2e">'
                "<title>%s: %d</title></rect>"
            )
            % (x, y, bar, h, day.isoformat(), n)
        )
    for day in {days[0], days[-1]}:
        x = CHART_PAD + days.index(day) * step + step / 2
        anchor = "start" if day == days[0] else "end"
        parts.append(
            Markup('<text x="%.1f" y="%d" font-size="11" fill="#555" text-anchor="%s">%s</text>')
            % (x, CHART_HEIGHT - 8, anchor, day.isoformat())
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
