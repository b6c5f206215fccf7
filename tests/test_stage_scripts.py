"""Every stage script starts in a fresh interpreter (`--help`): an import cycle between
library modules shows here, not halfway through `dvc repro`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = sorted((REPO / "stages").glob("*.py"))


@pytest.mark.integration  # a fresh interpreter each: not for `make test-fast`
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_stage_script_starts(script: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(script), "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "--task" in proc.stdout
