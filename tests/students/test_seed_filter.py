"""Dropping synthetic rows that the seeds-only student confidently labels otherwise."""

from __future__ import annotations

from typing import Any

import numpy as np

from synthdistill.students.seed_filter import drop_contradicted


class FakeJudge:
    """A seeds-only student stand-in: fixed class probabilities, one row per text."""

    labels = ["sports", "politics", "tech"]

    def __init__(self, probs: list[list[float]]) -> None:
        self.probs = np.array(probs)
        self.seen: list[str] = []

    def predict_proba(self, texts: Any, batch_size: int = 32) -> np.ndarray:
        self.seen = list(texts)
        assert len(self.seen) == len(self.probs)
        return self.probs


ROWS = [
    {"id": "r1", "text": "the minister won the match", "label": "sports"},  # judge: politics 0.9
    {"id": "r2", "text": "a new phone and a goal", "label": "sports"},  # judge: tech 0.7
    {"id": "r3", "text": "the striker scored", "label": "sports"},  # judge: sports 0.95
    {"id": "r4", "text": "parliament voted", "label": "politics"},  # judge: politics 0.85
]
PROBS = [
    [0.05, 0.9, 0.05],
    [0.2, 0.1, 0.7],
    [0.95, 0.03, 0.02],
    [0.1, 0.85, 0.05],
]


def test_threshold_none_keeps_every_row() -> None:
    judge = FakeJudge(PROBS)
    kept, report = drop_contradicted(ROWS, judge, None)
    assert kept == ROWS
    assert report == {"threshold": None, "input": 4, "dropped": 0, "rows": []}
    assert judge.seen == []  # the judge is not even asked


def test_confident_contradiction_is_dropped_and_reported() -> None:
    judge = FakeJudge(PROBS)
    kept, report = drop_contradicted(ROWS, judge, 0.8)
    assert judge.seen == [row["text"] for row in ROWS]
    # r2's other label is only 0.7 < 0.8; r3 and r4 agree with the judge however sure it is
    assert [row["id"] for row in kept] == ["r2", "r3", "r4"]
    assert report["threshold"] == 0.8 and report["input"] == 4 and report["dropped"] == 1
    assert report["dropped_by_label"] == {"sports": 1}
    (dropped,) = report["rows"]
    assert {k: dropped[k] for k in ("id", "label", "seed_student_label", "probability")} == {
        "id": "r1",
        "label": "sports",
        "seed_student_label": "politics",
        "probability": 0.9,
    }
    assert dropped["text"] == ROWS[0]["text"]


def test_threshold_is_inclusive_and_lower_threshold_drops_more() -> None:
    kept, report = drop_contradicted(ROWS, FakeJudge(PROBS), 0.7)
    assert [row["id"] for row in kept] == ["r3", "r4"]
    assert [(r["id"], r["seed_student_label"]) for r in report["rows"]] == [
        ("r1", "politics"),
        ("r2", "tech"),
    ]
    assert report["dropped_by_label"] == {"sports": 2}


def test_same_label_rows_are_kept_at_any_threshold() -> None:
    rows = [ROWS[2], ROWS[3]]
    kept, report = drop_contradicted(rows, FakeJudge([PROBS[2], PROBS[3]]), 0.01)
    assert kept == rows and report["dropped"] == 0 and report["rows"] == []


def test_no_rows() -> None:
    kept, report = drop_contradicted([], FakeJudge([]), 0.8)
    assert kept == [] and report["dropped"] == 0
