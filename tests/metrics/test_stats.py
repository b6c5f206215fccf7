"""Seeded bootstrap CIs and paired comparisons of classification scores."""

from __future__ import annotations

import random

import pytest

from synthdistill.metrics.classification import INVALID, classification_report
from synthdistill.metrics.stats import bootstrap_ci, paired_bootstrap

LABELS = ["a", "b", "c"]


def _gold(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(LABELS) for _ in range(n)]


def _noisy(gold: list[str], error_rate: float, seed: int = 1) -> list[str]:
    """``gold`` with about ``error_rate`` of the predictions replaced by another label."""
    rng = random.Random(seed)
    return [
        rng.choice([x for x in LABELS if x != g]) if rng.random() < error_rate else g for g in gold
    ]


def _random(n: int, seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(LABELS) for _ in range(n)]


@pytest.mark.parametrize("error_rate", [0.1, 0.3, 0.6])
def test_ci_contains_the_point_estimate(error_rate: float) -> None:
    gold = _gold(200)
    pred = _noisy(gold, error_rate)
    report = classification_report(gold, pred, LABELS)
    ci = bootstrap_ci(gold, pred, LABELS)
    assert ci["accuracy_ci_low"] <= report["accuracy"] <= ci["accuracy_ci_high"]
    assert ci["macro_f1_ci_low"] <= report["macro_f1"] <= ci["macro_f1_ci_high"]
    assert ci["accuracy_ci_low"] < ci["accuracy_ci_high"]
    assert 0 <= ci["macro_f1_ci_low"] < ci["macro_f1_ci_high"] <= 1
    assert ci["ci_resamples"] == 1000


def test_perfect_predictions_give_a_ci_of_one() -> None:
    gold = _gold(50)
    ci = bootstrap_ci(gold, list(gold), LABELS)
    assert (ci["accuracy_ci_low"], ci["accuracy_ci_high"]) == (1.0, 1.0)
    assert (ci["macro_f1_ci_low"], ci["macro_f1_ci_high"]) == (1.0, 1.0)


def test_ci_narrows_with_more_examples() -> None:
    def width(n: int, key: str) -> float:
        gold = _gold(n)
        ci = bootstrap_ci(gold, _noisy(gold, 0.25), LABELS)
        return ci[f"{key}_ci_high"] - ci[f"{key}_ci_low"]

    for key in ("accuracy", "macro_f1"):
        assert width(1000, key) < width(200, key) < width(40, key)
    # the accuracy CI of n examples is about 2 * 1.96 * sqrt(p (1 - p) / n) wide
    assert width(1000, "accuracy") == pytest.approx(2 * 1.96 * (0.75 * 0.25 / 1000) ** 0.5, rel=0.2)


def test_same_seed_same_result() -> None:
    gold = _gold(120)
    pred = _noisy(gold, 0.3)
    assert bootstrap_ci(gold, pred, LABELS, seed=3) == bootstrap_ci(gold, pred, LABELS, seed=3)
    other = _random(120)
    same = paired_bootstrap(gold, pred, other, LABELS, seed=3)
    assert same == paired_bootstrap(gold, pred, other, LABELS, seed=3)
    assert bootstrap_ci(gold, pred, LABELS, seed=3) != bootstrap_ci(gold, pred, LABELS, seed=4)


def test_paired_bootstrap_finds_a_clearly_better_system() -> None:
    gold = _gold(300)
    good, bad = _noisy(gold, 0.15), _random(300)
    better = paired_bootstrap(gold, good, bad, LABELS)
    expected = (
        classification_report(gold, good, LABELS)["macro_f1"]
        - classification_report(gold, bad, LABELS)["macro_f1"]
    )
    assert better["verdict"] == "better"
    assert better["macro_f1_delta"] == pytest.approx(expected, abs=2e-4)
    assert 0 < better["ci_low"] <= better["macro_f1_delta"] <= better["ci_high"]
    worse = paired_bootstrap(gold, bad, good, LABELS)
    assert worse["verdict"] == "worse"
    assert worse["macro_f1_delta"] == -better["macro_f1_delta"]
    assert worse["ci_high"] < 0


def test_paired_bootstrap_identical_predictions_are_within_noise() -> None:
    gold = _gold(300)
    pred = _noisy(gold, 0.3)
    same = paired_bootstrap(gold, pred, list(pred), LABELS)
    assert same == {"macro_f1_delta": 0.0, "ci_low": 0.0, "ci_high": 0.0, "verdict": "within noise"}


def test_paired_bootstrap_small_difference_is_within_noise() -> None:
    """B fixes one of A's errors and breaks one of A's hits (of 300): no verdict."""
    gold = _gold(300)
    a = _noisy(gold, 0.3)
    b = list(a)
    fixed = next(i for i, (g, p) in enumerate(zip(gold, a, strict=True)) if g != p)
    broken = next(i for i, (g, p) in enumerate(zip(gold, a, strict=True)) if g == p)
    b[fixed] = gold[fixed]
    b[broken] = next(x for x in LABELS if x != gold[broken])
    result = paired_bootstrap(gold, a, b, LABELS)
    assert result["verdict"] == "within noise"
    assert result["ci_low"] < 0 < result["ci_high"]


def test_invalid_predictions_count_as_wrong() -> None:
    gold = _gold(100)
    all_invalid = bootstrap_ci(gold, ["nonsense"] * 100, LABELS)
    assert all_invalid["accuracy_ci_high"] == 0.0 and all_invalid["macro_f1_ci_high"] == 0.0
    # half the answers are garbage (or the INVALID marker): accuracy is at most ~half
    pred = [g if i % 2 else (INVALID if i % 4 else "nonsense") for i, g in enumerate(gold)]
    ci = bootstrap_ci(gold, pred, LABELS)
    report = classification_report(gold, pred, LABELS)
    assert report["accuracy"] == 0.5 and report["invalid"] == 50
    assert ci["accuracy_ci_low"] <= 0.5 <= ci["accuracy_ci_high"] < 0.7
    # against perfect predictions, the garbage answers are a clear loss
    versus = paired_bootstrap(gold, list(gold), pred, LABELS)
    assert versus["verdict"] == "better"
    assert versus["macro_f1_delta"] == pytest.approx(1 - report["macro_f1"], abs=2e-4)
