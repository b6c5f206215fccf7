"""A trained student must beat the majority-class baseline on held-out examples of an
easy task: a broken model (constant output, shuffled labels) fails this."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthdistill.metrics.classification import classification_report
from synthdistill.params import TrainParams
from synthdistill.students import load_student, train_student

SPORT = ["match", "goal", "striker", "league", "coach", "penalty", "cup", "season", "team"]
MONEY = ["shares", "profit", "bank", "market", "investors", "earnings", "stocks", "bond"]
LABELS = ["sport", "money"]


def _rows(start: int, n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(start, start + n):
        words, label = (SPORT, "sport") if i % 2 else (MONEY, "money")
        text = f"The {words[i % len(words)]} and the {words[(i * 3 + 1) % len(words)]} today."
        rows.append({"id": f"r{i}", "text": text, "label": label})
    return rows


def _scores(student: str, tmp_path: Path, epochs: int = 1) -> tuple[float, float]:
    train, test = _rows(0, 24), _rows(100, 12)
    params = TrainParams(student=student, epochs=epochs, batch_size=8, max_length=32)
    train_student(train, LABELS, params, tmp_path / "m", None, "en")
    pred = load_student(tmp_path / "m").predict([r["text"] for r in test])
    gold = [r["label"] for r in test]
    majority = classification_report(gold, ["money"] * len(gold), LABELS)["macro_f1"]
    return classification_report(gold, pred, LABELS)["macro_f1"], majority


def test_tfidf_student_beats_majority(tmp_path: Path) -> None:
    f1, majority = _scores("tfidf", tmp_path)
    assert f1 >= 0.9 > majority


@pytest.mark.integration
def test_fine_tuned_encoder_beats_majority(tmp_path: Path) -> None:
    f1, majority = _scores("minilm-l6", tmp_path, epochs=12)
    assert f1 >= 0.8 > majority
