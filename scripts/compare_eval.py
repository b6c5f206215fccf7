"""Scores of two commits' runs side by side, from the tracked eval.json files.

    .venv/bin/python scripts/compare_eval.py OLD_REV [NEW_REV] --task bbc_news [--task ...]

NEW_REV defaults to the workspace. Prints a Markdown table per task: each system's
score with its 95% CI in both runs, and the headline comparison's verdict.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path
from typing import Any

from synthdistill.report import SYSTEMS


def _eval(rev: str | None, task: str) -> dict[str, Any]:
    path = f"metrics/{task}/eval.json"
    if rev is None:
        return dict(json.loads(Path(path).read_text(encoding="utf-8")))
    shown = subprocess.run(
        ["git", "show", f"{rev}:{path}"], capture_output=True, text=True, check=True
    )
    return dict(json.loads(shown.stdout))


def _cell(scores: dict[str, Any] | None) -> str:
    if not scores or "macro_f1" not in scores:
        return ""
    low, high = scores["macro_f1_ci_low"], scores["macro_f1_ci_high"]
    return f"{scores['macro_f1']:.3f} [{low:.3f}, {high:.3f}] (n={scores['n']})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?")
    parser.add_argument("--task", action="append", required=True)
    args = parser.parse_args()
    for task in args.task:
        old, new = _eval(args.old, task), _eval(args.new, task)
        print(f"| {task} | {args.old} | {args.new or 'workspace'} |\n|---|---|---|")
        for name, label in SYSTEMS:
            if name in old or name in new:
                print(f"| {label} | {_cell(old.get(name))} | {_cell(new.get(name))} |")
        key = "student_plus_seeds_vs_seed_student"
        verdicts = [
            (run.get("comparisons", {}).get(key) or {}).get("verdict", "") for run in (old, new)
        ]
        print(f"| student + seeds vs seeds-only | {verdicts[0]} | {verdicts[1]} |\n")


if __name__ == "__main__":
    main()
