"""`synthdistill report`: every number comes from the run's files; README's copy of the
report is what the committed metrics generate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from synthdistill.cli import main
from synthdistill.report import report, task_report

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- report:begin", "<!-- report:end -->"


def test_report_numbers_are_the_eval_files_numbers() -> None:
    text = task_report("bbc_news", REPO)
    evaluation = json.loads((REPO / "metrics/bbc_news/eval.json").read_text())
    for system in ("student", "student_plus_seeds", "seed_student", "gold_student"):
        scores = evaluation[system]
        cell = (
            f"{scores['macro_f1']:.3f} [{scores['macro_f1_ci_low']:.3f}, "
            f"{scores['macro_f1_ci_high']:.3f}]"
        )
        assert cell in text, system
    headline = evaluation["comparisons"]["student_plus_seeds_vs_seed_student"]
    assert (
        f"**Verdict**: student plus seeds vs seed student: {headline['macro_f1_delta']:+.3f}"
        in text
    )


def test_a_task_without_a_run_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--task", "nope", "--root", str(tmp_path)]) == 2
    assert "metrics/nope/eval.json: not found; run the pipeline" in capsys.readouterr().err


def test_readme_holds_the_report_of_the_committed_run() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found = re.search(re.escape(BEGIN) + r"[^\n]*\n(.*?)" + re.escape(END), readme, re.S)
    assert found, "README has no report block"
    assert found.group(1) == report(["bbc_news", "ja_news"], REPO), (
        "README's report differs from `synthdistill report --task bbc_news --task ja_news`: "
        "regenerate it (python -m synthdistill.report --readme)"
    )


@pytest.mark.parametrize("task", ["bbc_news", "ja_news"])
def test_the_report_states_the_headroom_of_eval_json(task: str) -> None:
    evaluation = json.loads((REPO / f"metrics/{task}/eval.json").read_text())
    assert "headroom" in evaluation, "eval.json carries the teacher-vs-seeds headroom"
    headroom = evaluation["headroom"]
    assert f"**Headroom** ({headroom['verdict']}): {headroom['text']}" in task_report(task, REPO)
