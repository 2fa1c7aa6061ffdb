"""Liveness benchmark: removal detection on the labelled corpus in tests/fixtures/liveness.

    python -m bench.liveness [--rounds N] [--corpus DIR]

Serves every corpus site on 127.0.0.1, seeds a fresh SQLite archive with each case's
archived article, runs ``morgue recheck --all`` N times (real Scrapy, one subprocess per
round, ``confirmations = 3``, ``confirm_interval = "0s"``; timeline cases change their
answer between rounds) and prints:

- the confusion matrix of the first observation of every case (label vs verdict);
- URL-level precision and recall of "removed" after the state machine, with the
  false removals listed by case;
- the same for a status-only baseline measured on the same fetches (removed when every
  observation had an HTTP error or no response, as in link checkers and Pew 2024).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crawler.core.items import Article, FetchResult, Verdict
from crawler.core.urls import canonicalize
from crawler.demo.server import SiteServer
from storage import models
from storage.archive import record_fetch
from storage.db import make_engine, make_sessionmaker, upgrade

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "liveness"
LABELS = [v.value for v in Verdict]


@dataclass
class CorpusResult:
    cases: list[dict[str, Any]]
    first_verdict: dict[str, str] = field(default_factory=dict)  # case id -> verdict of the first observation
    final_status: dict[str, str] = field(default_factory=dict)  # case id -> article status after all rounds
    statuses: dict[str, list[int | None]] = field(default_factory=dict)  # case id -> HTTP status per round
    seconds: float = 0.0
    fetches: int = 0

    def confusion(self) -> dict[str, Counter[str]]:
        matrix: dict[str, Counter[str]] = defaultdict(Counter)
        for case in self.cases:
            label = (case.get("timeline_labels") or [case["label"]])[0]
            matrix[label][self.first_verdict.get(case["id"], "missing")] += 1
        return matrix

    def removed_scores(self, predicted: dict[str, bool]) -> dict[str, Any]:
        tp = sum(1 for c in self.cases if c["removed"] and predicted[c["id"]])
        fp = [c["id"] for c in self.cases if not c["removed"] and predicted[c["id"]]]
        fn = [c["id"] for c in self.cases if c["removed"] and not predicted[c["id"]]]
        return {
            "precision": tp / (tp + len(fp)) if tp + len(fp) else 1.0,
            "recall": tp / (tp + len(fn)) if tp + len(fn) else 1.0,
            "true_positives": tp,
            "false_removals": fp,
            "missed": fn,
        }

    def morgue_scores(self) -> dict[str, Any]:
        return self.removed_scores({c["id"]: self.final_status.get(c["id"]) == "removed" for c in self.cases})

    def baseline_scores(self) -> dict[str, Any]:
        def dead(statuses: list[int | None]) -> bool:
            return bool(statuses) and all(s is None or s >= 400 for s in statuses)

        return self.removed_scores({c["id"]: dead(self.statuses.get(c["id"], [])) for c in self.cases})


def _write_config(path: Path, base: str) -> None:
    path.write_text(
        '[liveness]\nconfirmations = 3\nconfirm_interval = "0s"\n\n'
        f'[[sources]]\nname = "corpus"\nstart_urls = ["{base}/"]\n',
        encoding="utf-8",
    )


def run_corpus(workdir: Path, *, corpus: Path = CORPUS, rounds: int | None = None) -> CorpusResult:
    """Seed, re-check ``rounds`` times (default: 3, or the longest timeline), collect the verdicts."""
    cases = json.loads((corpus / "cases.json").read_text("utf-8"))
    rounds = max(rounds or 3, *(len(c.get("timeline") or []) for c in cases))
    db = f"sqlite:///{workdir / 'corpus.db'}"
    engine = make_engine(db)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    result = CorpusResult(cases=cases)
    with ExitStack() as stack:
        servers = {site.name: stack.enter_context(SiteServer(site)) for site in sorted((corpus / "sites").iterdir())}
        urls: dict[str, str] = {}
        hosts: dict[str, str] = {}
        for case in cases:
            base = servers[case["site"]].base_url
            if case.get("dns") == "nxdomain":
                host = case.get("host") or f"{case['id']}.invalid"
                hosts[host] = "nxdomain"
                base = base.replace("127.0.0.1", host)
            urls[case["id"]] = base + case["path"]
        seeded = datetime.now(UTC) - timedelta(days=1)
        with sessions.begin() as session:
            for case in cases:
                text = (corpus / "archived" / f"{case['archived']}.txt").read_text("utf-8")
                url = urls[case["id"]]
                article = Article(url=url, canonical_url=url, title=case.get("archived_title"), body=text)
                record_fetch(
                    session,
                    FetchResult(
                        url=url,
                        source="corpus",
                        fetched_at=seeded,
                        verdict=Verdict.ALIVE,
                        status=200,
                        final_url=url,
                        article=article,
                    ),
                )
        config = workdir / "morgue.toml"
        _write_config(config, servers["en"].base_url)
        env = {**os.environ, "MORGUE_HOSTS": json.dumps(hosts)}
        started = time.perf_counter()
        for r in range(rounds):
            for case in cases:
                timeline = case.get("timeline")
                if timeline:
                    servers[case["site"]].routes[case["path"]] = timeline[min(r, len(timeline) - 1)]
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "crawler",
                    "--config",
                    str(config),
                    "--db",
                    db,
                    "recheck",
                    "--all",
                    "--delay",
                    "0",
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=600,
                cwd=workdir,
            )
            if done.returncode != 0:
                raise RuntimeError(f"recheck round {r + 1} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
            with sessions() as session:  # a timeline case is judged when its timeline ends
                status = dict(session.execute(select(models.Article.canonical_url, models.Article.status)).all())
            for case in cases:
                if r + 1 == len(case.get("timeline") or []) or (not case.get("timeline") and r + 1 == rounds):
                    result.final_status[case["id"]] = status.get(canonicalize(urls[case["id"]]), "missing")
        result.seconds = time.perf_counter() - started
    with sessions() as session:
        by_url = {v: k for k, v in urls.items()}
        rows = session.execute(
            select(models.Fetch.url, models.Fetch.verdict, models.Fetch.status)
            .where(models.Fetch.run_id.is_not(None))
            .order_by(models.Fetch.fetched_at, models.Fetch.id)
        ).all()
        for url, verdict, status in rows:
            case_id = by_url.get(url)
            if case_id is None:
                continue
            result.fetches += 1
            result.first_verdict.setdefault(case_id, verdict)
            result.statuses.setdefault(case_id, []).append(status)
    engine.dispose()
    return result


def format_matrix(matrix: dict[str, Counter[str]]) -> str:
    cols = [v for v in LABELS if any(v in row for row in matrix.values())] + (
        ["missing"] if any("missing" in row for row in matrix.values()) else []
    )
    rows = [label for label in LABELS if label in matrix]
    width = max(len(c) for c in [*cols, *rows, "label \\ verdict"]) + 1
    out = ["label \\ verdict".ljust(18) + "".join(c[:width].rjust(width) for c in cols) + "   n  recall"]
    for label in rows:
        row = matrix[label]
        n = sum(row.values())
        out.append(
            label.ljust(18)
            + "".join(str(row.get(c, "") or ".").rjust(width) for c in cols)
            + f"{n:>4}  {row.get(label, 0) / n:6.2f}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="re-check rounds (default: 3 or longest timeline)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        result = run_corpus(Path(tmp), corpus=args.corpus, rounds=args.rounds)
    cases = result.cases
    print(
        f"{len(cases)} cases, {sum(c['removed'] for c in cases)} removed in truth; {result.fetches} fetches in "
        f"{result.seconds:.1f}s ({result.fetches / result.seconds:.0f} URLs/s)\n"
    )
    print("First observation of each case (per-fetch verdict):")
    print(format_matrix(result.confusion()))
    ours, base = result.morgue_scores(), result.baseline_scores()
    print("\n'removed' at URL level after the state machine:")
    print(f"  morgue               precision {ours['precision']:.3f}  recall {ours['recall']:.3f}")
    print(f"  status-only baseline precision {base['precision']:.3f}  recall {base['recall']:.3f}")
    if base["recall"]:
        print(f"  recall ratio morgue / baseline: {ours['recall'] / base['recall']:.2f}")
    print(f"  false removals: {ours['false_removals'] or 'none'}")
    print(f"  missed removals: {ours['missed'] or 'none'}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"morgue": ours, "baseline": base, "confusion": result.confusion(), "seconds": result.seconds},
                indent=2,
                default=list,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
