"""Classification quality, confusion rows for ``dvc plots`` and prediction latency."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from sklearn.metrics import precision_recall_fscore_support

INVALID = "<invalid>"  # stands for a prediction that is no label (None)


def classification_report(
    gold: Sequence[str], pred: Sequence[str | None], labels: list[str]
) -> dict[str, Any]:
    """Accuracy, macro F1 over ``labels`` and per-class scores, rounded to 4 decimals.

    A prediction outside ``labels`` (a teacher's garbage answer, or None) counts as wrong
    and is counted in ``invalid``.
    """
    predicted = _check(gold, pred)
    unknown = sorted(set(gold) - set(labels))
    if unknown:
        raise ValueError(f"gold labels {unknown} are not in the task labels {labels}")
    precision, recall, f1, support = precision_recall_fscore_support(
        list(gold), predicted, labels=labels, average=None, zero_division=0
    )
    correct = sum(g == p for g, p in zip(gold, predicted, strict=True))
    return {
        "accuracy": round(correct / len(gold), 4),
        "macro_f1": round(float(f1.mean()), 4),
        "n": len(gold),
        "invalid": sum(p not in labels for p in predicted),
        "per_class": {
            label: {
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
    }


def confusion_rows(gold: Sequence[str], pred: Sequence[str | None]) -> list[dict[str, str]]:
    """Rows ``{"actual", "predicted"}`` for the ``dvc plots`` confusion template."""
    return [{"actual": g, "predicted": p} for g, p in zip(gold, _check(gold, pred), strict=True)]


def measure_latency(
    predict_fn: Callable[[list[str]], Sequence[Any]],
    texts: Sequence[str],
    repeats: int = 3,
    batch_size: int = 32,
) -> dict[str, Any]:
    """Milliseconds per prediction: one text per call (median call) and in batches.

    ``predict_fn`` takes a list of texts; one warm-up call is not timed.
    """
    if not texts:
        raise ValueError("measure_latency needs at least one text")
    if repeats < 1 or batch_size < 1:
        raise ValueError("repeats and batch_size must be >= 1")
    items = list(texts)
    predict_fn(items[:batch_size])  # warm-up: lazy init, allocator, caches
    single = []
    for _ in range(repeats):
        for text in items:
            started = time.perf_counter()
            predict_fn([text])
            single.append(time.perf_counter() - started)
    batched = []
    for _ in range(repeats):
        started = time.perf_counter()
        for start in range(0, len(items), batch_size):
            predict_fn(items[start : start + batch_size])
        batched.append((time.perf_counter() - started) / len(items))
    return {
        "latency_ms_batch1_median": round(1000 * statistics.median(single), 4),
        "latency_ms_batched_per_example": round(1000 * statistics.median(batched), 4),
        "latency_batch_size": batch_size,
        "latency_probe_n": len(items),
    }


def _check(gold: Sequence[str], pred: Sequence[str | None]) -> list[str]:
    """Same-length, non-empty inputs; None predictions become :data:`INVALID`."""
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    if not gold:
        raise ValueError("no examples to score")
    return [INVALID if p is None else p for p in pred]
