"""Extraction benchmark: article body quality and cost on the AEB pages, morgue against trafilatura.

    python -m bench.extraction [--aeb PATH] [--limit N] [--json OUT] [--seed N]    (from the repository root)

Data: the Article Extraction Benchmark (scrapinghub/article-extraction-benchmark) at ``--aeb``, else
``$MORGUE_AEB``, else ``<repo>/../shared/benchmarks/aeb``: ``ground-truth.json`` and ``html/<id>.html.gz``.

Rows, all measured in the same run on the same decoded HTML strings:

- ``morgue``: :func:`crawler.page.extract.extract_article` (every field; ``body`` is scored);
- ``trafilatura``: plain ``trafilatura.extract(html)`` with default settings;
- ``trafilatura+meta``: ``trafilatura.bare_extraction(html, url=url, with_metadata=True)`` (``.text`` is
  scored): the cost baseline, since morgue also extracts metadata.

Columns: F1, precision, recall (the AEB metric, see :func:`shingle_counts` and :func:`aeb_scores`),
then mean and median milliseconds per page. The last line is morgue's mean ms over trafilatura+meta's
(the issue asks for at most 1.3).

Timing: every extractor runs once on the first page before timing starts (imports, caches, language
model); then, page by page, the three extractors run in an order shuffled with a seeded RNG, each timed
with ``time.perf_counter`` around the one call, with the garbage collector run before each page
(outside the timed region) so that one extractor does not pay for another's garbage.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import json
import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trafilatura

from crawler.page.extract import extract_article

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_AEB = ROOT.parent / "shared" / "benchmarks" / "aeb"
SHINGLE = 4
_TOKEN = re.compile(r"\w+")

# --------------------------------------------------------------------------------------------------
# The AEB metric (reimplemented from the benchmark's README)
# --------------------------------------------------------------------------------------------------


def shingles(text: str | None, n: int = SHINGLE) -> Counter[tuple[str, ...]]:
    """The multiset of contiguous ``n``-token shingles of ``text``; tokens are ``\\w+`` matches, case kept.

    A text with fewer than ``n`` tokens (but at least one) counts as one shorter shingle, as in the AEB
    evaluation; an empty text has none.
    """
    tokens = _TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def shingle_counts(truth: str | None, predicted: str | None, n: int = SHINGLE) -> tuple[float, float, float]:
    """Per-page (tp, fp, fn): multiset overlaps of the shingles, normalised to sum to 1 (all zero when both
    texts are empty), so that every page weighs the same whatever its length."""
    want, got = shingles(truth, n), shingles(predicted, n)
    tp = sum((want & got).values())
    fp = sum((got - want).values())
    fn = sum((want - got).values())
    total = tp + fp + fn
    if not total:
        return 0.0, 0.0, 0.0
    return tp / total, fp / total, fn / total


def _ratio(hit: float, miss: float, other_miss: float) -> float:
    if miss == other_miss == 0:
        return 1.0  # both texts have exactly the same shingles
    return hit / (hit + miss) if hit + miss else 0.0


def aeb_scores(counts: Iterable[tuple[float, float, float]]) -> dict[str, float]:
    """F1, precision and recall over pages from per-page (tp, fp, fn).

    precision = mean of tp / (tp + fp) over the pages where something was predicted (tp + fp > 0);
    recall = mean of tp / (tp + fn) over the pages with a ground truth (tp + fn > 0); F1 is the harmonic
    mean of these two means (not a mean of per-page F1). A page whose prediction matches the truth
    exactly scores 1 for both.
    """
    counts = list(counts)
    precisions = [_ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0]
    recalls = [_ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0]
    precision = statistics.fmean(precisions) if precisions else 0.0
    recall = statistics.fmean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


# --------------------------------------------------------------------------------------------------
# Extractors
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    url: str
    html: str
    truth: str


def _morgue(page: Page) -> str | None:
    return extract_article(page.html, url=page.url).body


def _trafilatura(page: Page) -> str | None:
    return trafilatura.extract(page.html)


def _trafilatura_meta(page: Page) -> str | None:
    document = trafilatura.bare_extraction(page.html, url=page.url, with_metadata=True)
    return getattr(document, "text", None) if document is not None else None


EXTRACTORS: dict[str, Callable[[Page], str | None]] = {
    "morgue": _morgue,
    "trafilatura": _trafilatura,
    "trafilatura+meta": _trafilatura_meta,
}
BASELINE = "trafilatura+meta"


@dataclass(slots=True)
class Run:
    name: str
    counts: list[tuple[float, float, float]] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            **aeb_scores(self.counts),
            "ms_mean": statistics.fmean(self.ms) if self.ms else 0.0,
            "ms_median": statistics.median(self.ms) if self.ms else 0.0,
            "pages": len(self.counts),
            "failures": self.failures,
        }


def load_pages(aeb: Path, limit: int | None = None) -> list[Page]:
    """The benchmark pages sorted by id, decoded as the UTF-8 they are (the same strings for every
    extractor)."""
    truth_path = aeb / "ground-truth.json"
    if not truth_path.is_file():
        raise FileNotFoundError(f"no ground-truth.json in {aeb} (use --aeb PATH or MORGUE_AEB)")
    truth = json.loads(truth_path.read_text("utf-8"))
    pages = []
    for page_id in sorted(truth)[:limit]:
        with gzip.open(aeb / "html" / f"{page_id}.html.gz", "rt", encoding="utf-8", errors="replace") as f:
            html = f.read()
        pages.append(Page(page_id, truth[page_id].get("url", ""), html, truth[page_id].get("articleBody", "")))
    return pages


def run(
    pages: Sequence[Page], *, seed: int = 0, extractors: dict[str, Callable[[Page], str | None]] = EXTRACTORS
) -> dict[str, Run]:
    """Score and time every extractor on every page (see the module docstring for the protocol)."""
    runs = {name: Run(name) for name in extractors}
    if not pages:
        return runs
    for fn in extractors.values():  # warm-up, untimed; a crash here shows up again in the timed loop
        with contextlib.suppress(Exception):
            fn(pages[0])
    rng = random.Random(seed)
    names = list(extractors)
    for page in pages:
        rng.shuffle(names)
        gc.collect()
        for name in names:
            fn = extractors[name]
            start = time.perf_counter()
            try:
                text = fn(page)
            except Exception as exc:  # a crash costs that page, not the run
                text = None
                runs[name].failures.append(f"{page.id}: {type(exc).__name__}: {exc}")
            runs[name].ms.append((time.perf_counter() - start) * 1000)
            runs[name].counts.append(shingle_counts(page.truth, text))
    return runs


def format_table(summaries: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'extractor':<18}{'F1':>7}{'prec':>7}{'recall':>7}{'ms mean':>10}{'ms median':>11}"]
    for name, s in summaries.items():
        lines.append(
            f"{name:<18}{s['f1']:>7.3f}{s['precision']:>7.3f}{s['recall']:>7.3f}"
            f"{s['ms_mean']:>10.1f}{s['ms_median']:>11.1f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = Path(os.environ["MORGUE_AEB"]) if os.environ.get("MORGUE_AEB") else DEFAULT_AEB
    parser.add_argument("--aeb", type=Path, default=default, help=f"AEB data directory (default: {default})")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (sorted by id)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the per-page extractor order")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    try:
        pages = load_pages(args.aeb, args.limit)
    except FileNotFoundError as exc:
        print(f"bench.extraction: {exc}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    runs = run(pages, seed=args.seed)
    summaries = {name: r.summary() for name, r in runs.items()}
    print(
        f"AEB: {len(pages)} pages from {args.aeb} in {time.perf_counter() - started:.1f}s "
        f"(order shuffled per page, seed {args.seed})\n"
    )
    print(format_table(summaries))
    base = summaries[BASELINE]["ms_mean"]
    ratio = summaries["morgue"]["ms_mean"] / base if base else float("nan")
    median_base = summaries[BASELINE]["ms_median"]
    median_ratio = summaries["morgue"]["ms_median"] / median_base if median_base else float("nan")
    print(f"\ncost: morgue / {BASELINE} = {ratio:.2f}x mean, {median_ratio:.2f}x median (target <= 1.30x)")
    for name, s in summaries.items():
        for failure in s["failures"]:
            print(f"  {name} failed on {failure}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "pages": len(pages),
                    "aeb": str(args.aeb),
                    "seed": args.seed,
                    "results": summaries,
                    "cost_ratio": ratio,
                    "cost_ratio_median": median_ratio,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
