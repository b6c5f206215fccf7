"""README's two set-up commands on a fresh clone, timed: does the committed run rebuild?

    .venv/bin/python bench/fresh_clone.py [--skip-generation]

Clones this repository's HEAD into a temporary folder, with an empty teacher cache
(SYNTHDISTILL_CACHE_DIR) and no virtual environment, then runs `make repro` and
`make repro-generation` there, as a newcomer would. For each command it records the wall
time (install included: the first builds `.venv`; pip's download cache is the machine's),
the teacher calls made (entries the teacher cache gained beyond the imported replay
file: every answered call is cached), whether `dvc status` is clean for both pipelines, and
whether every `dvc.lock` and tracked file under `data/`, `metrics/`, `models/` and
`exports/` equals the commit's (runtime files hold wall times, so they are left out).
Writes bench/results/fresh_clone.json. Other processes on the cores distort the times:
the load average is recorded.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from synthdistill.io import write_json
from synthdistill.teachers.cache import TeacherCache

ROOT = Path(__file__).resolve().parent.parent
REPLAY = "replay/teacher_calls.jsonl.gz"
COMPARED = ("data", "metrics", "models", "exports", "dvc.lock", "pipelines")


def clean_env(cache: Path) -> dict[str, str]:
    """The environment of a fresh shell: no project venv on PATH, an empty teacher cache."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv_bin = str(ROOT / ".venv" / "bin")
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if p != venv_bin)
    env["SYNTHDISTILL_CACHE_DIR"] = str(cache)
    return env


def teacher_calls(clone: Path, cache: Path) -> int:
    """Calls the teacher answered: cache entries beyond the replay file's records."""
    path = cache / "teacher_cache.sqlite"
    entries = len(TeacherCache(path)) if path.exists() else 0
    with gzip.open(clone / REPLAY, "rt", encoding="utf-8") as handle:
        replayed = sum(1 for line in handle if line.strip())
    return entries - replayed


def changed_files(clone: Path) -> list[str]:
    """Tracked outputs that differ from the commit, runtime (wall time) files left out."""
    proc = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", *COMPARED],
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    )
    paths = [line[3:] for line in proc.stdout.splitlines()]
    return [p for p in paths if "/runtime/" not in p]


def dvc_status(clone: Path, env: dict[str, str], *target: str) -> str:
    proc = subprocess.run(
        [str(clone / ".venv" / "bin" / "dvc"), "status", *target],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def run_make(
    clone: Path, cache: Path, env: dict[str, str], target: str, log: Path
) -> dict[str, Any]:
    before = teacher_calls(clone, cache) if (cache / "teacher_cache.sqlite").exists() else 0
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as handle:
        proc = subprocess.run(["make", target], cwd=clone, env=env, stdout=handle, stderr=handle)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"make {target} failed (exit {proc.returncode}); log: {log}")
    return {
        "command": f"make {target}",
        "minutes": round(seconds / 60, 1),
        "teacher_calls": teacher_calls(clone, cache) - before,
        "load_average_after": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-generation", action="store_true")
    args = parser.parse_args()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "commit": commit,
        "load_average_before": round(os.getloadavg()[0], 2),
    }
    with tempfile.TemporaryDirectory(prefix="fresh-clone-") as tmp:
        clone, cache = Path(tmp) / "repo", Path(tmp) / "cache"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = clean_env(cache)
        runs = [run_make(clone, cache, env, "repro", Path(tmp) / "repro.log")]
        if not args.skip_generation:
            runs.append(run_make(clone, cache, env, "repro-generation", Path(tmp) / "gen.log"))
        results["runs"] = runs
        results["dvc_status_default"] = dvc_status(clone, env)
        results["dvc_status_generation"] = dvc_status(clone, env, "pipelines/generation/dvc.yaml")
        results["changed_tracked_files"] = changed_files(clone)
    write_json(ROOT / "bench" / "results" / "fresh_clone.json", results)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
