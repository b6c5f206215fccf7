"""dvc.yaml's artifacts (DVC's model registry) are generated from the committed metrics:
they cannot disagree with eval.json, and DVC reads them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from dvc.repo import Repo

from synthdistill.artifacts import artifact_entries, artifact_name
from synthdistill.export import SHIPPABLE
from synthdistill.params import load_raw, load_section

REPO = Path(__file__).resolve().parents[1]


def test_dvc_yaml_artifacts_are_what_the_metrics_give() -> None:
    declared = yaml.safe_load((REPO / "dvc.yaml").read_text(encoding="utf-8"))["artifacts"]
    assert declared == artifact_entries(REPO), "run `synthdistill artifacts` and commit dvc.yaml"


def test_every_task_has_a_model_and_a_dataset_whose_numbers_match_eval_json() -> None:
    key = SHIPPABLE[load_section("export", REPO / "params.yaml").student][1]
    entries = artifact_entries(REPO)
    for task in load_raw(REPO / "params.yaml")["run_tasks"]:
        model = entries[artifact_name(task, "model")]
        assert model["type"] == "model" and model["path"] == f"exports/{task}/model"
        assert entries[artifact_name(task, "dataset")]["type"] == "dataset"
        scores = json.loads((REPO / "metrics" / task / "eval.json").read_text())[key]
        assert model["meta"]["macro_f1"] == scores["macro_f1"]
        assert model["meta"]["macro_f1_ci"] == [
            scores["macro_f1_ci_low"],
            scores["macro_f1_ci_high"],
        ]


def test_dvc_lists_the_artifacts() -> None:
    with Repo(str(REPO)) as repo:
        listed = repo.artifacts.read()["dvc.yaml"]
    assert {name for name in listed if name.endswith("-model")} == {
        artifact_name(task, "model") for task in load_raw(REPO / "params.yaml")["run_tasks"]
    }


def test_writing_the_section_twice_changes_nothing(tmp_path: Path) -> None:
    import shutil

    from synthdistill.artifacts import write_artifacts

    for name in ("dvc.yaml", "params.yaml"):
        shutil.copy(REPO / name, tmp_path / name)
    shutil.copytree(REPO / "metrics", tmp_path / "metrics")
    write_artifacts(tmp_path)
    once = (tmp_path / "dvc.yaml").read_text(encoding="utf-8")
    write_artifacts(tmp_path)
    assert (tmp_path / "dvc.yaml").read_text(encoding="utf-8") == once
    assert once == (REPO / "dvc.yaml").read_text(encoding="utf-8")
