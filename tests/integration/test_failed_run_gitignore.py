"""A failed `dvc exp run` must not leave stage outputs that `git add -A` would track: the
next `dvc exp run` would then fail with "already tracked by SCM"."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration

DVC_YAML = """\
stages:
  prepare:
    cmd: python -c "open('data/t/seed.jsonl', 'w').write(open('p.txt').read())"
    deps: [p.txt]
    outs: [data/t/seed.jsonl]
  train:
    cmd: python train.py
    deps: [data/t/seed.jsonl, train.py]
    outs: [models/t/student]
"""


def _run(cmd: list[str], cwd: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    if ok:
        assert proc.returncode == 0, f"{cmd}: {proc.stdout}\n{proc.stderr}"
    return proc


def test_outputs_of_a_failed_exp_run_stay_out_of_git(tmp_path: Path) -> None:
    shutil.copy(REPO / ".gitignore", tmp_path / ".gitignore")
    (tmp_path / "dvc.yaml").write_text(DVC_YAML)
    (tmp_path / "p.txt").write_text("1\n")
    for folder in ("data/t", "models/t"):
        (tmp_path / folder).mkdir(parents=True)
    train = tmp_path / "train.py"
    train.write_text("import sys\nsys.exit('the student failed')\n")
    for cmd in (
        ["git", "init", "-q"],
        ["git", "config", "user.email", "t@t"],  # dvc exp run commits experiments
        ["git", "config", "user.name", "t"],
        ["dvc", "init", "-q"],
    ):
        _run(cmd, tmp_path)
    _run(["git", "add", "-A"], tmp_path)
    _run(["git", "commit", "-qm", "base"], tmp_path)
    failed = _run(["dvc", "exp", "run"], tmp_path, ok=False)
    assert failed.returncode != 0 and (tmp_path / "data/t/seed.jsonl").exists()
    _run(["git", "add", "-A"], tmp_path)
    tracked = _run(["git", "ls-files", "data", "models"], tmp_path).stdout.split()
    assert "data/t/seed.jsonl" not in tracked, tracked
    train.write_text(
        "from pathlib import Path\nPath('models/t/student').mkdir()\n"
        "Path('models/t/student/w.txt').write_text('w')\n"
    )
    _run(["git", "add", "-A"], tmp_path)
    _run(["dvc", "exp", "run"], tmp_path)
