"""Print the README's result tables (Markdown) from the committed metrics files.

    .venv/bin/python scripts/results_tables.py [--task bbc_news ...]

Every number comes from metrics/<task>/*.json as `dvc repro` wrote them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SYSTEMS = {
    "student": "student (synthetic only)",
    "student_plus_seeds": "student + seeds",
    "seed_student": "seeds-only student",
    "gold_student": "gold student (real, same size as synthetic)",
    "teacher_prompting": "teacher prompting",
}


def load(task: str, name: str) -> Any:
    path = ROOT / "metrics" / task / name
    return json.loads(path.read_text()) if path.exists() else {}


def ci(m: dict[str, Any], key: str) -> str:
    return f"{m[key]:.3f} [{m[key + '_ci_low']:.3f}, {m[key + '_ci_high']:.3f}]"


def eval_table(task: str) -> str:
    ev = load(task, "eval.json")
    latency = load(task, "runtime/latency.json")
    teacher = load(task, "runtime/teacher_prompting.json")
    lines = [
        "| system | n test | accuracy [95% CI] | macro-F1 [95% CI] | latency, batch 1 (median) |",
        "|---|---|---|---|---|",
    ]
    for key, name in SYSTEMS.items():
        if key not in ev:
            continue
        m = ev[key]
        ms = (teacher if key == "teacher_prompting" else latency.get(key, {})).get(
            "latency_ms_batch1_median"
        )
        lat = f"{ms:.0f} ms" if ms is not None else "n/a"
        lines.append(f"| {name} | {m['n']} | {ci(m, 'accuracy')} | {ci(m, 'macro_f1')} | {lat} |")
    return "\n".join(lines)


def comparison_table(task: str) -> str:
    ev = load(task, "eval.json")
    lines = ["| paired bootstrap (same test examples) | macro-F1 difference [95% CI] | verdict |"]
    lines.append("|---|---|---|")
    for name, c in ev.get("comparisons", {}).items():
        a, b = name.split("_vs_")
        lines.append(
            f"| {a} - {b} | {c['macro_f1_delta']:+.3f} [{c['ci_low']:+.3f}, {c['ci_high']:+.3f}] "
            f"| {c['verdict']} |"
        )
    return "\n".join(lines)


def curve_table() -> str:
    """The budget curve (bench/budget_curve.py): student macro-F1 per teacher budget."""
    lines = [
        "| method | teacher calls | new calls | kept | student macro-F1 [95% CI] |",
        "|---|---|---|---|---|",
    ]
    for path in sorted((ROOT / "metrics" / "budget_curve").glob("*.json")):
        for p in json.loads(path.read_text()):
            f1 = (
                f"{p['student_macro_f1']:.3f} "
                f"[{p['student_macro_f1_ci_low']:.3f}, {p['student_macro_f1_ci_high']:.3f}]"
            )
            lines.append(
                f"| {path.stem} | {p['teacher_calls']} | {p['new_teacher_calls']} "
                f"| {p['kept']} | {f1} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", nargs="+", default=["bbc_news", "ja_news"])
    for task in parser.parse_args().task:
        print(f"### {task}\n\n{eval_table(task)}\n\n{comparison_table(task)}\n")
        quality = load(task, "data_quality.json")
        keys = ("teacher_samples", "kept", "dropped", "self_bleu_1", "distinct_2", "mauve")
        print({k: quality.get(k) for k in keys}, "\n")
        print(
            "seed filter:", {k: v for k, v in load(task, "seed_filter.json").items() if k != "rows"}
        )
        print()
    print(curve_table())


if __name__ == "__main__":
    main()
