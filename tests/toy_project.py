"""A copy of the project in a temporary folder for integration tests that run real DVC:
the code, the given folders, and a small classification task read from a user file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from synthdistill.io import write_jsonl
from synthdistill.params import load_task
from synthdistill.tasks import load_examples

REPO = Path(__file__).resolve().parents[1]
FILES = ("dvc.yaml", ".dvcignore", "requirements-models.txt")


def copy_project(root: Path, folders: tuple[str, ...]) -> dict[str, Any]:
    """Copy ``folders`` and the DVC files into ``root``; the root params.yaml, as data."""
    for name in folders:
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in FILES:
        shutil.copy(REPO / name, root / name)
    params: dict[str, Any] = yaml.safe_load((REPO / "params.yaml").read_text())
    return params


def toy_classification(root: Path, params: dict[str, Any], name: str) -> dict[str, Any]:
    """Make ``name`` the only task: 12 BBC texts a label from a user file (2 seeds and 3
    test texts a label, the rest the pool), a TF-IDF student, the smallest teacher."""
    bbc = load_task("bbc_news", REPO / "params.yaml")
    rows = load_examples("bbc_news", bbc)
    gold = [row for label in bbc.labels for row in [r for r in rows if r["label"] == label][:12]]
    write_jsonl(root / f"data/annotations/{name}.jsonl", gold)
    task = params["tasks"]["bbc_news"]
    task["data"] = {
        "source": "file",
        "path": f"data/annotations/{name}.jsonl",
        "seed_per_label": 2,
        "test_per_label": 3,
        "text_max_chars": 160,
    }
    task["student"] = "tfidf"
    params["tasks"] = {name: task}
    params["run_tasks"] = [name]
    params["teacher"].update(model="smollm2-135m-instruct", parallel=4, context=4096)
    return task
