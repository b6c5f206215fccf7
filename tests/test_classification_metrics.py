"""Classification metrics, confusion rows and latency measurement on known inputs."""

from __future__ import annotations

import time

import pytest

from synthdistill.metrics.classification import (
    INVALID,
    classification_report,
    confusion_rows,
    measure_latency,
)

LABELS = ["a", "b", "c"]
GOLD = ["a", "a", "b", "b", "c", "c"]
PRED: list[str | None] = ["a", "b", "b", "b", "garbage", None]


def test_report_exact_values_with_invalid_predictions() -> None:
    report = classification_report(GOLD, PRED, LABELS)
    assert report == {
        "accuracy": 0.5,
        "macro_f1": 0.4889,  # (2/3 + 0.8 + 0) / 3
        "n": 6,
        "invalid": 2,
        "per_class": {
            "a": {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2},
            "b": {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2},
            "c": {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2},
        },
    }


def test_report_perfect_and_label_without_support() -> None:
    report = classification_report(["a", "b"], ["a", "b"], LABELS)
    assert report["accuracy"] == 1.0
    assert report["invalid"] == 0
    assert report["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert report["macro_f1"] == 0.6667  # macro over all task labels, c included


def test_report_all_invalid() -> None:
    report = classification_report(["a", "b"], [None, "I think it is a"], LABELS)
    assert report["accuracy"] == 0.0
    assert report["macro_f1"] == 0.0
    assert report["invalid"] == 2


@pytest.mark.parametrize(
    ("gold", "pred", "message"),
    [
        (["a"], ["a", "b"], "1 gold labels but 2 predictions"),
        ([], [], "no examples"),
        (["a", "z"], ["a", "a"], r"gold labels \['z'\] are not in the task labels"),
    ],
)
def test_report_rejects_bad_input(gold: list[str], pred: list[str | None], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        classification_report(gold, pred, LABELS)


def test_confusion_rows() -> None:
    assert confusion_rows(["a", "b", "c"], ["a", "a", None]) == [
        {"actual": "a", "predicted": "a"},
        {"actual": "b", "predicted": "a"},
        {"actual": "c", "predicted": INVALID},
    ]


def test_measure_latency_counts_calls_and_times() -> None:
    calls: list[int] = []

    def predict(texts: list[str]) -> list[str]:
        calls.append(len(texts))
        time.sleep(0.002)
        return ["a"] * len(texts)

    result = measure_latency(predict, ["x"] * 5, repeats=2, batch_size=2)
    # warm-up (one batch), 2 x 5 single calls, 2 x (2 + 2 + 1) batched calls
    assert calls == [2] + [1] * 10 + [2, 2, 1] * 2
    assert result["latency_ms_batch1_median"] >= 2.0
    assert result["latency_ms_batched_per_example"] >= 3 * 2.0 / 5  # 3 calls for 5 texts
    assert result["latency_batch_size"] == 2
    assert result["latency_probe_n"] == 5


def test_measure_latency_needs_texts() -> None:
    with pytest.raises(ValueError, match="at least one text"):
        measure_latency(lambda texts: texts, [])
