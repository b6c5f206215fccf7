"""Pipeline incrementality on the real repo (run after `dvc repro`):

    .venv/bin/python bench/pipeline.py [--task bbc_news]

1. no-op `dvc repro`: wall time, and that no stage ran;
2. `generate@<task>` forced to re-run without DVC's run-cache (as if data/ were deleted):
   teacher calls made vs answered from the teacher cache.
Writes bench/results/pipeline.json. Leaves the workspace as it found it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dvc(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        ["dvc", *args], cwd=ROOT, capture_output=True, text=True, env=os.environ, check=True
    )
    return time.perf_counter() - start, proc.stdout + proc.stderr


def ran(output: str) -> list[str]:
    return [line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="bbc_news")
    args = parser.parse_args()
    results: dict[str, object] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    seconds, out = dvc("repro")
    if ran(out):
        raise SystemExit(f"pipeline was not up to date; run `dvc repro` first ({ran(out)})")
    seconds, out = dvc("repro")
    results["noop_repro_seconds"] = round(seconds, 2)
    results["noop_repro_stages_run"] = ran(out)
    usage_file = ROOT / "metrics" / args.task / "runtime" / "generate.json"
    before = usage_file.read_text()
    seconds, out = dvc(
        "repro", "--force", "--no-run-cache", "--single-item", f"generate@{args.task}"
    )
    usage = json.loads(usage_file.read_text())
    results["generate_rerun"] = {
        "seconds": round(seconds, 2),
        "cache_hits": usage["cache_hits"],
        "teacher_calls": usage["teacher_calls"],
    }
    usage_file.write_text(before)  # keep the committed runtime of the real run
    dvc("commit", "-f", f"generate@{args.task}")
    print(json.dumps(results, indent=2))
    out_file = ROOT / "bench" / "results" / "pipeline.json"
    out_file.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
