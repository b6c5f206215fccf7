"""Evaluate students and the teacher-prompting baseline on a gold test set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthdistill.metrics.classification import (
    classification_report,
    confusion_rows,
    measure_latency,
)
from synthdistill.params import TaskParams
from synthdistill.students import load_student

Example = dict[str, Any]


def evaluate_task(
    task: TaskParams,
    test: list[Example],
    models: dict[str, str | Path],
    teacher_rows: list[Example] | None,
    teacher_usage: dict[str, Any],
    latency_examples: int = 32,
) -> tuple[dict[str, Any], dict[str, list[dict[str, str]]]]:
    """Return ``(metrics, confusion rows per system)``; students are keyed by name."""
    labels = list(task.labels)
    gold = [row["label"] for row in test]
    texts = [row["text"] for row in test]
    metrics: dict[str, Any] = {"n_test": len(test)}
    confusion: dict[str, list[dict[str, str]]] = {}
    for name, path in models.items():
        model = load_student(Path(path))
        pred = model.predict(texts)
        report = classification_report(gold, pred, labels)
        report["latency"] = measure_latency(model.predict, texts[:latency_examples])
        metrics[name] = report
        confusion[name] = confusion_rows(gold, pred)
    if teacher_rows is not None:
        by_id = {row["id"]: row for row in teacher_rows}
        scored = [row for row in test if row["id"] in by_id]
        pred = [by_id[row["id"]].get("prediction") or "<invalid>" for row in scored]
        report = classification_report([row["label"] for row in scored], pred, labels)
        report["latency"] = {k: v for k, v in teacher_usage.items() if k.startswith("latency")}
        metrics["teacher_prompting"] = report
        confusion["teacher_prompting"] = confusion_rows([row["label"] for row in scored], pred)
    return metrics, confusion
