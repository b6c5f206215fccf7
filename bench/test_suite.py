"""What the test suite costs: wall time of each tier and the cost of each test file.

    .venv/bin/python bench/test_suite.py run test-fast test test-all   # time each tier
    .venv/bin/python bench/test_suite.py junit FILE.xml --label NAME   # record a finished run
    .venv/bin/python bench/test_suite.py table                         # README's tables

``run`` times ``make <tier>`` as a whole process (install already done, so the one-time
install is not counted) with pytest's JUnit report on the side, and stores the wall time,
the counts and the seconds per test file in ``bench/results/test_suite.json``, with the
machine and commit it ran on. ``table`` prints the Markdown that README's Development
section carries between its ``test-suite`` markers (tests/test_readme_tables.py checks it).
Per-file seconds are the sum of the file's test durations (setup + call + teardown), so
with two xdist workers they add up to more than the wall time.
"""

from __future__ import annotations

import argparse
import collections
import os
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from synthdistill.io import read_json, write_json  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "test_suite.json"
TOP_FILES = 12  # files listed one by one in the per-file table; the rest are summed


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()}


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True)
    return out.stdout.decode().strip() or "unknown"


def parse_junit(path: Path) -> dict[str, Any]:
    """Counts and seconds per test file from a pytest JUnit XML report."""
    root = ET.parse(path).getroot()
    files: dict[str, float] = collections.defaultdict(float)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    for case in root.iter("testcase"):
        name = case.get("classname", "").replace(".", "/") + ".py"
        files[name] += float(case.get("time", 0.0))
        if case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    per_file = dict(sorted(((k, round(v, 1)) for k, v in files.items()), key=lambda kv: -kv[1]))
    return {**counts, "test_seconds": round(sum(files.values()), 1), "files": per_file}


def record(label: str, entry: dict[str, Any]) -> None:
    results = read_json(RESULTS) if RESULTS.exists() else {}
    results[label] = entry
    write_json(RESULTS, results)
    print(f"{label}: {entry['wall_s']:.0f} s, {entry['passed']} passed, {entry['failed']} failed")


def run_tier(tier: str) -> dict[str, Any]:
    """``make <tier>`` timed as a whole, with a JUnit report to split its cost by file."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        env = {**os.environ, "PYTEST_ADDOPTS": f"--junitxml={report}"}
        start = time.perf_counter()
        proc = subprocess.run(["make", tier], cwd=ROOT, env=env)
        wall = time.perf_counter() - start
        parsed = parse_junit(report)
    return {
        "command": f"make {tier}",
        "exit_code": proc.returncode,
        "wall_s": round(wall, 1),
        "commit": commit(),
        "machine": machine(),
        **parsed,
    }


def tier_table(results: dict[str, Any]) -> str:
    lines = [
        "| command | tests | passed | failed | skipped | wall time | commit | machine |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for entry in results.values():
        total = entry["passed"] + entry["failed"] + entry["skipped"]
        m = entry["machine"]
        lines.append(
            f"| `{entry['command']}` | {total} | {entry['passed']} | {entry['failed']} "
            f"| {entry['skipped']} | {entry['wall_s'] / 60:.1f} min | {entry['commit']} "
            f"| {m['cores']} cores, {m['cpu']} |"
        )
    return "\n".join(lines)


def files_table(results: dict[str, Any]) -> str:
    labels = list(results)
    names = [f"`{results[k]['command']}` at {results[k]['commit']}" for k in labels]
    header = "| test file | " + " | ".join(names) + " |"
    lines = [header, "|---|" + "---|" * len(labels)]
    first = results[labels[0]]["files"]
    top = list(first)[:TOP_FILES]
    for name in top:
        cells = [results[k]["files"].get(name) for k in labels]
        shown = [f"{c:.0f} s" if c is not None else "-" for c in cells]
        lines.append(f"| `{name}` | " + " | ".join(shown) + " |")
    rest = [sum(v for f, v in results[k]["files"].items() if f not in top) for k in labels]
    lines.append("| every other file | " + " | ".join(f"{r:.0f} s" for r in rest) + " |")
    sums = [results[k]["test_seconds"] for k in labels]
    lines.append("| sum of test durations | " + " | ".join(f"{s:.0f} s" for s in sums) + " |")
    return "\n".join(lines)


def table() -> str:
    results = read_json(RESULTS)
    return tier_table(results) + "\n\n" + files_table(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="time `make <tier>` for each tier given")
    run.add_argument("tiers", nargs="+", choices=["test-fast", "test", "test-all"])
    junit = sub.add_parser("junit", help="record a run that already wrote a JUnit report")
    junit.add_argument("report", type=Path)
    junit.add_argument("--label", required=True, help="the key in test_suite.json")
    junit.add_argument("--command-line", required=True, help="what was run")
    junit.add_argument("--wall-s", type=float, required=True, help="its measured wall time")
    junit.add_argument("--commit", required=True, help="the commit it ran")
    sub.add_parser("table", help="print README's tables")
    args = parser.parse_args()
    if args.command == "run":
        for tier in args.tiers:
            record(tier, run_tier(tier))
    elif args.command == "junit":
        entry = {
            "command": args.command_line,
            "exit_code": None,
            "wall_s": args.wall_s,
            "commit": args.commit,
            "machine": machine(),
            **parse_junit(args.report),
        }
        record(args.label, entry)
    else:
        print(table())


if __name__ == "__main__":
    main()
