"""Bootstrap confidence intervals for classification scores (seeded, so reproducible)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

RESAMPLES = 1000  # bootstrap resamples of the test set
CONFIDENCE = 0.95


def _encode(
    gold: Sequence[str], pred: Sequence[str], labels: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Labels as ints; a prediction outside ``labels`` gets its own (never-correct) code."""
    index = {label: i for i, label in enumerate(labels)}
    other = len(labels)
    return (
        np.array([index[g] for g in gold], dtype=np.int64),
        np.array([index.get(p, other) for p in pred], dtype=np.int64),
    )


def _scores(gold: np.ndarray, pred: np.ndarray, n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and macro-F1 of each row of ``gold``/``pred`` (resamples x examples)."""
    accuracy = (gold == pred).mean(axis=1)
    f1 = np.zeros((gold.shape[0], n_labels))
    for label in range(n_labels):
        tp = ((gold == label) & (pred == label)).sum(axis=1)
        fp = ((gold != label) & (pred == label)).sum(axis=1)
        fn = ((gold == label) & (pred != label)).sum(axis=1)
        denom = 2 * tp + fp + fn
        f1[:, label] = np.divide(2 * tp, denom, out=np.zeros(len(tp)), where=denom > 0)
    return accuracy, f1.mean(axis=1)


def _indices(n: int, resamples: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def _interval(values: np.ndarray) -> tuple[float, float]:
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return round(float(low), 4), round(float(high), 4)


def bootstrap_ci(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: list[str],
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """95% percentile-bootstrap CIs of accuracy and macro-F1 (test examples resampled)."""
    g, p = _encode(gold, pred, labels)
    idx = _indices(len(g), resamples, seed)
    accuracy, macro_f1 = _scores(g[idx], p[idx], len(labels))
    acc_low, acc_high = _interval(accuracy)
    f1_low, f1_high = _interval(macro_f1)
    return {
        "accuracy_ci_low": acc_low,
        "accuracy_ci_high": acc_high,
        "macro_f1_ci_low": f1_low,
        "macro_f1_ci_high": f1_high,
        "ci_resamples": resamples,
    }


def paired_bootstrap(
    gold: Sequence[str],
    pred_a: Sequence[str],
    pred_b: Sequence[str],
    labels: list[str],
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> dict[str, Any]:
    """Macro-F1 of A minus B on the same resampled test examples, with its 95% CI.

    ``verdict`` is ``better``/``worse`` only when the interval excludes 0.
    """
    g, a = _encode(gold, pred_a, labels)
    _, b = _encode(gold, pred_b, labels)
    idx = _indices(len(g), resamples, seed)
    _, f1_a = _scores(g[idx], a[idx], len(labels))
    _, f1_b = _scores(g[idx], b[idx], len(labels))
    _, full_a = _scores(g[None, :], a[None, :], len(labels))
    _, full_b = _scores(g[None, :], b[None, :], len(labels))
    low, high = _interval(f1_a - f1_b)
    verdict = "better" if low > 0 else "worse" if high < 0 else "within noise"
    return {
        "macro_f1_delta": round(float(full_a[0] - full_b[0]), 4),
        "ci_low": low,
        "ci_high": high,
        "verdict": verdict,
    }


def mean_ci(
    values: Sequence[float], resamples: int = RESAMPLES, seed: int = 0
) -> tuple[float, float, float]:
    """The mean of per-example scores and its 95% percentile-bootstrap interval."""
    data = np.asarray(values, dtype=float)
    if not len(data):
        return float("nan"), float("nan"), float("nan")
    means = data[_indices(len(data), resamples, seed)].mean(axis=1)
    low, high = _interval(means)
    return round(float(data.mean()), 4), low, high


def share(k: int, n: int) -> dict[str, Any]:
    """``k / n`` with its 95% Wilson interval (None when n is 0)."""
    if n == 0:
        return {"k": 0, "n": 0, "value": None, "ci": None}
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=CONFIDENCE, method="wilson")
    return {
        "k": k,
        "n": n,
        "value": round(k / n, 4),
        "ci": [round(float(ci.low), 4), round(float(ci.high), 4)],
    }
