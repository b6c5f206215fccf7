"""Cleaning generated data: every dropped row has a reason, every reason is counted."""

from pathlib import Path
from typing import Any

import pytest

from synthdistill.overlap import jaccard, lsh_bands
from synthdistill.params import PreprocessParams, TaskParams, load_section
from synthdistill.preprocess import (
    ARTEFACT_REASONS,
    REASONS,
    CleanResult,
    clean_dataset,
    length_bounds,
    task_artefact_context,
)
from synthdistill.text import shingles

REPO = Path(__file__).resolve().parent.parent
LABELS = ["economy", "sport"]
PARAMS = PreprocessParams(min_chars=10, max_chars=200)
_TASK = TaskParams.model_validate(
    {
        "language": "en",
        "description": "news by topic",
        "labels": {"economy": "the economy", "sport": "sport"},
        "data": {"source": "file"},
    }
)

EN_RATES = (
    "The central bank raised interest rates by a quarter point on Thursday, "
    "citing persistent inflation."
)
EN_RATES_EDITED = EN_RATES.replace("persistent", "stubborn")
EN_RATES_DISTINCT = (
    "The central bank kept interest rates unchanged on Thursday as economic growth slowed sharply."
)
EN_FINAL = "The striker scored twice as the home side won the cup final in extra time."
JA_RATES = "日本銀行は木曜日、根強いインフレを理由に政策金利を0.25%引き上げた。"
JA_RATES_EDITED = "日本銀行は木曜日、根強いインフレを理由に政策金利を0.25%引き上げました。"
JA_RATES_DISTINCT = "日本銀行は木曜日、景気の減速を受けて政策金利を据え置いた。"
JA_FINAL = "エースが二得点を挙げ、地元チームが延長戦の末に決勝を制した。"
JA_WITH_EN_CLAUSE = (
    "東京の会議で the committee decided to postpone the final vote until next month 決定しました"
)
JA_WITH_ZH_SENTENCES = (
    "日本政府は新しい経済対策を発表した。然而，这项政策在国内引起了广泛的争议和讨论。"
    "专家们认为效果有限。"
)


def row(id_: Any, text: Any, label: str = "economy", **extra: Any) -> dict[str, Any]:
    return {"id": id_, "text": text, "label": label, **extra}


def reasons(result: CleanResult) -> dict[Any, str]:
    return {rejected["id"]: rejected["reason"] for rejected in result.rejected}


def kept_ids(result: CleanResult) -> list[Any]:
    return [kept["id"] for kept in result.kept]


def assert_accounted(result: CleanResult, rows: list[dict[str, Any]]) -> None:
    """input == kept + sum(dropped); every rejected row has a known reason."""
    counts = result.counts
    assert set(counts["dropped"]) == set(REASONS)
    assert counts["input"] == len(rows) == counts["kept"] + sum(counts["dropped"].values())
    assert counts["kept"] == len(result.kept)
    assert len(result.rejected) == sum(counts["dropped"].values())
    assert all(rejected["reason"] in REASONS for rejected in result.rejected)
    for reason in REASONS:
        listed = sum(rejected["reason"] == reason for rejected in result.rejected)
        assert counts["dropped"][reason] == listed


def test_empty_input_gives_zero_counts() -> None:
    result = clean_dataset([], [], "en", LABELS, PARAMS)
    assert result.kept == [] and result.rejected == []
    assert result.counts == {"input": 0, "kept": 0, "dropped": dict.fromkeys(REASONS, 0)}
    assert result.summary() == "kept 0 of 0; dropped 0"


def test_missing_blank_or_non_string_text_is_dropped_as_empty() -> None:
    rows = [
        {"id": 1, "label": "economy"},
        row(2, None),
        row(3, "   \u3000 "),
        row(4, 42),
        row(5, "!!! ??? ... !!!"),
        row(6, EN_RATES),
    ]
    result = clean_dataset(rows, [], "en", LABELS, PARAMS)
    assert reasons(result) == {1: "empty", 2: "empty", 3: "empty", 4: "empty", 5: "empty"}
    assert kept_ids(result) == [6]
    assert_accounted(result, rows)


def test_text_is_normalised_and_other_keys_are_kept() -> None:
    rows = [row(1, "  ＡＢＣ社が１０月に　新製品を 発表した。  ", source="fewgen")]
    result = clean_dataset(rows, [], "ja", LABELS, PARAMS)
    assert result.kept == [row(1, "ABC社が10月に新製品を発表した。", source="fewgen")]


def test_unknown_label_and_length_bounds() -> None:
    rows = [
        row(1, EN_RATES, label="weather"),
        row(2, "Too short"),
        row(3, "word " * 60),
        row(4, EN_FINAL, label="sport"),
    ]
    result = clean_dataset(rows, [], "en", LABELS, PARAMS)
    assert reasons(result) == {1: "unknown_label", 2: "too_short", 3: "too_long"}
    details = {rejected["id"]: rejected["detail"] for rejected in result.rejected}
    assert details[1] == "'weather'" and details[2] == "9 < 10 chars"
    assert_accounted(result, rows)


def test_rejected_rows_are_the_original_rows_plus_reason() -> None:
    original = row(1, "ＳＨＯＲＴ", note="x")
    result = clean_dataset([original], [], "en", LABELS, PARAMS)
    assert result.rejected == [{**original, "reason": "too_short", "detail": "5 < 10 chars"}]


def test_wrong_language_is_dropped_with_the_detected_language() -> None:
    rows = [
        row(1, JA_RATES),
        row(2, "Le gouvernement a annoncé un nouveau plan pour relancer l'économie."),
        row(3, EN_RATES),
    ]
    result = clean_dataset(rows, [], "en", LABELS, PARAMS)
    assert reasons(result) == {1: "wrong_language", 2: "wrong_language"}
    assert [rejected["detail"] for rejected in result.rejected] == ["ja", "fr"]
    assert_accounted(result, rows)


def test_chinese_generation_in_a_japanese_task_is_wrong_language() -> None:
    rows = [row(1, "中国政府宣布了新的经济政策，以促进国内消费。"), row(2, JA_RATES)]
    result = clean_dataset(rows, [], "ja", LABELS, PARAMS)
    assert reasons(result) == {1: "wrong_language"}
    assert result.rejected[0]["detail"] == "zh"


def test_mixed_language_generations_are_dropped() -> None:
    rows = [
        row(1, JA_WITH_EN_CLAUSE),
        row(2, JA_WITH_ZH_SENTENCES),
        row(3, "アップルは9月、新型のiPhone 15 Pro Maxを発売し、カメラ性能を大幅に向上させた。"),
    ]
    result = clean_dataset(rows, [], "ja", LABELS, PARAMS)
    assert reasons(result) == {1: "mixed_language", 2: "mixed_language"}
    assert kept_ids(result) == [3]  # product names are not a mixed-language generation
    assert_accounted(result, rows)


def test_exact_duplicates_fold_case_and_width() -> None:
    rows = [
        row(1, EN_RATES),
        row(2, EN_RATES.upper()),
        row(3, "  " + EN_RATES.replace(" ", "  ")),
    ]
    result = clean_dataset(rows, [], "en", LABELS, PARAMS)
    assert reasons(result) == {2: "duplicate", 3: "duplicate"}
    assert all(rejected["detail"] == "1" for rejected in result.rejected)


def test_half_and_full_width_variants_dedup_as_one() -> None:
    rows = [
        row(1, "ﾆｭｰｽ：ＡＢＣ社が１０月に新製品を発表"),
        row(2, "ニュース:ABC社が10月に新製品を発表"),
    ]
    result = clean_dataset(rows, [], "ja", LABELS, PARAMS)
    assert reasons(result) == {2: "duplicate"}


@pytest.mark.parametrize(
    ("lang", "original", "edited", "distinct"),
    [
        ("en", EN_RATES, EN_RATES_EDITED, EN_RATES_DISTINCT),
        ("ja", JA_RATES, JA_RATES_EDITED, JA_RATES_DISTINCT),
    ],
    ids=["en", "ja"],
)
def test_near_duplicates_catch_an_edited_copy_and_keep_distinct_sentences(
    lang: str, original: str, edited: str, distinct: str
) -> None:
    rows = [row(1, original), row(2, edited), row(3, distinct)]
    result = clean_dataset(rows, [], lang, LABELS, PARAMS)
    assert reasons(result) == {2: "near_duplicate"}
    assert result.rejected[0]["detail"] == "1"
    assert kept_ids(result) == [1, 3]


@pytest.mark.parametrize(
    ("lang", "test_text", "edited", "distinct"),
    [
        ("en", EN_FINAL, EN_FINAL.replace("side", "team"), EN_RATES),
        ("ja", JA_FINAL, JA_FINAL.replace("二", "2").replace("地元", "地元の"), JA_RATES),
    ],
    ids=["en", "ja"],
)
def test_contamination_drops_near_copies_of_test_rows(
    lang: str, test_text: str, edited: str, distinct: str
) -> None:
    test_rows = [row("t1", test_text, label="sport")]
    rows = [row(1, edited, label="sport"), row(2, distinct), row(3, test_text, label="sport")]
    result = clean_dataset(rows, test_rows, lang, LABELS, PARAMS)
    assert reasons(result) == {1: "test_contamination", 3: "test_contamination"}
    assert [rejected["detail"].split()[-1] for rejected in result.rejected] == ["t1", "t1"]
    assert kept_ids(result) == [2]


def test_balance_downsamples_to_the_smallest_class_deterministically() -> None:
    topics = ["rates", "jobs", "trade", "taxes", "housing"]
    rows = [row(i, f"News about {topic} number {i} today.") for i, topic in enumerate(topics)]
    rows += [row(10 + i, f"Match report {i}: a {t} win.", "sport") for i, t in enumerate("ab")]
    params = PreprocessParams(min_chars=10, balance=True, seed=3)
    first = clean_dataset(rows, [], "en", LABELS, params)
    again = clean_dataset(rows, [], "en", LABELS, params)
    assert first.kept == again.kept and first.rejected == again.rejected
    labels = [kept["label"] for kept in first.kept]
    assert labels.count("economy") == labels.count("sport") == 2
    assert first.counts["dropped"]["balance"] == 3
    assert kept_ids(first) == sorted(kept_ids(first))  # input order is kept
    assert_accounted(first, rows)


def test_balance_off_keeps_every_class() -> None:
    rows = [row(i, f"News about topic number {i} today.") for i in range(3)]
    result = clean_dataset(rows, [], "en", LABELS, PARAMS)
    assert result.counts["dropped"]["balance"] == 0 and len(result.kept) == 3


def test_every_reason_is_counted_in_a_mixed_japanese_batch() -> None:
    rows = [
        row(1, None),
        row(2, JA_RATES, label="weather"),
        row(3, "短い文。"),
        row(4, "とても長い文章です。" * 30),
        row(5, EN_RATES),
        row(6, JA_WITH_EN_CLAUSE),
        row(7, JA_RATES),
        row(8, JA_RATES.replace("0.25%", "０．２５％")),
        row(9, JA_RATES_EDITED),
        row(10, JA_FINAL.replace("二", "2"), label="sport"),
        row(11, JA_RATES_DISTINCT),
        row(12, "円相場は午後に入って一時1ドル=150円台まで下落した。"),
        row(13, "横綱が千秋楽で大関を破り、全勝優勝を果たした。", label="sport"),
    ]
    test_rows = [row("t1", JA_FINAL, label="sport")]
    params = PreprocessParams(min_chars=10, max_chars=200, balance=True)
    result = clean_dataset(rows, test_rows, "ja", LABELS, params)
    found = reasons(result)
    junk = ("control_chars", "replacement_char", "bidi_control", "too_few_letters")
    elsewhere = (*junk, *ARTEFACT_REASONS, "seed_copy")  # tested on their own
    base = [reason for reason in REASONS if reason not in elsewhere]
    assert [found.get(i) for i in (1, 2, 3, 4, 5, 6, 8, 9, 10)] == base[:-1]
    expected = dict.fromkeys(REASONS, 0) | dict.fromkeys(base, 1) | {"balance": 2}
    assert result.counts["dropped"] == expected
    assert [kept["label"] for kept in result.kept] == ["economy", "sport"]  # economy 3 -> 1
    assert_accounted(result, rows)
    assert result.summary().startswith("kept 2 of 13; dropped 11: 1 empty, 1 unknown_label")


def test_other_languages_take_the_generic_path() -> None:
    text = "Habari za asubuhi, leo ni siku nzuri sana kwa watu wote."
    rows = [row(1, text), row(2, text.replace("wote", "wengi"))]
    result = clean_dataset(rows, [], "xx", LABELS, PARAMS)  # no detector, no known script
    assert reasons(result) == {2: "near_duplicate"}


def test_lsh_bands_give_high_recall_at_the_threshold() -> None:
    for threshold in (0.5, 0.7, 0.9):
        bands, rows_per_band = lsh_bands(threshold, 128)
        assert bands * rows_per_band <= 128
        assert 1 - (1 - threshold**rows_per_band) ** bands >= 0.99


def test_shingle_jaccard_separates_edits_from_distinct_sentences() -> None:
    for lang, original, edited, distinct in [
        ("en", EN_RATES, EN_RATES_EDITED, EN_RATES_DISTINCT),
        ("ja", JA_RATES, JA_RATES_EDITED, JA_RATES_DISTINCT),
    ]:
        base = shingles(original, lang)
        assert jaccard(base, shingles(edited, lang)) > PARAMS.near_dup_threshold
        assert jaccard(base, shingles(distinct, lang)) < 0.35


def test_a_copied_seed_is_dropped_as_seed_copy() -> None:
    seeds = [row("s1", EN_RATES)]
    rows = [row(1, EN_RATES.replace("Thursday", "thursday")), row(2, EN_FINAL, label="sport")]
    result = clean_dataset(rows, [], "en", LABELS, PARAMS, seed_rows=seeds)
    assert reasons(result) == {1: "seed_copy"}
    assert result.rejected[0]["detail"] == "exact of s1"
    assert_accounted(result, rows)


def test_unset_length_bounds_come_from_the_real_texts() -> None:
    real = [f"Short real sentence number {i}." for i in range(40)]  # ~30 characters
    assert length_bounds(real, "en") == (14, 45)
    params = PreprocessParams()  # min_chars / max_chars null
    context = task_artefact_context(_TASK, real)
    rows = [row(1, "Rates rise."), row(2, "The bank raised its rates."), row(3, EN_RATES)]
    result = clean_dataset(
        rows, [], "en", LABELS, params, (load_section("artefacts", REPO / "params.yaml"), context)
    )
    assert reasons(result) == {1: "too_short", 3: "too_long"}
    assert result.settings == {"length_bounds": [14, 45]}
