"""Evaluate students and the teacher-prompting baseline on a gold test set."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synthdistill.generation import first_answer, task_prompt
from synthdistill.lm.model import load_lm, load_saved_lm
from synthdistill.metrics.classification import (
    INVALID,
    classification_report,
    confusion_rows,
    measure_latency,
)
from synthdistill.metrics.generation import generation_scores, paired_difference
from synthdistill.metrics.stats import bootstrap_ci, paired_bootstrap
from synthdistill.params import LMParams, TaskParams, load_section
from synthdistill.students import TRAINING_FILE, load_student
from synthdistill.task_kinds import CLASSIFICATION, GENERATION

Example = dict[str, Any]

# (system, reference): paired macro-F1 differences reported in eval.json when both exist.
# The question a user asks is whether synthetic data adds value over the seeds they hold.
COMPARISONS = (
    ("student", "seed_student"),
    ("student_plus_seeds", "seed_student"),
    ("student", "gold_student"),
)


# What the teacher-vs-seeds gap means for distillation (eval.json "headroom", README).
HEADROOM_TEXT = {
    "better": (
        "The teacher labels better than your seeds-only student ({gap} {metric} on the {n} "
        "test rows it answered): its synthetic data can add label knowledge."
    ),
    "worse": (
        "The teacher labels worse than your seeds-only student ({gap} {metric} on the {n} "
        "test rows it answered): synthetic data from it is unlikely to add label knowledge; "
        "try a stronger teacher, or expect gains only from more varied texts."
    ),
    "within noise": (
        "The teacher and your seeds-only student label about as well ({gap} {metric} on the "
        "{n} test rows it answered, within noise): synthetic data may add little; a "
        "stronger teacher or fewer seeds is where it pays."
    ),
}


def headroom(comparison: dict[str, Any], n: int, metric: str) -> dict[str, Any]:
    """Teacher prompting minus the seeds-only student, paired on the rows the teacher
    answered, with what it means for distillation: the rule is that a teacher can only add
    label knowledge where it labels better than the student the seeds already give."""
    delta = next(v for k, v in comparison.items() if k == "delta" or k.endswith("_delta"))
    gap = f"{delta:+.3f} [{comparison['ci_low']:+.3f}, {comparison['ci_high']:+.3f}]"
    verdict = comparison["verdict"]
    return {
        "teacher_minus_seed_student": delta,
        "ci_low": comparison["ci_low"],
        "ci_high": comparison["ci_high"],
        "n": n,
        "verdict": {"better": "teacher ahead", "worse": "teacher behind"}.get(verdict, "unclear"),
        "text": HEADROOM_TEXT[verdict].format(gap=gap, metric=metric, n=n),
    }


def evaluate_task(
    labels: list[str],
    test: list[Example],
    models: dict[str, str | Path],
    teacher_rows: list[Example] | None,
    latency_examples: int = 32,
    seed: int = 0,
    predicted: dict[str, list[Example]] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[dict[str, str]]]]:
    """Return ``(metrics, latency, confusion rows per system)``; students keyed by name.

    Every accuracy and macro-F1 carries a seeded bootstrap 95% CI. Latencies are wall
    clock and vary run to run, so they are returned apart from the deterministic scores.
    ``predicted``, when given, receives each student's rows (id, label, prediction),
    keyed by example id so two runs' students can be paired example by example.
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
        if predicted is not None:
            predicted[name] = [
                {"id": row["id"], "label": row["label"], "prediction": label}
                for row, label in zip(test, pred, strict=True)
            ]
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
        if "seed_student" in predictions:
            index = {row["id"]: i for i, row in enumerate(test)}
            seeds_pred = [predictions["seed_student"][index[row["id"]]] for row in scored]
            gap = paired_bootstrap(scored_gold, pred, seeds_pred, labels, seed=seed)
            metrics["headroom"] = headroom(gap, len(scored), "macro-F1")
    metrics["comparisons"] = {
        f"{a}_vs_{b}": paired_bootstrap(gold, predictions[a], predictions[b], labels, seed=seed)
        for a, b in COMPARISONS
        if a in predictions and b in predictions
    }
    return metrics, latency, confusion


def _report(gold: list[str], pred: list[str], labels: list[str], seed: int) -> dict[str, Any]:
    report = classification_report(gold, pred, labels)
    return {**report, **bootstrap_ci(gold, pred, labels, seed=seed)}


# (system, reference) ROUGE-L differences for generation tasks, paired on the test pairs.
GENERATION_COMPARISONS = (
    ("student", "seed_student"),
    ("student", "student_few_shot"),
    ("student", "student_zero_shot"),
    ("student", "gold_student"),
    ("seed_student", "student_few_shot"),
    ("fewgen_student", "seed_student"),
    ("student", "fewgen_student"),
)


def evaluate_generation(
    task: TaskParams,
    test: list[Example],
    models: dict[str, str | Path],
    seeds: list[Example],
    params: LMParams,
    teacher_rows: list[Example] | None = None,
    seed: int = 0,
) -> tuple[dict[str, Any], dict[str, list[Example]], dict[str, float]]:
    """Score LM students on a generation task's test pairs.

    ``models`` are saved students (name -> directory); the untuned base model is also
    scored zero-shot (``student_zero_shot``) and prompted with ``params.shots`` seed pairs
    as earlier chat turns (``student_few_shot``). ``teacher_rows`` (id, prediction) are
    the teacher's few-shot answers on a subset. Returns ``(metrics, predictions per
    system, ms per example per system)``; every score carries a 95% bootstrap CI.
    """
    refs = [row["output"] for row in test]
    prompts = [task_prompt(task, row["text"]) for row in test]
    shots = [(task_prompt(task, r["text"]), r["output"]) for r in seeds[: params.shots]]
    systems: dict[str, Any] = {"student_zero_shot": ((), None), "student_few_shot": (shots, None)}
    systems.update({name: ((), Path(path)) for name, path in models.items()})
    metrics: dict[str, Any] = {}
    predictions: dict[str, list[Example]] = {}
    per_ex: dict[str, list[float]] = {}
    latency: dict[str, float] = {}
    base = None
    for name, (turns, path) in systems.items():
        if path is None:
            base = base or load_lm(params.student)
            model = base
        else:
            model = load_saved_lm(path)
        start = time.perf_counter()
        raw = model.generate(prompts, params.max_new_tokens, batch_size=16, shots=turns)
        latency[f"{name}_ms_per_example"] = round(
            (time.perf_counter() - start) * 1000 / max(1, len(prompts)), 1
        )
        answers = [first_answer(text) for text in raw]
        scores, rows = generation_scores(answers, refs, task.language, seed)
        metrics[name] = scores
        per_ex[name] = [r["rougeL"] for r in rows]
        predictions[name] = [
            {"id": t["id"], "reference": ref, "prediction": a, "raw": r, **s}
            for t, ref, a, r, s in zip(test, refs, answers, raw, rows, strict=True)
        ]
    if teacher_rows:
        by_id = {row["id"]: row for row in test}
        subset = [r for r in teacher_rows if r["id"] in by_id]
        answers = [first_answer(r.get("prediction") or "") for r in subset]
        sub_refs = [by_id[r["id"]]["output"] for r in subset]
        scores, rows = generation_scores(answers, sub_refs, task.language, seed)
        metrics["teacher_prompting"] = scores
        predictions["teacher_prompting"] = [
            {"id": r["id"], "reference": ref, "prediction": a, **s}
            for r, ref, a, s in zip(subset, sub_refs, answers, rows, strict=True)
        ]
        if "seed_student" in per_ex:
            index = {row["id"]: i for i, row in enumerate(test)}
            seeds_rouge = [per_ex["seed_student"][index[r["id"]]] for r in subset]
            gap = paired_difference([r["rougeL"] for r in rows], seeds_rouge, seed=seed)
            metrics["headroom"] = headroom(gap, len(subset), "ROUGE-L")
    metrics["comparisons"] = {
        f"{a}_vs_{b}": paired_difference(per_ex[a], per_ex[b], seed=seed)
        for a, b in GENERATION_COMPARISONS
        if a in per_ex and b in per_ex
    }
    return metrics, predictions, latency


@dataclass
class Evaluation:
    """What stage evaluate writes: scores with CIs, latencies, per-system rows (confusion
    rows for ``plots``, per-example answers for ``predictions``) and a line for the log."""

    metrics: dict[str, Any]
    latency: dict[str, Any]
    summary: str
    plots: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    predictions: dict[str, list[Example]] = field(default_factory=dict)


def note_training_sizes(metrics: dict[str, Any], models: dict[str, str | Path]) -> None:
    """Put each student's training-set size next to its scores (``n_train``), and mark a
    comparison with a student that got fewer rows than it asked for (the gold baseline
    when the pool is smaller than the synthetic set): its verdict says "unequal sizes"
    and both sizes are given, since then the comparison is not at equal data."""
    short: dict[str, tuple[int, int]] = {}
    for name, path in models.items():
        file = Path(path) / TRAINING_FILE
        if name not in metrics or not file.exists():
            continue
        sizes = json.loads(file.read_text(encoding="utf-8"))
        metrics[name]["n_train"] = sizes["rows"]
        if sizes.get("requested") is not None:
            metrics[name]["n_train_requested"] = sizes["requested"]
            if sizes["rows"] < sizes["requested"]:
                short[name] = (sizes["rows"], sizes["requested"])
    for key, comparison in metrics.get("comparisons", {}).items():
        for name, (rows, requested) in short.items():
            if key.endswith(f"_vs_{name}") or key.startswith(f"{name}_vs_"):
                comparison["verdict"] += (
                    f" (unequal sizes: {name} got {rows} of the {requested} rows it matches)"
                )


def _evaluate_classification(
    task: TaskParams,
    test: list[Example],
    models: dict[str, str | Path],
    teacher_rows: list[Example] | None,
    seeds: list[Example],
    params_path: str | Path,
) -> Evaluation:
    predicted: dict[str, list[Example]] = {}
    labels = list(task.labels)
    metrics, latency, confusion = evaluate_task(
        labels, test, models, teacher_rows, predicted=predicted
    )
    note_training_sizes(metrics, models)
    scores = {
        name: f"{m['macro_f1']:.3f} [{m['macro_f1_ci_low']:.3f}, {m['macro_f1_ci_high']:.3f}]"
        for name, m in metrics.items()
        if isinstance(m, dict) and "macro_f1" in m
    }
    return Evaluation(metrics, latency, str(scores), plots=confusion, predictions=predicted)


def _evaluate_generation(
    task: TaskParams,
    test: list[Example],
    models: dict[str, str | Path],
    teacher_rows: list[Example] | None,
    seeds: list[Example],
    params_path: str | Path,
) -> Evaluation:
    params = load_section("lm", params_path)
    metrics, predictions, latency = evaluate_generation(
        task, test, models, seeds, params, teacher_rows
    )
    note_training_sizes(metrics, models)
    scores = {
        name: f"{m['rougeL']:.1f} [{m['rougeL_ci_low']:.1f}, {m['rougeL_ci_high']:.1f}]"
        for name, m in metrics.items()
        if isinstance(m, dict) and "rougeL" in m
    }
    return Evaluation(metrics, latency, f"ROUGE-L {scores}", predictions=predictions)


# The evaluator of each task kind: (task, test rows, students name -> dir, teacher
# predictions or None, seed rows, params file) -> Evaluation.
EVALUATORS: dict[str, Callable[..., Evaluation]] = {
    CLASSIFICATION: _evaluate_classification,
    GENERATION: _evaluate_generation,
}
