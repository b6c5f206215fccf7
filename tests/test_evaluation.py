"""evaluate_task: scores with bootstrap CIs, latencies apart, paired comparisons."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthdistill.evaluation import evaluate_task, note_training_sizes
from synthdistill.io import write_json
from synthdistill.params import TrainParams
from synthdistill.students import train_student

LABELS = ["sports", "politics"]
TRAIN = [
    {"id": "s1", "text": "the striker scored a goal in the match", "label": "sports"},
    {"id": "s2", "text": "the team won the cup final", "label": "sports"},
    {"id": "s3", "text": "the champion won the tennis match", "label": "sports"},
    {"id": "p1", "text": "parliament passed the bill after a vote", "label": "politics"},
    {"id": "p2", "text": "the minister resigned before the election", "label": "politics"},
    {"id": "p3", "text": "the government lost the vote in parliament", "label": "politics"},
]
TEST = [
    {"id": "t1", "text": "a late goal won the match", "label": "sports"},
    {"id": "t2", "text": "the team lost the final", "label": "sports"},
    {"id": "t3", "text": "the election was called by the minister", "label": "politics"},
    {"id": "t4", "text": "parliament debated the bill", "label": "politics"},
]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("students")
    params = TrainParams(student="tfidf")
    train_student(TRAIN, LABELS, params, root / "student")
    train_student(TRAIN[:2] + TRAIN[3:5], LABELS, params, root / "seed_student")
    return {"student": root / "student", "seed_student": root / "seed_student"}


def test_scores_carry_cis_and_latency_is_apart(models: dict[str, Path]) -> None:
    teacher_rows = [
        {"id": "t1", "prediction": "sports"},
        {"id": "t3", "prediction": None},  # no valid answer: counts as wrong
        {"id": "unknown", "prediction": "sports"},
    ]
    metrics, latency, confusion = evaluate_task(
        LABELS, TEST, models, teacher_rows, latency_examples=2
    )
    assert metrics["n_test"] == 4
    for name in ("student", "seed_student", "teacher_prompting"):
        report = metrics[name]
        assert report["accuracy_ci_low"] <= report["accuracy"] <= report["accuracy_ci_high"]
        assert report["macro_f1_ci_low"] <= report["macro_f1"] <= report["macro_f1_ci_high"]
        assert "latency" not in report
    assert set(latency) == {"student", "seed_student"}  # wall clock, kept out of metrics
    assert latency["student"]["latency_probe_n"] == 2
    teacher = metrics["teacher_prompting"]
    assert (teacher["n"], teacher["accuracy"], teacher["invalid"]) == (2, 0.5, 1)
    assert confusion["teacher_prompting"][1] == {"actual": "politics", "predicted": "<invalid>"}
    assert [row["actual"] for row in confusion["student"]] == [r["label"] for r in TEST]
    assert set(metrics["comparisons"]) == {"student_vs_seed_student"}
    comparison = metrics["comparisons"]["student_vs_seed_student"]
    assert set(comparison) == {"macro_f1_delta", "ci_low", "ci_high", "verdict"}
    assert comparison["macro_f1_delta"] == pytest.approx(
        metrics["student"]["macro_f1"] - metrics["seed_student"]["macro_f1"], abs=2e-4
    )


def test_metrics_are_deterministic(models: dict[str, Path]) -> None:
    first, _, _ = evaluate_task(LABELS, TEST, models, None, latency_examples=1, seed=3)
    again, _, _ = evaluate_task(LABELS, TEST, models, None, latency_examples=1, seed=3)
    assert first == again
    assert "teacher_prompting" not in first


def test_no_comparison_without_its_reference(models: dict[str, Path]) -> None:
    metrics, _, _ = evaluate_task(
        LABELS, TEST, {"student": models["student"]}, None, latency_examples=1
    )
    assert metrics["comparisons"] == {}


def test_a_gold_baseline_short_of_rows_says_unequal_sizes(tmp_path: Path) -> None:
    for name, rows, requested in (("student", 44, None), ("gold_student", 24, 44)):
        write_json(tmp_path / name / "training.json", {"rows": rows, "requested": requested})
    metrics = {
        "student": {"macro_f1": 0.8},
        "gold_student": {"macro_f1": 0.7},
        "seed_student": {"macro_f1": 0.6},
        "comparisons": {
            "student_vs_gold_student": {"verdict": "better"},
            "student_vs_seed_student": {"verdict": "better"},
        },
    }
    models = {name: tmp_path / name for name in ("student", "gold_student", "seed_student")}
    note_training_sizes(metrics, models)
    assert metrics["student"]["n_train"] == 44 and metrics["gold_student"]["n_train"] == 24
    assert metrics["gold_student"]["n_train_requested"] == 44
    assert metrics["comparisons"]["student_vs_gold_student"]["verdict"] == (
        "better (unequal sizes: gold_student got 24 of the 44 rows it matches)"
    )
    assert metrics["comparisons"]["student_vs_seed_student"]["verdict"] == "better"


def test_headroom_pairs_the_teacher_with_the_seeds_only_student(models: dict[str, Path]) -> None:
    metrics, _, _ = evaluate_task(LABELS, TEST, models, None, latency_examples=1)
    assert "headroom" not in metrics  # no teacher rows: nothing to compare
    # a teacher that answers every row right, and one that answers every row wrong
    right = [{"id": r["id"], "prediction": r["label"]} for r in TEST]
    wrong = [{"id": r["id"], "prediction": LABELS[1 - LABELS.index(r["label"])]} for r in TEST]
    ahead, _, _ = evaluate_task(LABELS, TEST, models, right, latency_examples=1)
    behind, _, _ = evaluate_task(LABELS, TEST, models, wrong, latency_examples=1)
    seeds_f1 = ahead["seed_student"]["macro_f1"]
    assert ahead["headroom"]["n"] == 4
    assert ahead["headroom"]["teacher_minus_seed_student"] == pytest.approx(1 - seeds_f1, abs=2e-4)
    assert behind["headroom"]["teacher_minus_seed_student"] == pytest.approx(-seeds_f1, abs=2e-4)
    for gap in (ahead["headroom"], behind["headroom"]):
        assert gap["ci_low"] <= gap["teacher_minus_seed_student"] <= gap["ci_high"]
        assert "seeds-only student" in gap["text"] and "on the 4 test rows" in gap["text"]
    assert ahead["headroom"]["verdict"] != "teacher behind"
    assert behind["headroom"]["verdict"] != "teacher ahead"


def test_headroom_verdicts_read_the_interval() -> None:
    from synthdistill.evaluation import headroom

    ahead = headroom(
        {"macro_f1_delta": 0.2, "ci_low": 0.1, "ci_high": 0.3, "verdict": "better"}, 40, "macro-F1"
    )
    behind = headroom(
        {"delta": -0.2, "ci_low": -0.3, "ci_high": -0.1, "verdict": "worse"}, 40, "ROUGE-L"
    )
    unclear = headroom(
        {"macro_f1_delta": 0.0, "ci_low": -0.1, "ci_high": 0.1, "verdict": "within noise"},
        40,
        "macro-F1",
    )
    assert (ahead["verdict"], behind["verdict"], unclear["verdict"]) == (
        "teacher ahead",
        "teacher behind",
        "unclear",
    )
    assert "+0.200 [+0.100, +0.300] macro-F1" in ahead["text"] and "can add" in ahead["text"]
    assert "unlikely to add label knowledge" in behind["text"] and "ROUGE-L" in behind["text"]
