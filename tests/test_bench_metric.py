"""bench.extraction: the AEB metric on hand-computed examples, and the harness on a two-page data set."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from bench.extraction import Page, aeb_scores, load_pages, main, run, shingle_counts, shingles


def test_shingles_are_contiguous_four_token_windows() -> None:
    assert shingles("a b c d e") == Counter({("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1})


def test_shingles_are_a_multiset() -> None:
    # 8 tokens → 5 windows; "x y z w" occurs twice
    got = shingles("x y z w x y z w")
    assert got[("x", "y", "z", "w")] == 2
    assert sum(got.values()) == 5


def test_tokens_are_word_matches_and_case_sensitive() -> None:
    assert shingles("L’été, c'est — «chaud» !") == Counter(
        {("L", "été", "c", "est"): 1, ("été", "c", "est", "chaud"): 1}
    )
    assert shingles("A b c d") != shingles("a b c d")
    assert shingles("ارتفعت أسعار القمح اليوم") == Counter({("ارتفعت", "أسعار", "القمح", "اليوم"): 1})


def test_short_and_empty_texts() -> None:
    assert shingles("hello world") == Counter({("hello", "world"): 1})  # fewer than 4 tokens: one shingle
    assert shingles("") == Counter()
    assert shingles(None) == Counter()
    assert shingles(" ,;! ") == Counter()


@pytest.mark.parametrize(
    ("truth", "predicted", "expected"),
    [
        ("a b c d e", "a b c d e", (1.0, 0.0, 0.0)),
        ("a b c d e", "a b c d", (0.5, 0.0, 0.5)),  # tp 1, fn 1
        ("a b c d", "a b c d e f g h", (0.2, 0.8, 0.0)),  # tp 1, fp 4
        ("x y z w x y z w", "x y z w", (0.2, 0.0, 0.8)),  # multiset: tp 1 of 2 copies, fn 4
        ("A b c d", "a b c d", (0.0, 0.5, 0.5)),  # case matters
        ("a b c d", "", (0.0, 0.0, 1.0)),
        ("", "a b c d", (0.0, 1.0, 0.0)),
        ("", "", (0.0, 0.0, 0.0)),
    ],
)
def test_shingle_counts(truth: str, predicted: str, expected: tuple[float, float, float]) -> None:
    assert shingle_counts(truth, predicted) == pytest.approx(expected)


def test_scores_are_means_over_pages_and_f1_their_harmonic_mean() -> None:
    # page A: precision 1, recall 0.5; page B: precision 0.2, recall 1
    counts = [shingle_counts("a b c d e", "a b c d"), shingle_counts("a b c d", "a b c d e f g h")]
    scores = aeb_scores(counts)
    assert scores["precision"] == pytest.approx(0.6)
    assert scores["recall"] == pytest.approx(0.75)
    assert scores["f1"] == pytest.approx(2 * 0.6 * 0.75 / 1.35)  # 0.667, not the mean of per-page F1 (0.5)


def test_pages_with_nothing_predicted_count_for_recall_only() -> None:
    counts = [(1.0, 0.0, 0.0), (0.5, 0.0, 0.5), shingle_counts("a b c d", None)]
    scores = aeb_scores(counts)
    assert scores["precision"] == pytest.approx(1.0)  # (1 + 1) / 2: the empty prediction is left out
    assert scores["recall"] == pytest.approx(0.5)  # (1 + 0.5 + 0) / 3
    assert scores["f1"] == pytest.approx(2 / 3)


def test_scores_of_nothing() -> None:
    assert aeb_scores([]) == {"f1": 0.0, "precision": 0.0, "recall": 0.0}
    assert aeb_scores([(0.0, 0.0, 0.0)]) == {"f1": 0.0, "precision": 0.0, "recall": 0.0}


def test_run_times_and_scores_every_extractor_on_every_page() -> None:
    pages = [Page("p1", "https://x.example/1", "<p>x</p>", "a b c d e"), Page("p2", "", "", "a b c d")]
    calls: list[str] = []

    def perfect(page: Page) -> str:
        calls.append(page.id)
        return page.truth

    def broken(page: Page) -> str:
        raise RuntimeError("boom")

    runs = run(pages, extractors={"perfect": perfect, "broken": broken})
    assert calls == ["p1", "p1", "p2"]  # one untimed warm-up on the first page
    assert aeb_scores(runs["perfect"].counts)["f1"] == 1.0
    assert len(runs["perfect"].ms) == 2 and all(ms >= 0 for ms in runs["perfect"].ms)
    assert runs["broken"].counts == [(0.0, 0.0, 1.0), (0.0, 0.0, 1.0)]
    assert [f.split(":")[0] for f in runs["broken"].failures] == ["p1", "p2"]


def _aeb(tmp_path: Path) -> Path:
    paragraphs = "".join(
        f"<p>Paragraph {i} of a story about the harbour storm, long enough to be kept by any extractor "
        f"that reads news pages, with quotes from residents and officials.</p>"
        for i in range(6)
    )
    html = f"<html lang='en'><body><article><h1>Storm</h1>{paragraphs}</article></body></html>"
    truth = " ".join(
        f"Paragraph {i} of a story about the harbour storm, long enough to be kept by any extractor "
        f"that reads news pages, with quotes from residents and officials."
        for i in range(6)
    )
    (tmp_path / "html").mkdir()
    for page_id in ("b", "a"):
        with gzip.open(tmp_path / "html" / f"{page_id}.html.gz", "wt", encoding="utf-8") as f:
            f.write(html)
    gt = {pid: {"articleBody": truth, "url": f"https://x.example/{pid}"} for pid in ("a", "b")}
    (tmp_path / "ground-truth.json").write_text(json.dumps(gt), encoding="utf-8")
    return tmp_path


def test_load_pages_sorts_and_limits(tmp_path: Path) -> None:
    pages = load_pages(_aeb(tmp_path), limit=1)
    assert [(p.id, p.url) for p in pages] == [("a", "https://x.example/a")]
    assert "<h1>Storm</h1>" in pages[0].html


def test_main_prints_one_table_with_all_rows_and_the_cost_ratio(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    (tmp_path / "aeb").mkdir()
    assert main(["--aeb", str(_aeb(tmp_path / "aeb")), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    for row in ("morgue", "trafilatura ", "trafilatura+meta", "cost: morgue / trafilatura+meta"):
        assert row in printed
    figures = json.loads(out.read_text())
    assert figures["pages"] == 2
    assert figures["results"]["morgue"]["f1"] > 0.9
    assert set(figures["results"]) == {"morgue", "trafilatura", "trafilatura+meta"}


def test_main_reports_a_missing_data_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--aeb", str(tmp_path / "nowhere")]) == 2
    assert "ground-truth.json" in capsys.readouterr().err
