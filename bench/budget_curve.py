"""Student macro-F1 against teacher calls, for fewgen and synthesizrr (a `dvc plots` plot).

    .venv/bin/python bench/budget_curve.py [--task bbc_news] [--budgets 25 50 100 200]

Runs the real stage scripts (retrieve_index, retrieve, generate, preprocess, train,
evaluate) per (method, budget) in a scratch directory, on the workspace's prepared
split (`dvc repro prepare@<task>` first). A method's requests at budget B are the first
B of its requests at any larger budget (same prompts, same per-call seeds), so budgets
are run smallest first and each spends only the calls the previous one did not: the
ledger of each point is recorded (`new_teacher_calls`). Writes
metrics/budget_curve/<method>.json (declared under `plots:` in dvc.yaml: `dvc plots show`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("fewgen", "synthesizrr")


def stage(name: str, task: str, params: Path, *args: str | Path) -> None:
    """Run ``stages/<name>.py`` on ``task`` with the params file ``params``."""
    cmd = [sys.executable, str(ROOT / "stages" / f"{name}.py"), "--task", task]
    subprocess.run([*cmd, "--params", str(params), *map(str, args)], cwd=ROOT, check=True)


def retrieve(task: str, params: Path, index: Path, out: Path) -> None:
    """SynthesizRR's passages, as stages retrieve_index (into ``index``) and retrieve
    (into ``out``) make them from the workspace's prepared split."""
    data = ROOT / "data" / task
    pool, test, seeds = (data / f"{split}.jsonl" for split in ("pool", "test", "seed"))
    stage("retrieve_index", task, params, "--pool", pool, "--test", test, "--out-dir", index)
    stage("retrieve", task, params, "--seed", seeds, "--index", index / "index", "--out", out)


def point(task: str, method: str, budget: int, work: Path) -> dict[str, Any]:
    """One (method, budget) point: generate -> preprocess -> train -> evaluate."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    params["generate"].update(method=method, budget=budget)
    params["tasks"][task]["budget"] = None
    out = work / f"{method}-{budget}"
    out.mkdir(parents=True, exist_ok=True)
    params_file = out / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    data = ROOT / "data" / task
    index = work / f"{method}-index"
    if not index.exists():  # the retrieval inputs do not depend on the budget
        retrieve(task, params_file, index, work / f"{method}-retrieved.jsonl")
    stage(
        "generate",
        task,
        params_file,
        "--seed",
        data / "seed.jsonl",
        "--retrieved",
        work / f"{method}-retrieved.jsonl",
        "--out",
        out / "generated.jsonl",
        "--rejected",
        out / "rejected.jsonl",
        "--report",
        out / "report.json",
        "--usage",
        out / "usage.json",
        "--runtime",
        out / "runtime.json",
    )
    stage(
        "preprocess",
        task,
        params_file,
        "--generated",
        out / "generated.jsonl",
        "--test",
        data / "test.jsonl",
        "--out",
        out / "train.jsonl",
        "--rejected",
        out / "preprocess_rejected.jsonl",
        "--counts",
        out / "counts.json",
    )
    stage("train", task, params_file, "--data", out / "train.jsonl", "--out", out / "student")
    stage(
        "evaluate",
        task,
        params_file,
        "--test",
        data / "test.jsonl",
        "--model",
        f"student={out / 'student'}",
        "--metrics",
        out / "eval.json",
        "--latency",
        out / "latency.json",
        "--plots-dir",
        out / "plots",
    )
    usage = json.loads((out / "runtime.json").read_text())
    student = json.loads((out / "eval.json").read_text())["student"]
    counts = json.loads((out / "counts.json").read_text())
    return {
        "teacher_calls": budget,
        "new_teacher_calls": usage["teacher_calls"],
        "cache_hits": usage["cache_hits"],
        "kept": counts["kept"],
        "student_macro_f1": student["macro_f1"],
        "student_macro_f1_ci_low": student["macro_f1_ci_low"],
        "student_macro_f1_ci_high": student["macro_f1_ci_high"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="bbc_news")
    parser.add_argument("--budgets", type=int, nargs="+", default=[25, 50, 100, 200])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="budget-curve-") as tmp:
        for method in args.methods:
            rows = [point(args.task, method, b, Path(tmp)) for b in sorted(args.budgets)]
            target = ROOT / "metrics" / "budget_curve" / f"{method}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(rows, indent=2) + "\n")
            print(method, json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
