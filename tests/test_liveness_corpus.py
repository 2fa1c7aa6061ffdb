"""Removal detection on the labelled corpus (tests/fixtures/liveness, 7 languages, every verdict,
adversarial pages), end to end: corpus sites on 127.0.0.1, real `morgue recheck` rounds, real SQLite."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bench.liveness import CORPUS, CorpusResult, run_corpus
from crawler.core.items import Verdict

CASES = json.loads((CORPUS / "cases.json").read_text("utf-8"))


def test_corpus_covers_languages_verdicts_and_traps() -> None:
    assert len(CASES) >= 150
    langs = Counter(c["lang"] for c in CASES)
    assert {"en", "fr", "de", "es", "it", "pt", "ar"} <= set(langs) and min(langs.values()) >= 15
    assert {c["label"] for c in CASES} == {v.value for v in Verdict}
    traps = [c for c in CASES if c["note"].startswith("ADVERSARIAL")]
    assert len(traps) >= 25 and not any(c["removed"] for c in traps)
    assert {c["removed"] for c in CASES if c["label"] in ("transient", "blocked", "alive", "changed", "moved")} == {
        False
    }


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> CorpusResult:
    return run_corpus(Path(tmp_path_factory.mktemp("corpus")))


def test_removed_precision_is_1_and_recall_at_least_095(result: CorpusResult) -> None:
    scores = result.morgue_scores()
    assert scores["false_removals"] == []  # no transient, blocked, changed or trap page called removed
    assert scores["precision"] == 1.0
    assert scores["recall"] >= 0.95, scores["missed"]


def test_first_observations_match_their_labels(result: CorpusResult) -> None:
    matrix = result.confusion()
    correct = sum(row.get(label, 0) for label, row in matrix.items())
    assert correct / len(CASES) >= 0.95, {k: dict(v) for k, v in matrix.items()}
    for label in ("transient", "blocked"):  # neutral observations are never read as removal
        assert not any(Verdict(v).is_dead for v in matrix[label] if v != "missing"), matrix[label]
