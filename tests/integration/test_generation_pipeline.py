"""The generation pipeline (pipelines/generation/dvc.yaml) end to end with real parts:
`dvc repro` in a temporary git repo, SELF-GUIDE with the real SmolLM2 GGUF in llama.cpp as
its own generator, LoRA training of the real LM student, ROUGE evaluation with CIs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from dvc_runner import run_ok, stages_ran
from toy_project import copy_project

from synthdistill.io import read_jsonl, write_jsonl
from synthdistill.params import load_task
from synthdistill.tasks import load_examples

# the 9-stage generation pipeline end to end: `make test-all`'s (each of its parts, the LM
# student, SELF-GUIDE with the fake teacher, dvc repro / exp run, has a faster test)
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(900)]
REPO = Path(__file__).resolve().parents[2]
TASK = "toyh"
PIPELINE = "pipelines/generation/dvc.yaml"
BUDGET = 24


def _run(cmd: list[str], cwd: Path) -> str:
    return run_ok(cmd, cwd)


def _ran(output: str) -> set[str]:
    return stages_ran(output, TASK)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project whose one generation task reads 40 real BBC lead -> headline
    pairs from a user file (source file, input/output fields)."""
    root = tmp_path_factory.mktemp("genproj")
    params = copy_project(root, ("stages", "synthdistill", "pipelines", "data/tasks"))
    pairs = load_examples("bbc_headline", load_task("bbc_headline", REPO / "params.yaml"))
    write_jsonl(
        root / "data/annotations/toyh.jsonl",
        [{"lead": r["text"], "headline": r["output"]} for r in pairs[::50][:40]],
    )
    task = params["tasks"]["bbc_headline"]
    task.update(budget=BUDGET)
    task["data"] = {
        "source": "file",
        "path": "data/annotations/toyh.jsonl",
        "text_field": "lead",
        "output_field": "headline",
        "seed_count": 6,
        "test_count": 5,
        "text_max_chars": 200,
    }
    params["tasks"] = {TASK: task}
    params["run_tasks"] = []
    params["run_generation_tasks"] = [TASK]
    params["teacher"].update(model="smollm2-135m-instruct", parallel=4, context=4096)
    # wide output band: the toy run should keep some pairs (the default band is BBC's)
    params["selfguide"].update(batch_size=3, samples=3, min_input_chars=20, output_length_sd=10)
    params["lm"].update(epochs=1, max_length=96, max_new_tokens=12, batch_size=8)
    params["teacher_prompting"].update(latency_probe=1, max_examples=3)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    (root / ".gitignore").write_text("__pycache__/\n")
    _run(["git", "init", "-q"], root)
    _run(["git", "config", "user.email", "t@t"], root)
    _run(["git", "config", "user.name", "t"], root)
    _run(["dvc", "init", "-q"], root)
    _run(["git", "add", "-A"], root)
    _run(["git", "commit", "-qm", "init"], root)
    return root


def test_generation_pipeline_runs_and_scores_with_cis(project: Path) -> None:
    out = _run(["dvc", "repro", PIPELINE], project)
    assert _ran(out) == {
        "prepare",
        "generate",
        "generate_fewgen",
        "preprocess",
        "preprocess_fewgen",
        "train",
        "train_fewgen",
        "train_seeds",
        "train_gold",
        "teacher_prompting",
        "evaluate",
    }
    data = project / "data" / TASK
    assert [len(read_jsonl(data / f"{s}.jsonl")) for s in ("seed", "test", "pool")] == [6, 5, 29]
    usage = json.loads((project / "metrics" / TASK / "teacher_usage.json").read_text())
    assert 0 < usage["requests"] <= BUDGET  # SELF-GUIDE never spends past the budget
    fewgen = json.loads((project / "metrics" / TASK / "fewgen_teacher_usage.json").read_text())
    assert fewgen["requests"] == BUDGET  # the distillation baseline: the same number of calls
    report = json.loads((data / "generate_report.json").read_text())
    kept, rejected = report["parsed"], sum(report["rejected"].values())
    assert kept + rejected == report["teacher_samples"]  # every input kept or dropped by reason
    # the pairs the students train on were decontaminated against the test pairs
    for prefix in ("", "fewgen_"):
        counts = json.loads((data / f"{prefix}preprocess_report.json").read_text())
        generated = read_jsonl(data / f"{prefix}generated.jsonl", allow_empty=True)
        assert counts["input"] == len(generated)
        assert counts["kept"] + sum(counts["dropped"].values()) == counts["input"]
        test_texts = {row["text"].casefold() for row in read_jsonl(data / "test.jsonl")}
        kept = read_jsonl(data / f"{prefix}train.jsonl", allow_empty=True)
        assert len(kept) == counts["kept"]
        assert not {row["text"].casefold() for row in kept} & test_texts
    evaluation = json.loads((project / "metrics" / TASK / "eval.json").read_text())
    for system in (
        "student_zero_shot",
        "student_few_shot",
        "student",
        "seed_student",
        "gold_student",
        "fewgen_student",
    ):
        m = evaluation[system]
        assert m["n"] == 5
        assert m["rougeL_ci_low"] <= m["rougeL"] <= m["rougeL_ci_high"]
        assert (project / "metrics" / TASK / "predictions" / f"{system}.jsonl").exists()
    assert evaluation["teacher_prompting"]["n"] == 3
    assert "student_vs_seed_student" in evaluation["comparisons"]
    seeds_model = json.loads((project / "models" / TASK / "seeds" / "lm_student.json").read_text())
    assert seeds_model["lora"] and seeds_model["pairs"] == 6
    # Nothing changed: nothing re-runs; the default pipeline (no tasks here) is separate.
    assert _ran(_run(["dvc", "repro", PIPELINE], project)) == set()
    _run(["git", "add", "-A"], project)
    _run(["git", "commit", "-qm", "run"], project)
    # An experiment on a SELF-GUIDE knob re-runs SELF-GUIDE and what reads its pairs, no
    # more (its calls are cached: only the vote changes; 3 of 3 must agree).
    exp = ["dvc", "exp", "run", PIPELINE, "-S", "selfguide.min_frequency=0.9"]
    # (preprocess/train/train_gold/evaluate follow only when the new vote changed the pairs,
    # which depends on what the model sampled in this run)
    ran = _ran(_run(exp, project))
    assert "generate" in ran
    assert ran <= {"generate", "preprocess", "train", "train_gold", "evaluate"}
    usage = json.loads((project / "metrics" / TASK / "runtime" / "generate.json").read_text())
    assert usage["teacher_calls"] == 0 and usage["cache_hits"] > 0
