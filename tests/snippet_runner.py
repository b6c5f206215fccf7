"""Run an export's snippet in a fresh interpreter where synthdistill cannot be imported.

``python -I`` drops PYTHONPATH, the user site and the working directory from sys.path;
the venv's editable install of synthdistill would still be found, so an import hook
refuses ``synthdistill`` and its submodules. The child checks that the hook works, runs
the snippet, and reports ``predict`` / ``predict_proba`` on the texts and whether any
synthdistill module was loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CHILD = r"""
import importlib.abc, json, sys

class NoSynthdistill(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "synthdistill" or name.startswith("synthdistill."):
            raise ImportError(f"{name}: blocked (the snippet must run without synthdistill)")
        return None

sys.meta_path.insert(0, NoSynthdistill())
try:
    import synthdistill  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("synthdistill is importable: the check would prove nothing")
snippet, texts_file, out_file = sys.argv[1:4]
namespace = {"__name__": "snippet"}
exec(compile(open(snippet, encoding="utf-8").read(), snippet, "exec"), namespace)
texts = json.load(open(texts_file, encoding="utf-8"))
report = {
    "labels": namespace["predict"](texts),
    "proba": namespace["predict_proba"](texts).tolist(),
    "synthdistill_modules": sorted(m for m in sys.modules if m.split(".")[0] == "synthdistill"),
}
json.dump(report, open(out_file, "w", encoding="utf-8"))
"""


def run_snippet(snippet: str, texts: list[str], work: Path) -> dict[str, Any]:
    """``{"labels", "proba", "synthdistill_modules"}`` from ``snippet`` run in isolation."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "snippet.py").write_text(snippet, encoding="utf-8")
    (work / "child.py").write_text(CHILD, encoding="utf-8")
    (work / "texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [sys.executable, "-I", "child.py", "snippet.py", "texts.json", "out.json"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report: dict[str, Any] = json.loads((work / "out.json").read_text(encoding="utf-8"))
    assert report["synthdistill_modules"] == []
    return report
