"""Atomic writes give outputs the user's usual file mode, not mkstemp's 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from synthdistill.io import write_json, write_jsonl


def test_outputs_get_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
        write_jsonl(tmp_path / "b.jsonl", [{"x": 1}])
    finally:
        os.umask(old)
    for name in ("a.json", "b.jsonl"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o644
