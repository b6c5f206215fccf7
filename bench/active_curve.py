"""Active closed-loop generation against static generation: student macro-F1 against
teacher calls, per criterion, over several seeds (a `dvc plots` plot and a table).

    .venv/bin/python bench/active_curve.py --task bbc_news --seeds 0 1 2 \\
        --arms loss entropy margin random llm_judge fewgen

Each arm x seed runs the real generate stage once at the full budget (``generate.seed``
and ``active.seed`` = the seed): an active criterion in ``active.rounds`` rounds, or a
static method (``fewgen``, ``synthesizrr``) in one go. An active arm named
``<criterion>_per_label`` runs with ``active.per_label`` (each round's selections split
evenly over the labels). The curve's points are prefixes of
that one run: the rows of rounds 1..r for active (``round_quotas`` calls), the rows of the
first c calls for a static method (its first c requests are those of a budget-c run).
Each prefix goes through the preprocess filters and trains the task's final student
(synthetic data only, as stage ``train``); the last point also trains it on the data +
the seeds (as ``train_plus_seeds``). Scores are macro-F1 on the task's test set. Needs
the task's prepared split (`dvc repro retrieve@<task>` first).

Runs only the (arm, seed) pairs that metrics/active_curve/<task>.json lacks for the same
task, budget, rounds and student, so arms and seeds can be added later. Writes
metrics/active_curve/<task>.json (every run, the per-arm mean +- 95% t interval
over seeds, paired differences against the static arm on shared seeds, the correlation
and selection statistics) and metrics/active_curve/<task>/<arm>.json (the plot's rows,
one line per arm).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from statistics import fmean
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from budget_curve import retrieve, stage  # noqa: E402  (bench/, this script's directory)

from synthdistill.compare import metric_stats, paired_comparison  # noqa: E402
from synthdistill.io import read_jsonl, write_json  # noqa: E402
from synthdistill.methods.active import CRITERIA, round_quotas  # noqa: E402
from synthdistill.metrics.classification import classification_report  # noqa: E402
from synthdistill.params import (  # noqa: E402
    ArtefactParams,
    PreprocessParams,
    TaskParams,
    TrainParams,
)
from synthdistill.preprocess import clean_dataset, task_artefact_context  # noqa: E402
from synthdistill.students import load_student, train_student  # noqa: E402

STATIC = ("fewgen", "synthesizrr")
PER_LABEL = "_per_label"  # an active arm's suffix: active.per_label (selections split by label)
ACTIVE_ARMS = (*CRITERIA, *(c + PER_LABEL for c in CRITERIA))
CALL_INDEX = re.compile(r"-(\d{5})(?:-\d+)?$")  # a static row id's call number


def generate(
    task: str, arm: str, seed: int, budget: int, rounds: int, student: str | None, out: Path
) -> None:
    """The real generate stage for one arm and seed, at the full budget (``student``: the
    in-loop student, None = the task's)."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text())
    method = arm if arm in STATIC else "active"
    params["generate"].update(method=method, budget=budget, seed=seed)
    params["tasks"][task].update(budget=None, method=None)
    criterion = arm.removesuffix(PER_LABEL) if arm in ACTIVE_ARMS else "loss"
    params["active"].update(criterion=criterion, rounds=rounds, seed=seed, student=student)
    params["active"]["per_label"] = arm.endswith(PER_LABEL)
    out.mkdir(parents=True, exist_ok=True)
    params_file = out / "params.yaml"
    params_file.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
    data = ROOT / "data" / task
    retrieved = data / "retrieved.jsonl"  # empty unless the pipeline's method is synthesizrr
    if method == "synthesizrr":  # its own passages
        retrieved = out / "retrieved.jsonl"
        retrieve(task, params_file, out / "retrieval", retrieved)
    stage(
        "generate",
        task,
        params_file,
        *("--seed", data / "seed.jsonl", "--retrieved", retrieved),
        *("--out", out / "generated.jsonl", "--rejected", out / "rejected.jsonl"),
        *("--report", out / "report.json", "--usage", out / "usage.json"),
        *("--runtime", out / "runtime.json"),
    )


def prefix(rows: list[dict[str, Any]], arm: str, point: int, calls: int) -> list[dict[str, Any]]:
    """The rows the first ``calls`` teacher calls made (``point``: 1-based round)."""
    if arm in STATIC:
        return [r for r in rows if int(CALL_INDEX.search(r["id"]).group(1)) < calls]  # type: ignore[union-attr]
    return [r for r in rows if r["lineage"]["round"] <= point]


class Scorer:
    """Filters a training set as stage preprocess does, trains the task's student on it,
    and scores it on the test set."""

    def __init__(self, task_name: str, student: str | None) -> None:
        params = yaml.safe_load((ROOT / "params.yaml").read_text())
        self.task = TaskParams.model_validate(params["tasks"][task_name])
        self.labels = list(self.task.labels)
        data = ROOT / "data" / task_name
        self.test = read_jsonl(data / "test.jsonl")
        self.seeds = read_jsonl(data / "seed.jsonl")
        real = [r["text"] for p in ("pool", "seed") for r in read_jsonl(data / f"{p}.jsonl")]
        self.preprocess = PreprocessParams.model_validate(params["preprocess"])
        self.artefacts = (
            ArtefactParams.model_validate(params["artefacts"]),
            task_artefact_context(self.task, real),
        )
        train = TrainParams.model_validate(params["train"])
        name = student or self.task.student or train.student
        self.train = train.model_copy(update={"student": name})

    def clean(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        result = clean_dataset(
            rows, self.test, self.task.language, self.labels, self.preprocess, self.artefacts
        )
        return list(result.kept)

    def f1(self, rows: list[dict[str, Any]], work: Path) -> float:
        train_student(rows, self.labels, self.train, work, None, self.task.language)
        pred = load_student(work).predict([r["text"] for r in self.test])
        report = classification_report([r["label"] for r in self.test], pred, self.labels)
        return float(report["macro_f1"])


def run_arm(
    scorer: Scorer, task: str, arm: str, seed: int, budget: int, rounds: int, work: Path
) -> dict[str, Any]:
    out = work / f"{arm}-s{seed}"
    start = time.monotonic()
    generate(task, arm, seed, budget, rounds, scorer.train.student, out)
    seconds = round(time.monotonic() - start, 1)
    rows = read_jsonl(out / "generated.jsonl", allow_empty=True)
    report = json.loads((out / "report.json").read_text())
    usage = json.loads((out / "usage.json").read_text())
    points, calls = [], 0
    for point, quota in enumerate(round_quotas(budget, rounds), 1):
        calls += quota
        kept = scorer.clean(prefix(rows, arm, point, calls))
        f1 = scorer.f1(kept, out / f"student-{point}") if kept else 0.0
        points.append({"teacher_calls": calls, "kept": len(kept), "macro_f1": round(f1, 4)})
    plus_seeds = scorer.f1(scorer.clean(rows) + scorer.seeds, out / "student-plus-seeds")
    print(arm, seed, json.dumps(points), f"plus seeds {plus_seeds:.4f}", flush=True)
    return {
        "arm": arm,
        "seed": seed,
        "points": points,
        "plus_seeds_macro_f1": round(plus_seeds, 4),
        "generate_seconds": seconds,
        "tokens": {k: usage.get(k) for k in ("prompt_tokens", "completion_tokens", "requests")},
        "active": report.get("active"),
    }


def _stats(by_seed: dict[int, float], ref: dict[int, float] | None) -> dict[str, Any]:
    """Mean and 95% t interval over seeds; with ``ref`` (the static arm's scores by seed)
    the paired difference on the seeds both ran."""
    stats = metric_stats(list(by_seed.values()))
    row: dict[str, Any] = {
        "n_seeds": stats.n,
        "macro_f1_mean": round(stats.mean, 4),
        "ci_low": round(stats.ci[0], 4) if stats.ci else None,
        "ci_high": round(stats.ci[1], 4) if stats.ci else None,
    }
    if ref is not None:
        cmp = paired_comparison(by_seed, ref)
        row["paired"] = {
            "pairs": cmp.n_pairs,
            "mean_diff": None if cmp.mean_diff is None else round(cmp.mean_diff, 4),
            "ci": None if cmp.ci is None else [round(v, 4) for v in cmp.ci],
            "verdict": cmp.verdict,
        }
    return row


def summarise(runs: list[dict[str, Any]], static: str) -> dict[str, Any]:
    """Per arm and budget: mean and 95% t interval over seeds; paired differences against
    the ``static`` arm on the seeds both ran. The same at the full budget for the student
    trained on the data + the seeds (``plus_seeds``)."""
    curve, paired, plus_seeds = [], [], []
    arms = list(dict.fromkeys(r["arm"] for r in runs))
    base = [r for r in runs if r["arm"] == static]
    for arm in arms:
        mine = [r for r in runs if r["arm"] == arm]
        compare = arm != static and bool(base)
        for k, point in enumerate(mine[0]["points"]):
            by_seed = {r["seed"]: r["points"][k]["macro_f1"] for r in mine}
            ref = {r["seed"]: r["points"][k]["macro_f1"] for r in base} if compare else None
            row = {"arm": arm, "teacher_calls": point["teacher_calls"], **_stats(by_seed, ref)}
            if "paired" in row:
                paired.append(
                    {"arm": arm, "teacher_calls": point["teacher_calls"], **row.pop("paired")}
                )
            curve.append(row)
        by_seed = {r["seed"]: r["plus_seeds_macro_f1"] for r in mine}
        ref = {r["seed"]: r["plus_seeds_macro_f1"] for r in base} if compare else None
        plus_seeds.append({"arm": arm, **_stats(by_seed, ref)})
    correlation = {}
    for arm in arms:
        reports = [r["active"] for r in runs if r["arm"] == arm and r["active"]]
        items = [a["spearman_items"] for a in reports if a["spearman_items"] is not None]
        medians = [
            a["spearman_round_medians"] for a in reports if a["spearman_round_medians"] is not None
        ]
        if reports:
            correlation[arm] = {
                "spearman_items_mean": round(fmean(items), 4) if items else None,
                "spearman_round_medians_mean": round(fmean(medians), 4) if medians else None,
                "runs": len(reports),
            }
    return {
        "curve": curve,
        "paired_vs_static": paired,
        "plus_seeds": plus_seeds,
        "correlation": correlation,
    }


def _interval(row: dict[str, Any]) -> str:
    ci = f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]" if row["ci_low"] is not None else "n=1"
    return f"{row['macro_f1_mean']:.3f} {ci}"


def _versus(cmp: dict[str, Any] | None) -> str:
    if cmp is None:
        return "(static)"
    if cmp["ci"] is None:
        return f"{cmp['mean_diff']:+.3f} ({cmp['verdict']})"
    low, high = cmp["ci"]
    return f"{cmp['mean_diff']:+.3f} [{low:+.3f}, {high:+.3f}] {cmp['verdict']}"


def markdown(result: dict[str, Any]) -> str:
    """The README tables: per arm and budget, mean macro-F1 [95% CI] over seeds and the
    paired difference to the static arm; then what each criterion selected."""
    paired = {(p["arm"], p["teacher_calls"]): p for p in result["paired_vs_static"]}
    lines = [
        "| arm | teacher calls | seeds | student macro-F1 mean [95% CI] "
        "| paired vs static [95% CI] |",
        "|---|---:|---:|---|---|",
    ]
    for row in result["curve"]:
        versus = _versus(paired.get((row["arm"], row["teacher_calls"])))
        lines.append(
            f"| {row['arm']} | {row['teacher_calls']} | {row['n_seeds']} | "
            f"{_interval(row)} | {versus} |"
        )
    lines += [
        "",
        "| arm | seeds | student on the data + the seeds, macro-F1 mean [95% CI] "
        "| paired vs static [95% CI] |",
        "|---|---:|---|---|",
    ]
    for row in result.get("plus_seeds", []):
        lines.append(
            f"| {row['arm']} | {row['n_seeds']} | {_interval(row)} | {_versus(row.get('paired'))} |"
        )
    lines += [
        "",
        "| arm | seed | + seeds macro-F1 | selected seeds / synthetic (rounds 1..R) "
        "| selected mean chars | parent -> child median score per round "
        "| Spearman items / round medians |",
        "|---|---:|---:|---|---|---|---|",
    ]
    for run in result["runs"]:
        active = run["active"]
        if not active:
            lines.append(
                f"| {run['arm']} | {run['seed']} | {run['plus_seeds_macro_f1']:.3f} | | | | |"
            )
            continue
        rounds = active["rounds"]
        picked = ", ".join(f"{r['selected_seeds']}/{r['selected_synthetic']}" for r in rounds)
        chars = ", ".join(str(r["selected_mean_chars"]) for r in rounds)
        scores = ", ".join(f"{r['parent_score_median']}->{r['child_score_median']}" for r in rounds)
        rho = f"{active['spearman_items']} / {active['spearman_round_medians']}"
        lines.append(
            f"| {run['arm']} | {run['seed']} | {run['plus_seeds_macro_f1']:.3f} | {picked} | "
            f"{chars} | {scores} | {rho} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="bbc_news")
    parser.add_argument("--arms", nargs="+", default=[*CRITERIA, "fewgen"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--student", help="the in-loop and evaluated student (the task's)")
    parser.add_argument("--static", default="fewgen", help="the arm the others are paired with")
    args = parser.parse_args()
    bad = [a for a in args.arms if a not in (*ACTIVE_ARMS, *STATIC)]
    if bad:
        parser.error(f"unknown arm(s) {bad}; choose from {[*ACTIVE_ARMS, *STATIC]}")
    scorer = Scorer(args.task, args.student)
    target = ROOT / "metrics" / "active_curve" / f"{args.task}.json"
    config = {"task": args.task, "budget": args.budget, "rounds": args.rounds}
    config["student"] = scorer.train.student
    runs: list[dict[str, Any]] = []
    if target.exists():  # add to an earlier run of the same setting (arms or seeds it lacks)
        earlier = json.loads(target.read_text())
        if earlier["config"] != config:  # never overwrite runs of another setting
            parser.error(
                f"{target} holds runs of {earlier['config']}, not {config}: pass the same "
                "--budget/--rounds/--student to add to them, or move the file away"
            )
        runs = earlier["runs"]
    done = {(r["arm"], r["seed"]) for r in runs}
    with tempfile.TemporaryDirectory(prefix="active-curve-") as tmp:
        for seed in args.seeds:  # seed-major: a cut-short run still pairs arms by seed
            for arm in args.arms:
                if (arm, seed) in done:
                    continue
                runs.append(
                    run_arm(scorer, args.task, arm, seed, args.budget, args.rounds, Path(tmp))
                )
                summary = summarise(runs, args.static)
                write_json(target, {"config": config, **summary, "runs": runs})
    summary = summarise(runs, args.static)
    write_json(target, {"config": config, **summary, "runs": runs})
    arms = dict.fromkeys(r["arm"] for r in runs)
    for arm in arms:  # one file per arm: one line each in `dvc plots show`
        rows = [row for row in summary["curve"] if row["arm"] == arm]
        write_json(target.parent / args.task / f"{arm}.json", rows)
    table = markdown({"config": config, **summary, "runs": runs})
    target.with_suffix(".md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
