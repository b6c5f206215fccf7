"""No-op `dvc repro` of this project against bare DVC on a generated pipeline of the same shape.

    .venv/bin/python bench/noop.py [--runs 5]

The generated pipeline has as many stages (after `foreach`), deps, params and outs per
stage as this project's dvc.yaml, but tiny files and a trivial command; so the ratio
says what this project's own choices (big model outputs, directory deps, a long
params.yaml) cost on top of DVC itself. Run after `dvc repro` (nothing to do).
Writes bench/results/noop.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def expanded_stages() -> list[dict[str, Any]]:
    """This project's stages, one per (stage, task), as dicts of deps/params/outs counts."""
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]
    tasks = yaml.safe_load((ROOT / "params.yaml").read_text())["run_tasks"]
    shapes = []
    for stage in spec.values():
        body = stage.get("do", stage)
        outs = [*body.get("outs", []), *body.get("metrics", []), *body.get("plots", [])]
        for _ in tasks if "foreach" in stage else [None]:
            shapes.append(
                {
                    "deps": len(body.get("deps", [])),
                    "params": len(body.get("params", [])),
                    "outs": len(outs),
                }
            )
    return shapes


def make_bare(root: Path, shapes: list[dict[str, Any]]) -> None:
    params: dict[str, Any] = {}
    stages: dict[str, Any] = {}
    for i, shape in enumerate(shapes):
        deps = []
        for j in range(shape["deps"]):
            dep = root / "deps" / f"s{i}_{j}.txt"
            dep.parent.mkdir(parents=True, exist_ok=True)
            dep.write_text(f"{i} {j}\n")
            deps.append(str(dep.relative_to(root)))
        params[f"s{i}"] = {f"k{j}": j for j in range(shape["params"])}
        outs = [f"outs/s{i}_{j}.txt" for j in range(shape["outs"])]
        write = "; ".join(f"open('{o}', 'w').write('x')" for o in outs)
        stages[f"s{i}"] = {
            "cmd": f"python -c \"import os; os.makedirs('outs', exist_ok=True); {write}\"",
            "deps": deps,
            "params": [f"s{i}.k{j}" for j in range(shape["params"])],
            "outs": outs,
        }
    (root / "params.yaml").write_text(yaml.safe_dump(params))
    (root / "dvc.yaml").write_text(yaml.safe_dump({"stages": stages}))
    for cmd in (["git", "init", "-q"], ["dvc", "init", "-q"], ["dvc", "repro", "-q"]):
        subprocess.run(cmd, cwd=root, check=True, capture_output=True)


def timed_noop(root: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(["dvc", "repro"], cwd=root, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        if "Running stage" in out.stdout:
            raise SystemExit(f"{root}: pipeline not up to date; run `dvc repro` first")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="build the bare pipeline here and keep it")
    args = parser.parse_args()
    shapes = expanded_stages()
    with tempfile.TemporaryDirectory(prefix="bare-dvc-") as tmp:
        bare = args.keep or Path(tmp)
        bare.mkdir(parents=True, exist_ok=True)
        make_bare(bare, shapes)
        ours = timed_noop(ROOT, args.runs)
        base = timed_noop(bare, args.runs)
    result = {
        "stages": len(shapes),
        "deps": sum(s["deps"] for s in shapes),
        "project_noop_s_median": round(statistics.median(ours), 2),
        "bare_dvc_noop_s_median": round(statistics.median(base), 2),
        "ratio": round(statistics.median(ours) / statistics.median(base), 2),
        "machine": f"{os.cpu_count()} cores",
    }
    print(json.dumps(result, indent=2))
    (ROOT / "bench" / "results" / "noop.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
