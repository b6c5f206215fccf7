"""DVC's model registry finds the exported model: `gto register` tags a version of the
artifact declared in dvc.yaml, `gto show` lists it, and `dvc artifacts get` downloads the
folder the export stage wrote (README's commands, in a clone sharing this repo's cache)."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.integration


def _run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"{cmd}: {proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_register_show_and_get_the_exported_model(tmp_path: Path) -> None:
    exported = REPO / "exports" / "bbc_news" / "model"
    if not exported.is_dir():
        pytest.skip("needs stage export's output (make repro)")
    clone = tmp_path / "clone"
    _run(["git", "clone", "-q", str(REPO), str(clone)], tmp_path)
    _run(["git", "config", "user.email", "test@example.com"], clone)
    _run(["git", "config", "user.name", "test"], clone)
    _run([str(BIN / "dvc"), "cache", "dir", str(REPO / ".dvc" / "cache")], clone)
    _run([str(BIN / "gto"), "register", "bbc-news-model"], clone)
    assert "bbc-news-model" in _run([str(BIN / "gto"), "show"], clone)
    out = tmp_path / "my-model"
    _run(
        [str(BIN / "dvc"), "artifacts", "get", str(clone), "bbc-news-model", "-o", str(out)], clone
    )
    same = filecmp.dircmp(out, exported)
    assert not same.left_only and not same.right_only and not same.diff_files
    assert (out / "onnx" / "model.onnx").exists() and (out / "README.md").exists()
