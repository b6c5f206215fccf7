"""``synthdistill report``: one readable table per task from the files a run wrote.

Every number comes from the task's tracked outputs: ``metrics/<task>/eval.json`` (scores
with 95% CIs, paired comparisons, training sizes), ``teacher_usage.json`` and
``teacher_prompting_usage.json`` (teacher calls and tokens), ``runtime/latency.json`` and
``runtime/teacher_prompting.json`` (latency), ``split.json`` (copies removed, split
sizes) and ``data_quality.json`` (teacher samples parsed, kept, and dropped by reason):
all tracked in git, so a fresh clone reports the committed run. A file that a run did
not write is left out of the report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synthdistill.errors import DataError

# (eval.json key, what the row is called), classification then generation tasks.
SYSTEMS = (
    ("student", "student (synthetic data only)"),
    ("student_plus_seeds", "student + seeds"),
    ("seed_student", "seeds-only student"),
    ("gold_student", "gold student (real rows, as many as synthetic)"),
    ("fewgen_student", "few-shot-generation student"),
    ("student_zero_shot", "untuned student, zero-shot"),
    ("student_few_shot", "untuned student, seeds as shots"),
    ("teacher_prompting", "teacher prompting (seeds as shots)"),
)
# The comparison a user asks about first: does synthetic data add to the seeds they hold?
HEADLINE = ("student_plus_seeds_vs_seed_student", "student_vs_seed_student")


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _score_key(evaluation: dict[str, Any]) -> tuple[str, str, int]:
    """(metric key, its name, decimals): macro-F1 for classification, ROUGE-L otherwise."""
    for system in evaluation.values():
        if isinstance(system, dict) and "macro_f1" in system:
            return "macro_f1", "macro-F1", 3
    return "rougeL", "ROUGE-L", 1


def _delta(comparison: dict[str, Any]) -> float:
    """A comparison's difference (``macro_f1_delta`` or ``delta``)."""
    return float(next(v for k, v in comparison.items() if k == "delta" or k.endswith("_delta")))


def _ms(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f} ms"


def task_report(task: str, root: Path = Path(".")) -> str:
    """The Markdown report of one task's last run."""
    metrics_dir = root / "metrics" / task
    if not (metrics_dir / "eval.json").exists():
        raise DataError(
            f"{metrics_dir / 'eval.json'}: not found; run the pipeline for task '{task}' "
            "first (dvc repro, or dvc exp run)"
        )
    return run_report(metrics_dir, f"### {task}")


def run_report(metrics_dir: Path, heading: str) -> str:
    """The Markdown report of the run whose metrics are in ``metrics_dir``."""
    evaluation = _read(metrics_dir / "eval.json")
    if evaluation is None:
        raise DataError(f"{metrics_dir / 'eval.json'}: not found")
    key, metric, decimals = _score_key(evaluation)
    latency = _read(metrics_dir / "runtime" / "latency.json") or {}
    teacher_runtime = _read(metrics_dir / "runtime" / "teacher_prompting.json") or {}
    lines = [heading, ""]
    lines += [
        f"| system | training rows | {metric} [95% CI] | n test | latency, batch 1 |",
        "|---|---|---|---|---|",
    ]
    for name, label in SYSTEMS:
        scores = evaluation.get(name)
        if not isinstance(scores, dict) or key not in scores:
            continue
        low, high = scores[f"{key}_ci_low"], scores[f"{key}_ci_high"]
        value = f"{scores[key]:.{decimals}f} [{low:.{decimals}f}, {high:.{decimals}f}]"
        rows = scores.get("n_train", "")
        if "n_train_requested" in scores and scores["n_train"] < scores["n_train_requested"]:
            rows = f"{rows} (of {scores['n_train_requested']} wanted)"
        if name == "teacher_prompting":
            ms = _ms(teacher_runtime.get("latency_ms_batch1_median"))
        else:
            system_latency = latency.get(name)
            ms = _ms(system_latency.get("latency_ms_batch1_median")) if system_latency else ""
            if not ms and f"{name}_ms_per_example" in latency:
                ms = _ms(latency[f"{name}_ms_per_example"])
        lines.append(f"| {label} | {rows} | {value} | {scores.get('n', '')} | {ms} |")
    comparisons = evaluation.get("comparisons", {})
    if comparisons:
        lines += [
            "",
            f"| paired comparison (same test rows) | {metric} difference [95% CI] | verdict |",
            "|---|---|---|",
        ]
        for name, comparison in comparisons.items():
            delta = _delta(comparison)
            low, high = comparison["ci_low"], comparison["ci_high"]
            lines.append(
                f"| {name.replace('_vs_', ' vs ')} | {delta:+.{decimals}f} "
                f"[{low:+.{decimals}f}, {high:+.{decimals}f}] | {comparison['verdict']} |"
            )
    lines += ["", *_data_lines(metrics_dir), "", _verdict(evaluation, decimals)]
    if isinstance(evaluation.get("headroom"), dict):  # teacher vs seeds: can a teacher help?
        lines += [
            "",
            f"**Headroom** ({evaluation['headroom']['verdict']}): {evaluation['headroom']['text']}",
        ]
    return "\n".join(lines) + "\n"


def _data_lines(metrics_dir: Path) -> list[str]:
    """Split, teacher spend, and what cleaning kept and dropped."""
    out = []
    split = _read(metrics_dir / "split.json")
    if split:
        removed = sum(split["dropped"].values())
        sizes = ", ".join(f"{n} {k}" for k, n in split["splits"].items())
        out.append(f"- data: {split['input']} rows, {removed} copies removed; split {sizes}")
    for file, what in (
        ("teacher_usage.json", "generation"),
        ("teacher_prompting_usage.json", "teacher prompting"),
    ):
        usage = _read(metrics_dir / file)
        if usage:
            out.append(
                f"- teacher, {what}: {usage['requests']} calls, {usage['prompt_tokens']:,} "
                f"prompt + {usage['completion_tokens']:,} completion tokens"
            )
    quality = _read(metrics_dir / "data_quality.json")  # tracked in git, unlike data/
    if quality and "teacher_samples" in quality:
        out.append(
            f"- generated: {quality['teacher_samples']} teacher samples, {quality['parsed']} "
            f"parsed, {quality['kept']} kept; dropped: {_nonzero(quality['dropped'])}"
        )
    return out


def _nonzero(counts: dict[str, int]) -> str:
    parts = [f"{n} {reason}" for reason, n in counts.items() if n]
    return ", ".join(parts) if parts else "none"


def _verdict(evaluation: dict[str, Any], decimals: int) -> str:
    """One plain sentence: did the synthetic data add to the seeds?"""
    comparisons = evaluation.get("comparisons", {})
    for name in HEADLINE:
        if name in comparisons:
            c = comparisons[name]
            delta = _delta(c)
            what = name.replace("_vs_", " vs ").replace("_", " ")
            interval = (
                f"{delta:+.{decimals}f} [{c['ci_low']:+.{decimals}f}, {c['ci_high']:+.{decimals}f}]"
            )
            meaning = {
                "better": "the synthetic data helped",
                "worse": "the synthetic data hurt",
            }.get(
                c["verdict"].split(" ")[0],
                "no measurable difference: the synthetic data did not help",
            )
            return f"**Verdict**: {what}: {interval}, {c['verdict']}; {meaning}."
    return "**Verdict**: no comparison with the seeds-only student in eval.json."


def report(tasks: list[str], root: Path = Path(".")) -> str:
    """The Markdown report of several tasks."""
    return "\n".join(task_report(task, root) for task in tasks)


README_TASKS = ["bbc_news", "ja_news"]
README_BEGIN = "<!-- report:begin (generated: python -m synthdistill.report --readme) -->"
README_END = "<!-- report:end -->"


def update_readme(readme: Path = Path("README.md"), root: Path = Path(".")) -> None:
    """Replace README's report block with the report of the committed run."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_BEGIN), text.index(README_END)
    body = report(README_TASKS, root)
    readme.write_text(
        text[: start + len(README_BEGIN)] + "\n" + body + text[end:], encoding="utf-8"
    )


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--readme"]:
        sys.exit("usage: python -m synthdistill.report --readme")
    update_readme()
