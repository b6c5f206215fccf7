"""Real `dvc repro` / `dvc exp run` in a temporary git repo, with the real smallest teacher.

The teacher cache is this test session's own (tests/conftest.py), so the first run's
teacher calls are real and every later count is meaningful.

Cost: one full `dvc repro`, one real re-run after an edit of the gold data and one
`dvc exp run` are in `make test`; which stages another edit makes stale is read from
`dvc status` (what `dvc repro` would start with) instead of re-running the pipeline. The
`exp run` of the fine-tuned teacher and of active generation are `make test-all`'s (slow).
All tests here share one project, in order: `make test` runs pytest-xdist with
`--dist loadfile`, which keeps a file's tests on one worker.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from dvc_runner import run_ok, stages_ran, stages_stale
from toy_project import copy_project, toy_classification

from synthdistill.io import read_jsonl, write_jsonl

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]
TASK = "toy"
BUDGET = 10
STAGES = [
    "prepare",
    "retrieve_index",
    "retrieve",
    "tune_teacher",
    "generate",
    "preprocess",
    "quality",
    "train",
    "train_gold",
    "train_seeds",
    "train_plus_seeds",
    "teacher_prompting",
    "evaluate",
    "export",
]


def _run(cmd: list[str], cwd: Path) -> str:
    return run_ok(cmd, cwd)


def _ran(output: str) -> set[str]:
    return stages_ran(output, TASK)


def _stale(project: Path) -> set[str]:
    return stages_stale(project, TASK)


def _json(project: Path, name: str) -> dict:
    return _json_at(project / "metrics" / TASK / name)


def _json_at(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project whose one task reads a small gold file (12 BBC texts a label)."""
    root = tmp_path_factory.mktemp("proj")
    params = copy_project(root, ("stages", "synthdistill", "data/tasks"))
    toy_classification(root, params, TASK)
    params["generate"].update(budget=BUDGET, max_tokens=128)
    # explicit length bounds: the toy's texts are all cut at 160 characters, so bounds
    # derived from them would drop most of the teacher's longer rewrites
    params["preprocess"].update(min_chars=40, max_chars=600)
    params["train"].update(epochs=1, max_length=32, batch_size=8)
    params["teacher_prompting"].update(latency_probe=2, max_examples=None)
    params["preprocess"].update(min_chars=10)
    params["retrieval"].update(extra_sources=[])
    params["quality"].update(sample=20)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    (root / ".gitignore").write_text("__pycache__/\n")
    _run(["git", "init", "-q"], root)
    _run(["git", "config", "user.email", "t@t"], root)
    _run(["git", "config", "user.name", "t"], root)
    _run(["dvc", "init", "-q"], root)
    _run(["git", "add", "-A"], root)
    _run(["git", "commit", "-qm", "init"], root)
    return root


def _commit(project: Path, message: str) -> None:
    _run(["git", "add", "-A"], project)
    _run(["git", "commit", "-qm", message], project)


@pytest.mark.timeout(900)
def test_repro_and_what_each_change_reruns(project: Path) -> None:
    assert _ran(_run(["dvc", "repro"], project)) == set(STAGES)
    assert _json(project, "teacher_usage.json")["requests"] == BUDGET
    runtime = _json(project, "runtime/generate.json")
    assert runtime["teacher_calls"] == BUDGET and runtime["cache_hits"] == 0  # cold cache
    evaluation = _json(project, "eval.json")
    for system in ("student", "gold_student", "seed_student", "student_plus_seeds"):
        m = evaluation[system]
        assert m["macro_f1_ci_low"] <= m["macro_f1"] <= m["macro_f1_ci_high"]
        assert m["n"] == 15
    assert "student_plus_seeds_vs_seed_student" in evaluation["comparisons"]
    assert not (project / f"data/{TASK}/retrieval/corpus.jsonl").exists()  # fewgen: no index
    assert _ran(_run(["dvc", "repro"], project)) == set()
    _commit(project, "run")

    # (c) a runtime knob is no stage's dependency
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["teacher"].update(threads=1, parallel=2, timeout=30)
    (project / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert _stale(project) == set()

    # (b) a library module only training reads: the stages that depend on it are stale
    # (what `dvc repro` would start with); putting the text back makes them current again
    module = project / "synthdistill/students/tfidf.py"
    original = module.read_text()
    module.write_text(original + "\n# edited\n")
    assert _stale(project) == {
        "generate",  # method active trains the student in its loop (here: all cached, same data)
        "train",
        "train_gold",
        "train_seeds",
        "train_plus_seeds",
        "quality",  # label preservation loads the gold student
        "evaluate",
        "export",  # exports the student (the student code reads it)
    }
    module.write_text(original)
    assert _stale(project) == set()

    # (a) the gold annotations: edit the text of one test example
    test_ids = {row["id"] for row in read_jsonl(project / f"data/{TASK}/test.jsonl")}
    gold_file = project / "data/annotations/toy.jsonl"
    gold = read_jsonl(gold_file)
    edited = next(row for row in gold if row["id"] in test_ids)
    edited["text"] = "Shares in a large bank rose sharply after strong quarterly results."
    write_jsonl(gold_file, gold)
    assert _ran(_run(["dvc", "repro"], project)) == {
        "prepare",
        "retrieve_index",
        "preprocess",  # decontaminates against the test set
        "quality",
        "teacher_prompting",
        "evaluate",
        "export",  # the model card quotes eval.json
    }
    assert _json(project, "runtime/teacher_prompting.json")["teacher_calls"] == 1
    _commit(project, "edits")

    # a real experiment: another (linear, cheap) student; what the student shapes re-runs
    out = _run(["dvc", "exp", "run", "-S", f"tasks.{TASK}.student=e5-linear"], project)
    assert _ran(out) == {
        "generate",  # the in-loop student of method active (0 new calls, same data)
        "train",
        "train_gold",
        "train_seeds",
        "train_plus_seeds",
        "quality",
        "evaluate",
        "export",
    }
    assert _json(project, "runtime/generate.json")["teacher_calls"] == 0
    assert _json_at(project / f"models/{TASK}/student/student.json")["student"] == "e5-linear"
    shown = _run(["dvc", "exp", "show", "--md", "--only-changed"], project)
    assert f"tasks.{TASK}.student" in shown


def test_deleting_data_costs_no_teacher_calls(project: Path) -> None:
    shutil.rmtree(project / "data" / TASK)
    out = _run(["dvc", "repro", "--force", "--no-run-cache", f"generate@{TASK}"], project)
    assert "generate" in _ran(out)
    runtime = _json(project, "runtime/generate.json")
    assert runtime["teacher_calls"] == 0 and runtime["cache_hits"] == BUDGET


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_exp_run_fine_tuned_teacher_annotates_the_pool(project: Path) -> None:
    """The tuned teacher: tune_teacher LoRA-tunes the (smallest) teacher on the seeds, the
    generate stage serves it through llama.cpp with the GGUF adapter, and annotates the
    pool at the same budget; its answers are cached under the adapter's hash."""
    out = _run(
        ["dvc", "exp", "run", "-S", "generate.method=ft_annotate", "-S", "finetune.epochs=1"],
        project,
    )
    assert {"tune_teacher", "generate", "train", "evaluate"} <= _ran(out)
    tuned = _json_at(project / f"models/{TASK}/teacher/teacher.json")
    assert tuned["tuned"] and tuned["pairs"] == 2 * 10  # 2 seeds a label x 5 labels, 2 jobs
    assert (project / f"models/{TASK}/teacher/adapter.gguf").stat().st_size > 0
    usage = _json(project, "teacher_usage.json")
    assert usage["requests"] == BUDGET
    report = _json_at(project / f"data/{TASK}/generate_report.json")
    assert report["annotation"]["accuracy"]["n"] == BUDGET
    plot = _json_at(project / f"metrics/{TASK}/annotation_confusion.json")
    assert len(plot) == BUDGET and {"actual", "predicted"} <= set(plot[0])
    rows = read_jsonl(project / f"data/{TASK}/generated.jsonl", allow_empty=True)
    pool = {row["id"] for row in read_jsonl(project / f"data/{TASK}/pool.jsonl")}
    assert rows and all(row["lineage"]["pool_id"] in pool for row in rows)
    runtime = _json(project, "runtime/generate.json")
    assert runtime["teacher_calls"] == BUDGET  # a new identity: nothing served from the base's


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("criterion", ["loss", "llm_judge"])
def test_exp_run_active_generation_runs_rounds_at_the_budget(project: Path, criterion: str) -> None:
    """Two rounds of the real loop: the task's student (TF-IDF) trained each round picks
    what the real teacher rewrites (or the teacher judges), and every call of the budget,
    judge ratings included, is one of the generate stage's."""
    out = _run(
        [
            "dvc",
            "exp",
            "run",
            "-S",
            "generate.method=active",
            "-S",
            "active.rounds=2",
            "-S",
            f"active.criterion={criterion}",
            "-S",  # an earlier exp run in this workspace left the student at e5-linear
            f"tasks.{TASK}.student=tfidf",
        ],
        project,
    )
    assert {"generate", "train", "evaluate"} <= _ran(out)
    assert _json(project, "teacher_usage.json")["requests"] == BUDGET
    report = _json_at(project / f"data/{TASK}/generate_report.json")["active"]
    assert report["criterion"] == criterion and report["student"] == "tfidf"
    assert [r["calls"] for r in report["rounds"]] == [BUDGET // 2, BUDGET // 2]
    judged = sum(r["judge_calls"] for r in report["rounds"])
    assert (judged > 0) == (criterion == "llm_judge")
    rows = read_jsonl(project / f"data/{TASK}/generated.jsonl", allow_empty=True)
    seeds = {row["id"] for row in read_jsonl(project / f"data/{TASK}/seed.jsonl")}
    assert rows and {row["lineage"]["round"] for row in rows} <= {1, 2}
    first = [row for row in rows if row["lineage"]["round"] == 1]
    assert first and all(row["lineage"]["parent_id"] in seeds for row in first)
