"""The documentation site: generated pages match the tracked files, the site builds strictly
(no broken link or anchor), no page carries stale-result phrases, README links into it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from synthdistill import docs_gen

REPO = Path(__file__).resolve().parent.parent
DOC_FILES = sorted((REPO / "docs").rglob("*.md")) + [REPO / "README.md"]


def test_generated_pages_match_the_tracked_files() -> None:
    stale = docs_gen.stale(REPO)
    assert not stale, (
        f"generated docs differ from what the tracked files generate: {stale}; "
        "regenerate them (python -m synthdistill.docs_gen) and commit"
    )


def test_a_changed_metric_makes_its_results_page_stale(tmp_path: Path) -> None:
    """The staleness check is not vacuous: edit one number in a copy of the repo's files."""
    skip = shutil.ignore_patterns("__pycache__")
    for part in ("metrics", "docs", "bench/results", "stages", "synthdistill"):
        shutil.copytree(REPO / part, tmp_path / part, ignore=skip)
    for name in ("params.yaml", "README.md", "dvc.lock"):
        shutil.copy(REPO / name, tmp_path / name)
    (tmp_path / "pipelines" / "generation").mkdir(parents=True)
    shutil.copy(REPO / "pipelines/generation/dvc.lock", tmp_path / "pipelines/generation")
    assert docs_gen.stale(tmp_path) == []
    path = tmp_path / "metrics/ja_news/eval.json"
    evaluation = json.loads(path.read_text(encoding="utf-8"))
    evaluation["student"]["macro_f1"] = 0.5
    path.write_text(json.dumps(evaluation), encoding="utf-8")
    assert set(docs_gen.stale(tmp_path)) == {
        "docs/results/ja_news.md",
        "docs/results/index.md",
        "README.md",
    }
    docs_gen.write(tmp_path)
    assert "0.500 [" in (tmp_path / "docs/results/ja_news.md").read_text(encoding="utf-8")
    assert docs_gen.stale(tmp_path) == []


def test_every_metrics_field_is_described_and_every_description_is_used() -> None:
    for name, fields, unmatched in docs_gen.metrics_fields(REPO):
        assert not unmatched, f"{name}: fields no description covers: {unmatched}"
        unused = [pattern for pattern, _, paths in fields if not paths]
        assert not unused, f"{name}: described fields not in the committed files: {unused}"


def test_every_params_key_is_on_the_params_page() -> None:
    page = (REPO / "docs/reference/params.md").read_text(encoding="utf-8")
    raw = docs_gen.yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    for section, values in raw.items():
        if section == "tasks" or not isinstance(values, dict):
            assert f"## `{section}`" in page
            continue
        for key in values:
            assert f"| `{section}.{key}` |" in page, f"{section}.{key}"
    assert "| `generate.budget` | `80` | int (> 0) | teacher calls per task" in page


def test_every_subcommand_has_its_help_on_the_cli_page() -> None:
    page = (REPO / "docs/reference/cli.md").read_text(encoding="utf-8")
    help_text = subprocess.run(
        [sys.executable, "-m", "synthdistill.cli", "--help"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    ).stdout
    commands = re.findall(r"^    (\S[\w-]+)", help_text, re.M)
    assert len(commands) >= 7, help_text
    for command in commands:
        assert f"## `synthdistill {command}`" in page, command


STALE_PHRASES = ("previous prompts", "to be re-run", "to be rerun", "earlier measurements")


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_no_page_presents_old_results_as_current(path: Path) -> None:
    text = path.read_text(encoding="utf-8").lower()
    for phrase in STALE_PHRASES:
        assert phrase not in text, f"{path.relative_to(REPO)} says {phrase!r}"


def test_results_prose_types_no_metric_digits() -> None:
    """The results overview's prose carries no number: numbers live in generated tables."""
    text = (REPO / "docs/results/index.md").read_text(encoding="utf-8")
    prose = re.sub(
        re.escape(docs_gen.SUMMARY_BEGIN) + r".*?" + re.escape(docs_gen.SUMMARY_END),
        "",
        text,
        flags=re.S,
    )
    prose = re.sub(r"\([^()]*\.md[^()]*\)", "", prose)  # link targets
    prose = re.sub(r"`[^`]*`", "", prose)  # code: names such as ft-ft_annotate, 0.5B
    number = r"(?<![\w.])\d+\.\d+(?![\dB])"  # 0.876, not a model size (0.5B, Qwen2.5)
    assert not re.findall(number, prose), re.findall(".{30}" + number + ".{10}", prose)


def test_readme_links_into_the_docs_and_every_link_resolves() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    links = re.findall(r"\]\((docs/[^)#]+)(?:#[^)]*)?\)", readme)
    assert "docs/index.md" in links and "docs/results/index.md" in links
    for link in links:
        assert (REPO / link).is_file(), link


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """mkdocs build --strict: a broken link or anchor, or a page left out of nav, fails."""
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "index.html").is_file()
    page = (tmp_path / "results" / "bbc_news" / "index.html").read_text(encoding="utf-8")
    evaluation = json.loads((REPO / "metrics/bbc_news/eval.json").read_text(encoding="utf-8"))
    assert f"{evaluation['student']['macro_f1']:.3f}" in page


def test_the_set_up_times_come_from_the_fresh_clone_benchmark(tmp_path: Path) -> None:
    """README's set-up line is made from bench/results/fresh_clone.json: each command's
    minutes and teacher calls, and which pipelines `dvc status` found clean."""
    from synthdistill.docs_gen import fresh_clone_summary

    assert "not measured yet" in fresh_clone_summary(tmp_path)
    (tmp_path / "bench/results").mkdir(parents=True)
    result = {
        "machine": "x86_64, 2 cores",
        "commit": "abc1234",
        "load_average_before": 0.1,
        "runs": [
            {"command": "make repro", "minutes": 14.2, "teacher_calls": 0},
            {"command": "make repro-generation", "minutes": 41.0, "teacher_calls": 3},
        ],
        "dvc_status_default": "Data and pipelines are up to date.",
        "dvc_status_generation": "train@x:\n\tchanged outs",
        "changed_tracked_files": [
            "metrics/x/eval.json",
            "metrics/y/live/student/metrics.json",
            "pipelines/generation/dvc.lock",
        ],
    }
    (tmp_path / "bench/results/fresh_clone.json").write_text(json.dumps(result))
    line = fresh_clone_summary(tmp_path)
    assert "`make repro` 14 min, 0 teacher calls" in line
    assert "`make repro-generation` 41 min, 3 teacher calls" in line
    assert "clean for default pipeline," in line and "abc1234" in line
    assert "1 tracked data, model or score file differs" in line
    assert "(1 training-log file with wall times and 1 dvc.lock hashing them do)" in line


def test_the_student_table_shows_each_candidate_s_ci_and_its_paired_verdict() -> None:
    """`bench/students.py` results as README shows them: one row per candidate, its CI per
    training set, and the paired difference against the task's own student."""
    from synthdistill.docs_gen import students_table

    def row(candidate: str, f1: float, paired: dict[str, object] | None) -> dict[str, object]:
        out: dict[str, object] = {
            "candidate": candidate,
            "kind": "student kind",
            "train_set": "seeds",
            "n_train": 40,
            "macro_f1": f1,
            "macro_f1_ci": [f1 - 0.02, f1 + 0.02],
        }
        return out | ({"paired_vs_task_student": paired} if paired else {})

    data = {
        "setup": {
            "task": "toy",
            "n_test": 100,
            "train_sets": {"seeds": 40},
            "machine": "x86_64, 2 cores",
            "runs": [{"candidates": ["a", "b"], "loadavg_before": 0.5, "loadavg_after": 1.5}],
        },
        "rows": [
            row("a", 0.8, None),
            row(
                "b",
                0.9,
                {"macro_f1_delta": 0.1, "ci_low": 0.05, "ci_high": 0.15, "verdict": "better"},
            ),
        ],
        "latency": {"a": {"latency_ms_batch1_median": 12.4}},
    }
    table = students_table(data)
    assert "| `a` | student kind | 0.800 [0.780, 0.820] | (the task's student) | 12 |" in table
    assert (
        "| `b` | student kind | 0.900 [0.880, 0.920] | +0.100 [+0.050, +0.150] better |  |" in table
    )
    assert "`toy`, 100 test texts" in table and "load average 0.5-1.5" in table
