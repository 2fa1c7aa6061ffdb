"""The removal report as one self-contained HTML page: counts, a bar chart of removals
over time (inline SVG, no script, no external file), and the list with its evidence."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from html import escape
from typing import Any

from storage.reports import RemovedReport

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} .meta{color:#666;margin-top:0}
table{border-collapse:collapse;width:100%;margin:1rem 0} th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;
text-align:left;vertical-align:top} th{background:#f4f4f4} td.n{text-align:right;font-variant-numeric:tabular-nums}
.ev{font-size:.85em;color:#444} .chart{margin:1rem 0} .bar{fill:#b3261e} .axis{stroke:#999}
.lbl{font-size:11px;fill:#555}
"""


def _bins(by_day: list[tuple[date, int]]) -> tuple[list[tuple[date, int]], str]:
    """Per day, or per ISO week when the span is long, with empty bins filled in."""
    if not by_day:
        return [], "day"
    first, last = by_day[0][0], by_day[-1][0]
    weekly = (last - first).days > 90
    step = timedelta(days=7 if weekly else 1)
    start = first - timedelta(days=first.weekday()) if weekly else first
    counts: dict[date, int] = {}
    for day, n in by_day:
        key = day - timedelta(days=day.weekday()) if weekly else day
        counts[key] = counts.get(key, 0) + n
    bins, cur = [], start
    while cur <= last:
        bins.append((cur, counts.get(cur, 0)))
        cur += step
    return bins, "week" if weekly else "day"


def chart_svg(by_day: list[tuple[date, int]], *, width: int = 1000, height: int = 220) -> str:
    bins, unit = _bins(by_day)
    if not bins:
        return "<p>No removals in this period.</p>"
    top = max(n for _, n in bins)
    left, bottom, plot_h = 40, 30, height - 50
    bar_w = max(1.0, (width - left - 10) / len(bins))
    parts = [
        f'<svg class="chart" role="img" aria-label="Removals per {unit}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}"/>',
        f'<text class="lbl" x="{left - 6}" y="{height - bottom - plot_h + 4}" text-anchor="end">{top}</text>',
        f'<text class="lbl" x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
    ]
    label_every = max(1, len(bins) // 10)
    for i, (day, n) in enumerate(bins):
        h = plot_h * n / top if top else 0
        x = left + i * bar_w
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{height - bottom - h:.1f}" width="{max(bar_w - 2, 1):.1f}" '
            f'height="{h:.1f}"><title>{day.isoformat()}: {n} removed</title></rect>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text class="lbl" x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle">'
                f"{day.strftime('%d %b')}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


def _dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _evidence(items: list[dict[str, Any]]) -> str:
    rows = []
    for e in items:
        reasons = ", ".join(e["reasons"])
        where = f" → {escape(e['final_url'])}" if e.get("final_url") else ""
        rows.append(
            f"{_dt(e['fetched_at'])}: {escape(str(e['status'] or 'no response'))} "
            f"<b>{escape(e['verdict'])}</b> ({escape(reasons)}){where}"
        )
    return "<br>".join(rows)


def render_removed_html(report: RemovedReport, *, generated_at: datetime, since: datetime | None = None) -> str:
    total = len(report.items)
    period = f"since {since.date().isoformat()}" if since else "all time"
    counts = "".join(
        f"<tr><td>{escape(c['source'])}</td><td>{escape(c['reason'] or '')}</td><td class=n>{c['count']}</td></tr>"
        for c in report.counts
    )
    items = "".join(
        f'<tr><td><a href="{escape(i["url"])}">{escape(i["title"] or i["url"])}</a><br>'
        f"<span class=ev>{escape(i['url'])}</span></td><td>{escape(i['source'])}</td>"
        f"<td>{_dt(i['first_seen_at'])}</td><td>{_dt(i['removed_at'])}</td><td>{escape(i['reason'] or '')}</td>"
        f"<td class=ev>{_evidence(i['evidence'])}</td></tr>"
        for i in report.items
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>morgue: removed articles ({period})</title>
<style>{CSS}</style></head><body>
<h1>Removed articles: {total}</h1>
<p class="meta">{period}; generated {_dt(generated_at)} by morgue. A removal is confirmed only after several
removal-type observations some time apart; 5xx, timeouts and paywalls never count.</p>
<h2>Removals over time</h2>
{chart_svg(report.by_day)}
<h2>By site and reason</h2>
<table><thead><tr><th>site</th><th>reason</th><th>count</th></tr></thead><tbody>{counts}</tbody></table>
<h2>Articles</h2>
<table><thead><tr><th>article</th><th>site</th><th>first seen</th><th>removed at</th><th>reason</th>
<th>evidence</th></tr></thead><tbody>{items}</tbody></table>
</body></html>
"""
