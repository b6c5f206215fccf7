"""The studies pipeline (pipelines/studies/dvc.yaml) with real parts: `dvc repro` in a
temporary git repo runs `prepare` upstream, then the matrix points (the real stage scripts,
the real smallest teacher, a TF-IDF student) and the collecting stages; `dvc plots show`
renders the curve; adding a seed draw makes only the new points stale.

Cost: about two minutes (three small points), so it is `make test-all`'s (slow).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dvc_runner import run_ok, stages_ran, stages_stale
from toy_project import copy_project, toy_classification

from synthdistill.io import read_jsonl

pytestmark = [pytest.mark.integration, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
TASK = "toy"
PIPELINE = "pipelines/studies/dvc.yaml"
POINTS = Path("metrics/studies/seed_curve/points")
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with one small task (12 BBC texts a label) and small study knobs."""
    root = tmp_path_factory.mktemp("studies")
    params = copy_project(root, ("stages", "synthdistill", "data/tasks", "pipelines/studies"))
    toy_classification(root, params, TASK)
    params["generate"].update(max_tokens=128)
    params["preprocess"].update(min_chars=10, max_chars=600)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False, allow_unicode=True))
    study = {
        "seed_curve": {
            "task": TASK,
            "seeds_per_label": [1, 2],
            "draws": [0],
            "methods": ["zerogen"],
            "budget": 3,
            "teacher_examples": 5,
        },
        "ja_scale": {
            "task": TASK,
            "seeds_per_label": 1,
            "budgets": [1],  # one label at most: no synthetic-only student, still a point
            "draws": [0],
            "generation_seeds": [0],
            "methods": ["zerogen"],
            "teacher_examples": 1000,
        },
    }
    (root / "pipelines/studies/params.yaml").write_text(yaml.safe_dump(study, sort_keys=False))
    (root / ".gitignore").write_text("__pycache__/\n")
    for cmd in (
        ["git", "init", "-q"],
        ["git", "config", "user.email", "t@t"],
        ["git", "config", "user.name", "t"],
        ["dvc", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "commit", "-qm", "init"],
    ):
        run_ok(cmd, root)
    return root


@pytest.mark.timeout(900)
def test_the_study_runs_pools_plots_and_grows_by_new_points_only(project: Path) -> None:
    ran = stages_ran(run_ok(["dvc", "repro", PIPELINE], project), TASK)
    assert {"prepare", "seed_curve", "ja_scale"} <= ran
    assert {"seed_curve_point@1-0-zerogen", "seed_curve_point@2-0-zerogen"} <= ran
    test_ids = {row["id"] for row in read_jsonl(project / "data" / TASK / "test.jsonl")}
    for k in (1, 2):
        point = json.loads((project / POINTS / f"k{k}-d0-zerogen.json").read_text())
        assert point["n_seeds"] == 5 * k and point["teacher_calls"] == 3
        assert len(point["gold"]) == len(test_ids) == 15
        assert point["eval"]["teacher_prompting"]["n"] == 5  # teacher_examples
        assert len(point["predictions"]["student_plus_seeds"]) == 15
    summary = json.loads((project / "metrics/studies/seed_curve/summary.json").read_text())
    assert [p["seeds_per_label"] for p in summary["points"]] == [1, 2]
    delta = summary["points"][0]["methods"]["zerogen"]["plus_seeds_vs_seeds_only"]
    assert delta["ci_low"] <= delta["delta"] <= delta["ci_high"] and delta["draws"] == 1
    assert summary["verdict"]["text"] and summary["headroom_rule"]["checks"]
    scale = json.loads((project / "metrics/studies/ja_scale/summary.json").read_text())
    assert scale["axis"] == "teacher_calls" and scale["points"][0]["teacher_prompting_n"] == 15
    one_call = scale["points"][0]["methods"]["zerogen"]
    assert one_call["student"] is None and one_call["student_vs_seeds_only"] is None
    assert "label(s)" in one_call["missing_student"][0]["reason"]
    assert one_call["plus_seeds_vs_seeds_only"]["draws"] == 1

    shown = subprocess.run(
        ["dvc", "plots", "show", "--json"], cwd=project, capture_output=True, text=True, env=ENV
    )
    assert shown.returncode == 0, shown.stderr
    assert "seed_count_curve" in shown.stdout and "zerogen_plus_seeds" in shown.stdout
    assert stages_stale(project, TASK, PIPELINE) == set()

    study_file = project / "pipelines/studies/params.yaml"
    study = yaml.safe_load(study_file.read_text())
    study["seed_curve"]["draws"] = [0, 1]
    study_file.write_text(yaml.safe_dump(study, sort_keys=False))
    stale = stages_stale(project, TASK, PIPELINE)
    assert stale == {"seed_curve_point@1-1-zerogen", "seed_curve_point@2-1-zerogen"}, stale
