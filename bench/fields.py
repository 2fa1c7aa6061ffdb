"""Field benchmark: morgue's article extractor, field by field, on three development sets, against baselines.

    python -m bench.fields [--data PATH] [--only fundus|dates|snippets ...] [--limit N] [--worst N]
                           [--json OUT] [--no-baseline]                      (from the repository root)

Data: ``--data``, else ``$MORGUE_BENCHMARKS``, else ``<repo>/../shared/benchmarks``; each set's README.md
there defines its layout and metric, implemented here as written:

- ``fundus-dev``: real news pages with hand-checked fields (Fundus' parser regression data). Scored per
  page where the expected value is present: title, authors, date_day, date_instant, lead (0/1 each),
  body_f1 (token F1), captions and credits (shares). Each page runs with its ``meta.info`` URL and its
  crawl date as ``fetched_at``. Baseline: ``trafilatura.bare_extraction(html, url=url, with_metadata=True)``
  (``.description`` as the lead; it gives no captions or credits, which score 0).
- ``dates-dev``: pages with their publication day (htmldate's evaluation set), fetch time "now":
  accuracy, coverage, precision, within_1_day. Baselines: ``htmldate.find_date`` (extensive search,
  original date, ``max_date`` today) and trafilatura's metadata date.
- ``snippets-dev``: pages with ``with`` / ``without`` snippets (trafilatura's evaluation set): precision,
  recall and F1 over all snippets of the extracted text (morgue: lead + body). Baseline:
  ``trafilatura.extract(html, url=url)``.

morgue's ``published_at`` is stored as aware UTC; its day is read "in its own offset" with
:func:`crawler.page.normalize.in_own_offset`: in the offset ``published_raw`` states (or, for a naive local
time of the same instant, the offset implied by the two), so a page's 00:30+02:00 counts for its own day.

Every tool sees the same string per page: the gzip page decoded once with morgue's ``decode_html``.
Timing: each call alone with ``time.perf_counter`` after one untimed warm-up call per tool and set, the
garbage collector run before each page outside the timed region. A call that raises scores 0 on that
page and is listed. Printed: a table per set, fundus body F1 per ``<html lang>``, the worst pages per
field for morgue, and a paywall line (pages morgue flags as paywalled, and how many of them have a body).
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import htmldate
import lxml.html
import trafilatura

from bench.field_scores import (
    FUNDUS_FIELDS,
    LEAD_THRESHOLD,
    SUMMARISE,
    Case,
    Fields,
    as_utc,
    body_by_lang,
    collapse,
    fundus_actual,
    fundus_expected,
    normalise,
    parse_when,
    score_page,
)
from crawler.page.extract import decode_html, extract_article
from crawler.page.liveness import Observation, classify
from crawler.page.normalize import in_own_offset

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks"
SETS = ("fundus", "dates", "snippets")
FOLDERS = {"fundus": "fundus-dev", "dates": "dates-dev", "snippets": "snippets-dev"}
SHOW = 120  # characters of expected / actual text in the worst-page lists

# --------------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------------


_PAGE_NAME = re.compile(r"^(?P<publisher>.+)_(?P<day>\d{4}_\d{2}_\d{2})\.html\.gz$")


def version_key(version: str) -> tuple[int, ...]:
    """Release order of a parser-version block name: V1 < V1_1 < V1_2 < V2 < V2_1."""
    return tuple(int(part) for part in version.lstrip("Vv").split("_"))


def pair_versions(blocks: dict[str, Any], pages: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """A publisher's pages sorted by date, paired one to one with its version blocks in release order."""
    ordered_pages = sorted(pages, key=lambda name: _PAGE_NAME.match(name)["day"])  # type: ignore[index]
    ordered_blocks = [blocks[v] for v in sorted(blocks, key=version_key)]
    if len(ordered_pages) != len(ordered_blocks):
        raise ValueError(f"{len(ordered_pages)} pages but {len(ordered_blocks)} version blocks: {ordered_pages}")
    return list(zip(ordered_pages, ordered_blocks, strict=True))


def _fundus_country(folder: Path) -> list[Case]:
    meta = json.loads((folder / "meta.info").read_text("utf-8"))
    by_publisher: dict[str, list[str]] = {}
    for name in meta:
        match = _PAGE_NAME.match(name)
        if match is None:
            raise ValueError(f"unexpected page name in {folder}: {name}")
        by_publisher.setdefault(match["publisher"], []).append(name)
    cases = []
    for publisher, names in sorted(by_publisher.items()):
        blocks = json.loads((folder / f"{publisher}.json").read_text("utf-8"))
        for name, block in pair_versions(blocks, names):
            crawled = as_utc(datetime.fromisoformat(meta[name]["crawl_date"]))
            cases.append(Case(f"{folder.name}/{name}", meta[name]["url"], crawled, block))
    return cases


def load_fundus(root: Path) -> list[Case]:
    folders = sorted(p for p in root.iterdir() if (p / "meta.info").is_file())
    return [case for folder in folders for case in _fundus_country(folder)]


def load_cases_json(root: Path, now: datetime) -> list[Case]:
    """dates-dev and snippets-dev: ``cases.json`` maps URL to a record naming ``pages/<file>``."""
    cases = json.loads((root / "cases.json").read_text("utf-8"))
    return [Case(f"pages/{rec['file']}", url, now, rec) for url, rec in sorted(cases.items())]


def html_lang(html: str) -> str:
    """The first two letters of ``<html lang>`` (or ``xml:lang``), lower-cased; ``?`` when absent."""
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8")
        root = lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=parser)
    except (ValueError, lxml.etree.ParserError):
        return "?"
    lang = (root.get("lang") or root.get("xml:lang") or "").strip()
    return lang[:2].lower() or "?"


def read_pages(root: Path, cases: list[Case]) -> list[Case]:
    """Fill in each case's decoded HTML (morgue's ``decode_html`` on the gunzipped bytes) and its lang."""
    for case in cases:
        case.html = decode_html(gzip.decompress((root / case.file).read_bytes()))
        case.lang = html_lang(case.html)
    return cases


def load_set(name: str, data: Path, now: datetime, limit: int | None) -> tuple[Path, list[Case]]:
    root = data / FOLDERS[name]
    if not root.is_dir():
        raise FileNotFoundError(f"no {FOLDERS[name]} in {data} (use --data PATH or MORGUE_BENCHMARKS)")
    cases = load_fundus(root) if name == "fundus" else load_cases_json(root, now)
    return root, read_pages(root, cases[:limit])


# --------------------------------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------------------------------


def morgue_flagged(article: Any) -> bool:
    """Paywalled as morgue says it: ``is_paywalled`` (a wall keeps part of the article out of the page)."""
    return bool(article.is_paywalled)


def run_morgue(case: Case) -> Fields:
    article = extract_article(case.html, url=case.url, fetched_at=case.fetched_at)
    observation = Observation(url=case.url, status=200, final_url=case.url, html=case.html, body_length=len(case.html))
    verdict = classify(observation, main_text=article.main_text, article=article).verdict
    return Fields(
        title=article.title,
        authors=tuple(a.name for a in article.authors),
        published=in_own_offset(article.published_at, article.published_raw),
        lead=article.lead,
        body=article.body,
        captions=tuple(i.caption for i in article.images if i.caption),
        credits=tuple(i.credit for i in article.images if i.credit),
        paywalled=morgue_flagged(article),
        extra={
            "access": getattr(article, "access", None),
            "body_complete": getattr(article, "body_complete", None),
            "alternative_titles": list(getattr(article, "alternative_titles", ()) or ()),
            "is_paywalled": article.is_paywalled,
            "language": article.language,
            "stored": verdict.is_alive,  # what a crawl would do with the page: archive it, or not (blocked...)
            "verdict": verdict.value,
        },
    )


def split_authors(value: str | None) -> tuple[str, ...]:
    """trafilatura joins its authors with ``"; "``."""
    return tuple(name.strip() for name in (value or "").split(";") if name.strip())


def run_trafilatura_meta(case: Case) -> Fields:
    doc = trafilatura.bare_extraction(case.html, url=case.url, with_metadata=True)
    if doc is None:
        return Fields()
    return Fields(
        title=doc.title,
        authors=split_authors(doc.author),
        published=parse_when(doc.date),
        lead=doc.description,
        body=doc.text,
    )


def run_htmldate(case: Case) -> Fields:
    found = htmldate.find_date(
        case.html,
        url=case.url,
        extensive_search=True,
        original_date=True,
        max_date=case.fetched_at.strftime("%Y-%m-%d"),
    )
    return Fields(published=parse_when(found))


def run_trafilatura_text(case: Case) -> Fields:
    return Fields(body=trafilatura.extract(case.html, url=case.url))


Tool = Callable[[Case], Fields]
TOOLS: dict[str, dict[str, Tool]] = {
    "fundus": {"morgue": run_morgue, "trafilatura": run_trafilatura_meta},
    "dates": {"morgue": run_morgue, "htmldate": run_htmldate, "trafilatura": run_trafilatura_meta},
    "snippets": {"morgue": run_morgue, "trafilatura": run_trafilatura_text},
}


def timed(tool: Tool, case: Case) -> tuple[Fields, float]:
    """The tool's output on the page and its wall time in ms; an exception gives empty fields with the error."""
    start = time.perf_counter()
    try:
        out = tool(case)
    except Exception as exc:  # a crash costs that page, not the run
        out = Fields(error=f"{type(exc).__name__}: {exc}")
    return out, (time.perf_counter() - start) * 1000


# --------------------------------------------------------------------------------------------------
# Running a set
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class SetResult:
    name: str
    root: Path
    rows: dict[str, list[dict[str, Any]]]  # tool -> one row per page
    outputs: dict[str, list[Fields]]  # tool -> its output per page (not written to JSON)
    truths: list[dict[str, Any]] = field(default_factory=list)  # per page, what the set expects
    seconds: float = 0.0

    def summary(self) -> dict[str, dict[str, Any]]:
        result = {}
        for tool, rows in self.rows.items():
            ms = [r["ms"] for r in rows]
            result[tool] = {
                **SUMMARISE[self.name](rows),
                "ms_mean": statistics.fmean(ms) if ms else None,
                "pages": len(rows),
                "failures": [f"{r['file']}: {r['error']}" for r in rows if r["error"]],
            }
        return result


def run_set(name: str, root: Path, cases: Sequence[Case], tools: dict[str, Tool]) -> SetResult:
    """Every tool on every page of one set, scored and timed (protocol in the module docstring)."""
    result = SetResult(name, root, {t: [] for t in tools}, {t: [] for t in tools})
    started = time.perf_counter()
    if cases:
        for tool in tools.values():  # warm-up, untimed; a crash here shows up again below
            timed(tool, cases[0])
    for case in cases:
        result.truths.append(case.truth)
        gc.collect()
        for tool_name, tool in tools.items():
            out, ms = timed(tool, case)
            row = {"file": case.file, "url": case.url, "lang": case.lang, "ms": ms, "error": out.error}
            row.update(score_page(name, case, out))
            row.update(out.extra)
            row["paywalled"] = out.paywalled
            result.rows[tool_name].append(row)
            result.outputs[tool_name].append(out)
    result.seconds = time.perf_counter() - started
    return result


def paywall_stats(results: Iterable[SetResult], tool: str = "morgue") -> dict[str, int]:
    """Over all sets: pages behind a wall (``access`` not free) and how many of them are stored with a
    headline and with a body; pages flagged paywalled (``is_paywalled``: the body is cut by the wall) and
    how many of those still have a body; on fundus, how many flagged pages have body F1 >= 0.9 (a full
    body behind a wrong flag)."""
    keys = (
        "pages",
        "not_stored",
        "walled",
        "walled_with_title",
        "walled_stored",
        "walled_with_body",
        "flagged",
        "flagged_with_body",
        "fundus_flagged",
        "fundus_flagged_full_body",
    )
    stats = dict.fromkeys(keys, 0)
    for result in results:
        for row, out in zip(result.rows.get(tool, []), result.outputs.get(tool, []), strict=True):
            stats["pages"] += 1
            stats["not_stored"] += out.extra.get("stored") is False
            if out.extra.get("access") not in (None, "free"):
                stats["walled"] += 1
                stats["walled_with_title"] += bool(normalise(out.title))
                stats["walled_stored"] += bool(normalise(out.title)) and out.extra.get("stored") is True
                stats["walled_with_body"] += bool(normalise(out.body))
            if not out.paywalled:
                continue
            stats["flagged"] += 1
            stats["flagged_with_body"] += bool(normalise(out.body))
            if result.name == "fundus":
                stats["fundus_flagged"] += 1
                stats["fundus_flagged_full_body"] += (row.get("body_f1") or 0.0) >= LEAD_THRESHOLD
    return stats


# --------------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------------


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain aligned columns: the first left-aligned, the others right-aligned."""
    cells = [[str(h) for h in header], *[[fmt(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join([first, *rest]).rstrip())
    return "\n".join(lines)


COLUMNS = {
    "fundus": [*FUNDUS_FIELDS, "ms_mean"],
    "dates": ["accuracy", "coverage", "precision", "within_1_day", "ms_mean"],
    "snippets": ["precision", "recall", "f1", "tp", "fp", "fn", "tn", "ms_mean"],
}


def set_table(result: SetResult) -> str:
    summary = result.summary()
    columns = COLUMNS[result.name]
    rows: list[list[Any]] = [[tool, *(s[c] for c in columns)] for tool, s in summary.items()]
    if result.name == "fundus" and summary:
        first = next(iter(summary.values()))
        rows.append(["(pages scored)", *(first.get(f"n_{c}") for c in FUNDUS_FIELDS), None])
    header = ["tool", *("ms/page" if c == "ms_mean" else c for c in columns)]
    return table(header, rows)


def lang_table(result: SetResult) -> str:
    per_tool = {tool: body_by_lang(rows) for tool, rows in result.rows.items()}
    langs = sorted({lang for by in per_tool.values() for lang, (_, n) in by.items() if n})
    rows = []
    for lang in langs:
        n = next(by[lang][1] for by in per_tool.values())
        rows.append([lang, n, *(per_tool[t][lang][0] for t in per_tool)])
    return table(["lang", "pages", *per_tool], rows)


def clip(text: Any, width: int = SHOW) -> str:
    text = collapse(str(text if text is not None else ""))
    return text if len(text) <= width else text[: width - 1] + "…"


def _pages(result: SetResult, tool: str) -> list[tuple[dict[str, Any], Fields, dict[str, Any]]]:
    rows, outs = result.rows.get(tool, []), result.outputs.get(tool, [])
    return list(zip(rows, outs, result.truths, strict=True))


def worst_fundus(result: SetResult, n: int, tool: str = "morgue") -> list[str]:
    """Per field, the tool's n lowest-scoring pages below 1, with expected and actual values."""
    lines = []
    for name in FUNDUS_FIELDS:
        below = [p for p in _pages(result, tool) if p[0][name] is not None and p[0][name] < 1]
        below.sort(key=lambda p: (p[0][name], p[0]["file"]))
        lines.append(f"\nfundus {name}: {tool}'s worst {min(n, len(below))} of {len(below)} pages below 1")
        for row, out, truth in below[:n]:
            error = f"  ERROR {clip(row['error'])}" if row["error"] else ""
            lines.append(f"  {row['file']}  {row[name]:.2f}{error}")
            lines.append(f"    expected: {clip(fundus_expected(truth)[name])}")
            lines.append(f"    actual:   {clip(fundus_actual(out)[name])}")
    return lines


def worst_dates(result: SetResult, n: int, tool: str = "morgue") -> list[str]:
    """The tool's misses: wrong dates first, largest gap first (a wrong date is worse than none), then no date."""
    misses = [p for p in _pages(result, tool) if not p[0]["accuracy"]]
    misses.sort(key=lambda p: (p[0]["gap_days"] is None, -(p[0]["gap_days"] or 0), p[0]["file"]))
    lines = [f"\ndates: {tool}'s worst {min(n, len(misses))} of {len(misses)} misses"]
    for row, out, _ in misses[:n]:
        raw = out.published.isoformat() if out.published else "no date"
        error = f"  ERROR {clip(row['error'])}" if row["error"] else ""
        gap = f" ({row['gap_days']} days off)" if row["gap_days"] is not None else ""
        lines.append(f"  {row['file']}  expected {row['expected']}  got {raw}{gap}{error}")
    return lines


def worst_snippets(result: SetResult, n: int, tool: str = "morgue") -> list[str]:
    """The tool's pages with the most wrong snippets (missed ``with`` plus leaked ``without``)."""
    bad = [p for p in _pages(result, tool) if p[0]["fn"] + p[0]["fp"]]
    bad.sort(key=lambda p: (-(p[0]["fn"] + p[0]["fp"]), p[0]["file"]))
    lines = [f"\nsnippets: {tool}'s worst {min(n, len(bad))} of {len(bad)} pages with a wrong snippet"]
    for row, out, _ in bad[:n]:
        error = f"  ERROR {clip(row['error'])}" if row["error"] else ""
        lines.append(f"  {row['file']}  missed {row['fn']}, leaked {row['fp']}, text {len(out.text)} chars{error}")
        lines.extend(f"    missed: {clip(s)}" for s in row["missed"])
        lines.extend(f"    leaked: {clip(s)}" for s in row["leaked"])
    return lines


WORST: dict[str, Callable[[SetResult, int], list[str]]] = {
    "fundus": worst_fundus,
    "dates": worst_dates,
    "snippets": worst_snippets,
}


def report(result: SetResult, worst: int) -> str:
    """Everything printed for one set."""
    head = f"== {FOLDERS[result.name]}: {len(result.truths)} pages from {result.root} in {result.seconds:.1f}s"
    parts = [head, set_table(result)]
    if result.name == "fundus":
        parts += ["\nfundus body F1 per <html lang>", lang_table(result)]
    for tool, summary in result.summary().items():
        parts += [f"  {tool} failed on {failure}" for failure in summary["failures"]]
    if worst > 0:
        parts += WORST[result.name](result, worst)
    return "\n".join(parts)


def paywall_line(stats: dict[str, int]) -> str:
    return (
        f"walls (morgue, all sets, {stats['pages']} pages): {stats['walled']} behind a wall, "
        f"{stats['walled_with_title']} with a headline ({stats['walled_stored']} of them stored), "
        f"{stats['walled_with_body']} with a body; {stats['not_stored']} pages not stored (blocked...); "
        f"{stats['flagged']} flagged paywalled (body cut), "
        f"{stats['flagged_with_body']} of them with a non-empty body; fundus: {stats['fundus_flagged']} flagged, "
        f"{stats['fundus_flagged_full_body']} of them with body F1 >= 0.9"
    )


def to_json(results: Sequence[SetResult], stats: dict[str, int], data: Path, seconds: float) -> dict[str, Any]:
    sets = {}
    for r in results:
        sets[r.name] = {"pages": len(r.truths), "seconds": r.seconds, "summary": r.summary(), "rows": r.rows}
        if r.name == "fundus":
            sets[r.name]["body_f1_by_lang"] = {tool: body_by_lang(rows) for tool, rows in r.rows.items()}
    return {"data": str(data), "seconds": seconds, "sets": sets, "paywall": stats}


# --------------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    env = os.environ.get("MORGUE_BENCHMARKS")
    default = Path(env) if env else DEFAULT_DATA
    parser.add_argument("--data", type=Path, default=default, help=f"benchmarks folder (default: {default})")
    parser.add_argument("--only", action="append", choices=SETS, help="only this set (repeatable)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages of each set")
    parser.add_argument("--worst", type=int, default=10, help="worst pages listed per field / set (default 10)")
    parser.add_argument("--json", type=Path, help="also write all figures and per-page rows here")
    parser.add_argument("--no-baseline", action="store_true", help="run morgue only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    now = datetime.now(UTC)
    results = []
    for name in [s for s in SETS if s in (args.only or SETS)]:
        try:
            root, cases = load_set(name, args.data, now, args.limit)
        except (FileNotFoundError, ValueError) as exc:
            print(f"bench.fields: {exc}", file=sys.stderr)
            return 2
        tools = {"morgue": run_morgue} if args.no_baseline else TOOLS[name]
        result = run_set(name, root, cases, tools)
        results.append(result)
        print(report(result, args.worst) + "\n", flush=True)
    stats = paywall_stats(results)
    seconds = time.perf_counter() - started
    print(paywall_line(stats))
    print(f"total {seconds:.1f}s")
    if args.json:
        args.json.write_text(json.dumps(to_json(results, stats, args.data, seconds), indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
