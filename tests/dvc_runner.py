"""Running DVC in a temporary project (integration tests): commands that must succeed, and
which stages a `dvc repro` / `dvc exp run` output says it ran or `dvc status` finds stale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` with this interpreter's bin dir first on PATH; a failure shows its output."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{cmd} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


def run_ok(cmd: list[str], cwd: Path) -> str:
    """The output (stdout + stderr) of ``cmd``, which must succeed."""
    proc = _run(cmd, cwd)
    return proc.stdout + proc.stderr


def stages_ran(output: str, task: str) -> set[str]:
    """The stages DVC ran, without the ``@task`` suffix or a ``path/dvc.yaml:`` prefix."""
    return {
        line.split("'")[1].split(":")[-1].removesuffix(f"@{task}")
        for line in output.splitlines()
        if line.startswith("Running stage '")
    }


def stages_stale(project: Path, task: str, pipeline: str | None = None) -> set[str]:
    """The stages ``dvc status`` finds out of date (a dependency, param or the command
    changed): the stages a ``dvc repro`` starts with, found without running any of them."""
    proc = _run(["dvc", "status", "--json", *([pipeline] if pipeline else [])], project)
    return {name.split(":")[-1].removesuffix(f"@{task}") for name in json.loads(proc.stdout)}
