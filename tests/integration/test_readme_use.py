"""README's "Use your student" and "Share your data" run as written, on the default
pipeline's exports (after `make repro`; skipped before)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
SECTIONS = ("### Use your student", "### Share your data")


def _blocks(heading: str, language: str) -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert heading in readme, f"README has no '{heading}' section"
    section = readme.split(heading, 1)[1].split("\n#", 1)[0]
    return re.findall(rf"```{language}\n(.*?)```", section, flags=re.S)


@pytest.mark.parametrize("heading", SECTIONS)
def test_readme_python_blocks_run(heading: str) -> None:
    if not (REPO / "exports" / "bbc_news" / "model").is_dir():
        pytest.skip("no exports yet: run `make repro`")
    blocks = _blocks(heading, "python")
    assert blocks, f"'{heading}' shows no Python"
    for code in blocks:
        proc = subprocess.run(
            [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=600
        )
        assert proc.returncode == 0, f"{code}\n{proc.stderr[-3000:]}"
        assert proc.stdout.strip(), f"{code}\nprinted nothing"


def test_readme_shell_lines_run() -> None:
    if not (REPO / "exports" / "bbc_news" / "model").is_dir():
        pytest.skip("no exports yet: run `make repro`")
    bindir = Path(sys.executable).parent
    for block in _blocks("### Use your student", "sh"):
        for line in block.splitlines():
            if not line.strip() or line.startswith("#") or "new.csv" in line:
                continue  # new.csv stands for the user's own file
            proc = subprocess.run(
                line,
                shell=True,
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=600,
                env={"PATH": f"{bindir}:/usr/bin:/bin", "HF_HUB_OFFLINE": "1"},
            )
            assert proc.returncode == 0, f"{line}\n{proc.stderr[-3000:]}"
