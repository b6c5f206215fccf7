"""Generation scores: per-example ROUGE/chrF/EM with bootstrap CIs, corpus BLEU, paired
differences; Japanese goes through MeCab (never a tokenizer-made 0.0)."""

from __future__ import annotations

import pytest

from synthdistill.metrics.generation import generation_scores, paired_difference

REFS = ["Markets rally on rate cut", "Oil prices fall again", "Arsenal beat Chelsea", "New phone"]


def test_perfect_predictions_score_100_with_a_point_interval() -> None:
    scores, rows = generation_scores(REFS, REFS, "en")
    for name in ("rouge1", "rouge2", "rougeL", "chrf", "exact_match"):
        assert scores[name] == pytest.approx(100.0)
        assert scores[f"{name}_ci_low"] == pytest.approx(100.0)
    assert scores["bleu"] == pytest.approx(100.0)
    assert scores["n"] == 4 and len(rows) == 4


def test_scores_order_systems_and_intervals_contain_the_mean() -> None:
    close = ["Markets rally after rate cut", "Oil prices fall", "Arsenal beat Chelsea", "A phone"]
    far = ["Weather is nice", "Cats and dogs", "Stocks", ""]
    good, good_rows = generation_scores(close, REFS, "en")
    bad, bad_rows = generation_scores(far, REFS, "en")
    assert good["rougeL"] > bad["rougeL"] and good["chrf"] > bad["chrf"]
    assert good["rougeL_ci_low"] <= good["rougeL"] <= good["rougeL_ci_high"]
    assert bad_rows[3]["rougeL"] == 0.0  # an empty answer scores 0, no crash
    diff = paired_difference([r["rougeL"] for r in good_rows], [r["rougeL"] for r in bad_rows])
    assert diff["delta"] > 0 and diff["ci_low"] <= diff["delta"] <= diff["ci_high"]
    same = paired_difference([1.0, 2.0], [1.0, 2.0])
    assert same["verdict"] == "within noise" and same["delta"] == 0


def test_japanese_is_scored_on_mecab_words() -> None:
    refs = ["東京で大雨が降った", "新しい携帯電話を発表"]
    preds = ["東京で大雨が降る", "新型の携帯電話を発表"]
    scores, _ = generation_scores(preds, refs, "ja")
    assert 30 < scores["rougeL"] < 100 and scores["bleu"] > 0
