"""Collect the data-fraction grid's exported experiments into the `dvc plots` curve.

    .venv/bin/python scripts/fraction_curve.py --task bbc_news \
        --point seeds ft-ft_annotate ft-ft_generate ft-ft_both \
        --point 0.05 frac-0.05-ft_annotate frac-0.05-ft_generate frac-0.05-ft_both

Each ``--point`` is a gold fraction (``seeds`` = prepare.gold_fraction null) and the
experiments (under metrics/experiments/, written by scripts/export_experiment.py) that
ran at it; each experiment's generate.method names its series, or ``EXP=SERIES`` names it
(a variant, e.g. another tuning length, gets a line of its own). Per point it writes the
student trained on the x gold alone (every run of the point trains it: they must agree)
and each method's student on x gold + the teacher's data, with their 95% CIs and the
paired difference to the gold-alone student, to metrics/fraction_curve/<task>/<series>.json
(x = gold examples, the count prepare makes for that fraction) and a Markdown table.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from synthdistill.io import atomic_open, write_json
from synthdistill.params import load_section, load_task
from synthdistill.tasks import load_examples, split_examples, with_gold_fraction

ROOT = Path(__file__).resolve().parent.parent
SERIES = {"ft_annotate": "annotation", "ft_generate": "generation", "ft_both": "both"}


def gold_examples(task_name: str, fraction: float | None) -> int:
    """How many gold examples prepare makes at ``fraction`` (the same library code)."""
    task = load_task(task_name, ROOT / "params.yaml")
    seed = load_section("prepare", ROOT / "params.yaml").seed
    splits = split_examples(load_examples(task_name, task), task, seed)
    return len(with_gold_fraction(splits, task, fraction, seed)["seed"])


def _point(exp_dir: Path) -> tuple[float | None, str, dict[str, Any]]:
    changed = json.loads((exp_dir / "params_changed.json").read_text())["changed"]
    evaluation = json.loads((exp_dir / "eval.json").read_text())
    return changed.get("prepare.gold_fraction"), changed["generate.method"], evaluation


def _annotation(exp_dir: Path) -> str:
    """The teacher's annotation accuracy on the pool inputs it labelled, if it labelled."""
    report = exp_dir / "generate_report.json"
    found = json.loads(report.read_text()).get("annotation") if report.exists() else None
    if not found:
        return ""
    acc = found["accuracy"]
    return f"{acc['value']:.3f} [{acc['ci'][0]:.3f}, {acc['ci'][1]:.3f}] (n {acc['n']})"


def _row(gold: int, fraction: float | None, system: dict[str, Any]) -> dict[str, Any]:
    return {
        "gold_examples": gold,
        "gold_fraction": fraction,
        "macro_f1": system["macro_f1"],
        "ci_low": system["macro_f1_ci_low"],
        "ci_high": system["macro_f1_ci_high"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", required=True)
    p.add_argument("--point", nargs="+", action="append", required=True, metavar="X EXP")
    p.add_argument("--experiments", type=Path, default=ROOT / "metrics/experiments")
    p.add_argument("--out", type=Path, default=ROOT / "metrics/fraction_curve")
    args = p.parse_args()
    curves: dict[str, list[dict[str, Any]]] = {"gold_alone": []}
    table = [
        "| gold examples (fraction) | series | student macro-F1 [95% CI] | vs gold alone, paired "
        "| teacher's annotation accuracy |",
        "|---|---|---|---|---|",
    ]
    for fraction_arg, *names in args.point:
        fraction = None if fraction_arg == "seeds" else float(fraction_arg)
        gold = gold_examples(args.task, fraction)
        alone: dict[str, Any] | None = None
        for spec in names:
            name, _, named = spec.partition("=")
            found, method, evaluation = _point(args.experiments / name)
            series = named or SERIES[method]
            if found != fraction:
                raise SystemExit(f"{name}: gold_fraction {found}, not the point's {fraction}")
            if alone is not None and evaluation["seed_student"]["macro_f1"] != alone["macro_f1"]:
                raise SystemExit(f"{name}: its gold-alone student differs from the point's")
            alone = evaluation["seed_student"]
            row = _row(gold, fraction, evaluation["student_plus_seeds"])
            diff = evaluation["comparisons"]["student_plus_seeds_vs_seed_student"]
            row |= {"vs_gold_alone": diff["macro_f1_delta"], "experiment": name}
            row |= {"vs_ci_low": diff["ci_low"], "vs_ci_high": diff["ci_high"]}
            curves.setdefault(series, []).append(row)
            table.append(
                f"| {gold} ({fraction_arg}) | gold + {series} | {row['macro_f1']:.3f} "
                f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}] | {diff['macro_f1_delta']:+.3f} "
                f"[{diff['ci_low']:+.3f}, {diff['ci_high']:+.3f}] {diff['verdict']} "
                f"| {_annotation(args.experiments / name)} |"
            )
        if alone is None:
            raise SystemExit(f"point {fraction_arg}: no experiments")
        curves["gold_alone"].append(_row(gold, fraction, alone))
        table.append(
            f"| {gold} ({fraction_arg}) | gold alone | {alone['macro_f1']:.3f} "
            f"[{alone['macro_f1_ci_low']:.3f}, {alone['macro_f1_ci_high']:.3f}] | | |"
        )
    out = args.out / args.task
    out.mkdir(parents=True, exist_ok=True)
    for series, rows in curves.items():
        rows.sort(key=lambda r: r["gold_examples"])
        write_json(out / f"{series}.json", rows)
    with atomic_open(args.out / f"{args.task}.md") as handle:
        handle.write("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
