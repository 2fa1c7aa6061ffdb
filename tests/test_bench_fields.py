"""bench.fields: the three sets' metrics on hand-made values, and the harness on a tiny hand-made data set."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bench.field_scores import (
    Case,
    Fields,
    after_crawl,
    authors_ok,
    caption_share,
    contains_run,
    credit_share,
    date_day_ok,
    date_instant_ok,
    instant_scored,
    normalise,
    parse_when,
    score_date,
    score_fundus,
    score_snippets,
    snippet_prf,
    summarise_dates,
    summarise_fundus,
    title_key,
    token_f1,
    tokens,
)
from bench.fields import (
    html_lang,
    load_fundus,
    main,
    pair_versions,
    run_set,
    split_authors,
    version_key,
)

CEST = timezone(timedelta(hours=2))


# -- text and tokens ---------------------------------------------------------------------------------


def test_normalise_nfc_zero_width_and_whitespace() -> None:
    assert normalise("  Cafe\u0301\u200b au\n\t lait ") == "Café au lait"
    assert normalise(None) == ""


def test_tokens_casefold_word_runs() -> None:
    assert tokens("Straße, L’été — «CHAUD»!") == ["strasse", "l", "été", "chaud"]
    assert tokens("e-mail 2024") == ["e", "mail", "2024"]
    assert tokens("zero\u200bwidth") == ["zerowidth"]


def test_tokens_han_and_kana_one_per_character() -> None:
    assert tokens("東京タワーへ行く") == ["東", "京", "タ", "ワ", "ー", "へ", "行", "く"]
    assert tokens("新闻ABC 2024年") == ["新", "闻", "abc", "2024", "年"]
    assert tokens("한국어 문장") == ["한국어", "문장"]  # Hangul is not split
    assert tokens("東・京") == ["東", "京"]  # the katakana middle dot is punctuation


def test_token_f1_is_a_bag_f1() -> None:
    assert token_f1(["a", "b"], ["a", "b"]) == 1.0
    assert token_f1(["a", "a", "b"], ["a"]) == pytest.approx(2 * 1 * (1 / 3) / (1 + 1 / 3))
    assert token_f1(["a"], []) == 0.0
    assert token_f1([], []) == 1.0
    assert token_f1(["x"], ["y"]) == 0.0


def test_title_key_folds_quotes_dashes_width_and_case() -> None:
    assert title_key("„Krieg“ – ein ‘Test’") == title_key("\"krieg\" - ein 'test'")
    assert title_key("ＡＢＣ") == "abc"  # NFKC
    assert title_key("A title") != title_key("A title - Site")


def test_contains_run() -> None:
    assert contains_run(["foto", "newswire"], ["newswire"])
    assert contains_run(["a", "b", "c"], ["b", "c"])
    assert not contains_run(["a", "b", "c"], ["a", "c"])
    assert not contains_run(["a"], [])


# -- fields ------------------------------------------------------------------------------------------


def test_authors_ignore_case_and_order_but_not_members() -> None:
    assert authors_ok(["Jane Doe", "John Roe"], ("john roe", "JANE DOE"))
    assert not authors_ok(["Jane Doe", "Wire"], ("Jane Doe",))
    assert not authors_ok(["Jane Doe"], ())


def test_date_day_in_own_offset_or_in_the_expected_offset() -> None:
    expected = datetime(2024, 5, 3, 0, 30, tzinfo=CEST)  # 2024-05-02 22:30 UTC
    assert date_day_ok(expected, datetime(2024, 5, 2, 22, 30, tzinfo=UTC))  # converted to +02:00
    assert date_day_ok(expected, date(2024, 5, 3))
    assert not date_day_ok(expected, date(2024, 5, 2))
    assert not date_day_ok(expected, None)
    naive = datetime(2024, 5, 3, 0, 0)
    assert date_day_ok(naive, datetime(2024, 5, 3, 23, 0, tzinfo=UTC))
    assert not date_day_ok(naive, datetime(2024, 5, 2, 23, 0, tzinfo=UTC))


def test_date_instant() -> None:
    expected = datetime(2024, 5, 3, 14, 0, 0, tzinfo=CEST)
    assert instant_scored(expected)
    assert not instant_scored(datetime(2024, 5, 3, 0, 0, tzinfo=CEST))  # midnight
    assert not instant_scored(datetime(2024, 5, 3, 14, 0))  # no offset
    assert date_instant_ok(expected, datetime(2024, 5, 3, 12, 0, 59, tzinfo=UTC))
    assert not date_instant_ok(expected, datetime(2024, 5, 3, 12, 1, 1, tzinfo=UTC))
    assert not date_instant_ok(expected, datetime(2024, 5, 3, 12, 0))  # naive
    assert not date_instant_ok(expected, date(2024, 5, 3))


def test_after_crawl() -> None:
    crawled = datetime(2025, 4, 5, 14, 0, tzinfo=UTC)
    assert after_crawl(datetime(2025, 5, 4), crawled)  # a later day
    assert not after_crawl(datetime(2025, 4, 5, 16, 30), crawled)  # naive, same day: local time, kept
    assert after_crawl(datetime(2025, 4, 5, 17, 0, tzinfo=CEST), crawled)  # 15:00 UTC
    assert not after_crawl(datetime(2025, 4, 5, 15, 0, tzinfo=CEST), crawled)
    assert not after_crawl(datetime(2025, 4, 6, 1, 0, tzinfo=timezone(timedelta(hours=12))), crawled)  # 13:00 UTC


def test_parse_when_and_split_authors() -> None:
    assert parse_when("2024-01-02") == date(2024, 1, 2)
    assert parse_when("2024-11-22 06:57:50.233000+00:00") == datetime(2024, 11, 22, 6, 57, 50, 233000, tzinfo=UTC)
    assert parse_when("not a date") is None
    assert parse_when(None) is None
    assert split_authors("Jane Doe; John Roe") == ("Jane Doe", "John Roe")
    assert split_authors(None) == ()


def test_caption_share_distinct_nonempty_captions() -> None:
    expected = ["A cat on a mat", "A cat on a mat", "", "Two dogs in the park today"]
    assert caption_share(expected, ["a cat on a mat."]) == 0.5
    assert caption_share(expected, []) == 0.0
    assert caption_share(["", None], ["anything"]) is None  # type: ignore[list-item]
    # F1 0.8 is enough: 4 of 5 tokens right in a 5-token output
    assert caption_share(["one two three four five"], ["one two three four six"]) == 1.0
    assert caption_share(["one two three four five"], ["one two three six seven"]) == 0.0


def test_credit_share_f1_or_contiguous_run() -> None:
    assert credit_share([["newswire"]], ["Foto: newswire"]) == 1.0
    assert credit_share([["Jane Doe", "Wire"]], ["Wire/Jane Doe"]) == 1.0  # bag F1 1.0
    assert credit_share([["Jane Doe", "Wire via Stock Images"]], ["by Jane Doe"]) == 0.0
    assert credit_share([["A"], ["B"], ["A"]], ["B"]) == 0.5  # distinct credits
    assert credit_share([[], [""]], ["x"]) is None


def test_score_fundus_page() -> None:
    truth = {
        "title": "Ein „Titel“",
        "authors": ["Jane Doe"],
        "publishing_date": "2024-05-03 14:00:00+02:00",
        "body": {
            "summary": ["Der Vorspann."],
            "sections": [{"headline": ["Zwischentitel"], "paragraphs": ["a b", "c d"]}],
        },
        "images": [{"caption": "Ein Bild", "authors": ["newswire"]}],
    }
    case = Case("x/P_2024_05_03.html.gz", "https://example.org/a", datetime(2024, 5, 4, tzinfo=UTC), truth)
    out = Fields(
        title='Ein "Titel"',
        authors=("jane doe",),
        published=datetime(2024, 5, 3, 12, 0, 30, tzinfo=UTC),
        lead="Der Vorspann",
        body="a b c",
        captions=("Ein Bild",),
        credits=("Foto: newswire",),
    )
    scores = score_fundus(case, out)
    assert scores["title"] == scores["authors"] == scores["date_day"] == scores["date_instant"] == 1.0
    assert scores["lead"] == 1.0
    assert scores["body_f1"] == pytest.approx(2 * 1 * 0.75 / 1.75)  # headline not expected
    assert scores["captions"] == scores["credits"] == 1.0
    empty = score_fundus(case, Fields(error="boom"))
    assert all(v == 0.0 for v in empty.values())
    truth_without = {**truth, "authors": [], "images": [], "body": {"summary": [], "sections": []}}
    skipped = score_fundus(Case(case.file, case.url, case.fetched_at, truth_without), out)
    assert skipped["authors"] is skipped["lead"] is skipped["body_f1"] is skipped["captions"] is None
    summary = summarise_fundus([scores, skipped])
    assert summary["authors"] == 1.0 and summary["n_authors"] == 1
    assert summary["title"] == 1.0 and summary["n_title"] == 2


# -- pairing -----------------------------------------------------------------------------------------


def test_version_order_and_pairing() -> None:
    assert sorted(["V2", "V1_1", "V10", "V1", "V2_1", "V1_2"], key=version_key) == [
        "V1", "V1_1", "V1_2", "V2", "V2_1", "V10",
    ]  # fmt: skip
    blocks = {"V2": {"n": 3}, "V1": {"n": 1}, "V1_1": {"n": 2}}
    pages = ["P_2025_01_02.html.gz", "P_2023_12_31.html.gz", "P_2024_06_01.html.gz"]
    assert pair_versions(blocks, pages) == [
        ("P_2023_12_31.html.gz", {"n": 1}),
        ("P_2024_06_01.html.gz", {"n": 2}),
        ("P_2025_01_02.html.gz", {"n": 3}),
    ]
    with pytest.raises(ValueError):
        pair_versions(blocks, pages[:2])


def _gz(path: Path, html: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(html.encode("utf-8")))


def test_load_fundus_pairs_pages_by_publisher(tmp_path: Path) -> None:
    country = tmp_path / "xx"
    meta = {
        "Pub_One_2024_02_01.html.gz": {"url": "https://example.org/2", "crawl_date": "2024-02-01 10:00:00.5"},
        "Pub_One_2023_01_01.html.gz": {"url": "https://example.org/1", "crawl_date": "2023-01-01 10:00:00"},
    }
    country.mkdir()
    (country / "meta.info").write_text(json.dumps(meta))
    (country / "Pub_One.json").write_text(json.dumps({"V1_1": {"title": "second"}, "V1": {"title": "first"}}))
    cases = load_fundus(tmp_path)
    assert [(c.file, c.url, c.truth["title"]) for c in cases] == [
        ("xx/Pub_One_2023_01_01.html.gz", "https://example.org/1", "first"),
        ("xx/Pub_One_2024_02_01.html.gz", "https://example.org/2", "second"),
    ]
    assert cases[1].fetched_at == datetime(2024, 2, 1, 10, 0, 0, 500000, tzinfo=UTC)


def test_html_lang() -> None:
    assert html_lang('<html lang="de-CH"><body><p>x</p></body></html>') == "de"
    assert html_lang('<?xml version="1.0" encoding="utf-8"?><html xml:lang="FR"><body></body></html>') == "fr"
    assert html_lang("<html><body>x</body></html>") == "?"
    assert html_lang('<html lang=""><body>x</body></html>') == "?"


# -- dates and snippets ------------------------------------------------------------------------------


def test_score_date_and_summary() -> None:
    right = score_date(date(2020, 4, 17), Fields(published=datetime(2020, 4, 17, 23, 0, tzinfo=UTC)))
    off_by_one = score_date(date(2020, 4, 17), Fields(published=date(2020, 4, 16)))
    none = score_date(date(2020, 4, 17), Fields())
    far = score_date(date(2020, 4, 17), Fields(published=date(2019, 4, 17)))
    assert (right["accuracy"], right["coverage"], right["within_1_day"]) == (1.0, 1.0, 1.0)
    assert (off_by_one["accuracy"], off_by_one["within_1_day"], off_by_one["gap_days"]) == (0.0, 1.0, 1)
    assert (none["coverage"], none["within_1_day"], none["gap_days"]) == (0.0, 0.0, None)
    assert far["gap_days"] == 366
    summary = summarise_dates([right, off_by_one, none, far])
    assert summary["accuracy"] == 0.25
    assert summary["coverage"] == 0.75
    assert summary["precision"] == pytest.approx(1 / 3)
    assert summary["within_1_day"] == 0.5


def test_score_snippets_whitespace_collapsed_case_sensitive() -> None:
    truth = {"with": ["main  text\nhere", "Second Part", "absent"], "without": ["Menu", "footer"]}
    text = "Intro.\n\nThe main text   here and the second part.\n\nfooter"
    got = score_snippets(truth, text)
    assert (got["tp"], got["fn"], got["fp"], got["tn"]) == (1, 2, 1, 1)
    assert got["missed"] == ["Second Part", "absent"]
    assert got["leaked"] == ["footer"]
    assert score_snippets(truth, None)["fn"] == 3


def test_snippet_prf_over_all_snippets() -> None:
    assert snippet_prf(8, 2, 2) == {"precision": 0.8, "recall": 0.8, "f1": pytest.approx(0.8)}
    assert snippet_prf(0, 0, 0) == {"precision": None, "recall": None, "f1": None}
    assert snippet_prf(3, 0, 1)["f1"] == pytest.approx(6 / 7)


# -- harness -----------------------------------------------------------------------------------------


def test_a_raising_tool_scores_zero_and_is_listed() -> None:
    case = Case("pages/a.html.gz", "https://example.org/a", datetime.now(UTC), {"date": "2020-01-02"}, "<html/>")

    def boom(_: Case) -> Fields:
        raise RuntimeError("broken page")

    def fine(_: Case) -> Fields:
        return Fields(published=date(2020, 1, 2))

    result = run_set("dates", Path("."), [case, case], {"boom": boom, "fine": fine})
    summary = result.summary()
    assert summary["boom"]["accuracy"] == 0.0
    assert summary["boom"]["failures"] == ["pages/a.html.gz: RuntimeError: broken page"] * 2
    assert summary["fine"]["accuracy"] == 1.0 and summary["fine"]["failures"] == []


def test_main_on_a_hand_made_snippets_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paragraphs = "<p>The council approved the new budget after a long debate on Tuesday.</p>" * 3
    html = (
        "<html lang='en'><head><title>A headline</title></head><body><nav>Home | Menu</nav>"
        f"<article><h1>A headline</h1>{paragraphs}</article><footer>Copyright notice</footer></body></html>"
    )
    folder = tmp_path / "snippets-dev"
    _gz(folder / "pages" / "one.html.gz", html)
    cases = {"https://example.org/one": {"file": "one.html.gz", "with": ["approved the new budget"], "without": []}}
    (folder / "cases.json").write_text(json.dumps(cases))
    out = tmp_path / "out.json"
    assert main(["--data", str(tmp_path), "--only", "snippets", "--no-baseline", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "snippets-dev: 1 pages" in printed
    written = json.loads(out.read_text())
    assert written["sets"]["snippets"]["summary"]["morgue"]["tp"] == 1
    assert list(written["sets"]["snippets"]["summary"]) == ["morgue"]
    assert main(["--data", str(tmp_path / "missing"), "--only", "dates"]) == 2
