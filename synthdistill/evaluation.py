"""Evaluate students and the teacher-prompting baseline on a gold test set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from synthdistill.metrics.classification import (
    INVALID,
    classification_report,
    confusion_rows,
    measure_latency,
)
from synthdistill.metrics.stats import bootstrap_ci, paired_bootstrap
from synthdistill.students import load_student

Example = dict[str, Any]

# (system, reference): paired macro-F1 differences reported in eval.json when both exist.
# The question a user asks is whether synthetic data adds value over the seeds they hold.
COMPARISONS = (
    ("student", "seed_student"),
    ("student_plus_seeds", "seed_student"),
    ("student", "gold_student"),
)


def evaluate_task(
    labels: list[str],
    test: list[Example],
    models: dict[str, str | Path],
    teacher_rows: list[Example] | None,
    latency_examples: int = 32,
    seed: int = 0,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[dict[str, str]]]]:
    """Return ``(metrics, latency, confusion rows per system)``; students keyed by name.

    Every accuracy and macro-F1 carries a seeded bootstrap 95% CI. Latencies are wall
    clock and vary run to run, so they are returned apart from the deterministic scores.
    """
    gold = [row["label"] for row in test]
    texts = [row["text"] for row in test]
    metrics: dict[str, Any] = {"n_test": len(test)}
    latency: dict[str, Any] = {}
    confusion: dict[str, list[dict[str, str]]] = {}
    predictions: dict[str, list[str]] = {}
    for name, path in models.items():
        model = load_student(Path(path))
        pred = model.predict(texts)
        predictions[name] = pred
        metrics[name] = _report(gold, pred, labels, seed)
        # One timed pass (32 single calls + one batched pass): a median of 32 is steady
        # enough, and three passes cost as much as scoring the whole test set again.
        latency[name] = measure_latency(model.predict, texts[:latency_examples], repeats=1)
        confusion[name] = confusion_rows(gold, pred)
    if teacher_rows is not None:
        by_id = {row["id"]: row for row in teacher_rows}
        scored = [row for row in test if row["id"] in by_id]
        pred = [by_id[row["id"]].get("prediction") or INVALID for row in scored]
        scored_gold = [row["label"] for row in scored]
        metrics["teacher_prompting"] = _report(scored_gold, pred, labels, seed)
        confusion["teacher_prompting"] = confusion_rows(scored_gold, pred)
    metrics["comparisons"] = {
        f"{a}_vs_{b}": paired_bootstrap(gold, predictions[a], predictions[b], labels, seed=seed)
        for a, b in COMPARISONS
        if a in predictions and b in predictions
    }
    return metrics, latency, confusion


def _report(gold: list[str], pred: list[str], labels: list[str], seed: int) -> dict[str, Any]:
    report = classification_report(gold, pred, labels)
    return {**report, **bootstrap_ci(gold, pred, labels, seed=seed)}
