"""Real `dvc repro` / `dvc exp run` in a temporary git repo, with the real smallest teacher."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path) -> str:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def _ran(output: str) -> set[str]:
    return {
        line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("proj")
    for name in ("stages", "synthdistill"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("dvc.yaml", ".dvcignore"):
        shutil.copy(REPO / name, root / name)
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["tasks"] = {"bbc_news": params["tasks"]["bbc_news"]}
    params["run_tasks"] = ["bbc_news"]
    params["tasks"]["bbc_news"].update(seed_per_label=2, test_per_label=3, text_max_chars=160)
    params["teacher"].update(model="smollm2-135m-instruct", parallel=4, context=4096)
    params["generate"].update(budget=10, max_tokens=64)
    params["train"].update(epochs=1, max_length=32, batch_size=8)
    params["teacher_prompting"].update(latency_probe=2)
    params["preprocess"].update(min_chars=10)
    params["retrieval"].update(extra_sources=[])
    params["quality"].update(sample=20)
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    (root / ".gitignore").write_text("__pycache__/\n")
    _run(["git", "init", "-q"], root)
    _run(["git", "config", "user.email", "t@t"], root)
    _run(["git", "config", "user.name", "t"], root)
    _run(["dvc", "init", "-q"], root)
    _run(["git", "add", "-A"], root)
    _run(["git", "commit", "-qm", "init"], root)
    return root


def test_repro_then_noop_then_train_param_change(project: Path) -> None:
    out = _run(["dvc", "repro"], project)
    assert "generate@bbc_news" in _ran(out)
    evaluation = json.loads((project / "metrics/bbc_news/eval.json").read_text())
    for system in ("student", "gold_student", "seed_student", "teacher_prompting"):
        assert 0.0 <= evaluation[system]["macro_f1"] <= 1.0
    quality = json.loads((project / "metrics/bbc_news/data_quality.json").read_text())
    assert quality["teacher_samples"] == 10
    assert quality["kept"] + sum(quality["dropped"].values()) == 10
    if quality["kept"] >= 2:
        assert 0 <= quality["self_bleu_2"] <= 100 and 0 <= quality["distinct_1"] <= 1
    usage = json.loads((project / "metrics/bbc_news/teacher_usage.json").read_text())
    assert usage["requests"] == 10

    assert _ran(_run(["dvc", "repro"], project)) == set()

    _run(["git", "add", "-A"], project)
    _run(["git", "commit", "-qm", "run"], project)
    out = _run(["dvc", "exp", "run", "-S", "train.epochs=2"], project)
    assert _ran(out) == {
        "train@bbc_news",
        "train_gold@bbc_news",
        "train_seeds@bbc_news",
        "evaluate@bbc_news",
        "quality@bbc_news",  # label preservation uses the gold student
    }
    shown = _run(["dvc", "exp", "show", "--md", "--only-changed"], project)
    assert "train.epochs" in shown


def test_deleting_data_costs_no_teacher_calls(project: Path) -> None:
    shutil.rmtree(project / "data")
    out = _run(["dvc", "repro", "--force", "--no-run-cache", "generate@bbc_news"], project)
    assert "generate@bbc_news" in _ran(out)
    usage = json.loads((project / "metrics/bbc_news/teacher_usage.json").read_text())
    assert usage["teacher_calls"] == 0
    assert usage["cache_hits"] == usage["requests"] == 10
