"""Copy one DVC experiment's results into metrics/experiments/<name>/ (to commit them).

    python scripts/export_experiment.py sg-bbc-news --task bbc_news

Writes the experiment's params diff, metrics (eval, data quality, teacher usage) and the
generate stage's report (read from the DVC cache by its dvc.lock hash), so a README table
cites files that came from `dvc exp run` of committed code.
"""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import yaml

TRACKED = (
    "eval.json",
    "data_quality.json",
    "teacher_usage.json",
    "teacher_prompting_usage.json",
    "annotation_confusion.json",
)
CACHED = ("generate_report.json",)


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], check=True, capture_output=True, text=True).stdout


def _ref(name: str) -> str:
    refs = [
        r
        for r in _git("for-each-ref", "--format=%(refname)", "refs/exps").split()
        if r.endswith(f"/{name}")
    ]
    if len(refs) != 1:
        raise SystemExit(f"experiment '{name}': {len(refs)} refs found")
    return refs[0]


def _flat(data: object, prefix: str = "") -> dict[str, object]:
    """{"a.b": value} for nested dicts (lists stay values)."""
    if not isinstance(data, dict):
        return {prefix: data}
    found: dict[str, object] = {}
    for key, value in data.items():
        found.update(
            _flat(value, f"{prefix}{key}." if isinstance(value, dict) else f"{prefix}{key}")
        )
    return found


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name", help="experiment name (dvc exp list)")
    p.add_argument("--task", required=True)
    p.add_argument("--out", type=Path, default=Path("metrics/experiments"))
    args = p.parse_args()
    ref = _ref(args.name)
    out = args.out / args.name
    out.mkdir(parents=True, exist_ok=True)
    base = _git("rev-parse", f"{ref}^").strip()
    before = _flat(yaml.safe_load(_git("show", f"{base}:params.yaml")))
    after = _flat(yaml.safe_load(_git("show", f"{ref}:params.yaml")))
    changed = {
        k: after.get(k) for k in sorted(set(before) | set(after)) if before.get(k) != after.get(k)
    }
    (out / "params_changed.json").write_text(
        json.dumps(
            {"experiment": args.name, "baseline_commit": base, "changed": changed},
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    for name in TRACKED:
        try:
            text = _git("show", f"{ref}:metrics/{args.task}/{name}")
        except subprocess.CalledProcessError:
            continue
        (out / name).write_text(text)
    predictions = out / "predictions"  # per test example, in test order (paired comparisons)
    predictions.mkdir(exist_ok=True)
    listing = _git("ls-tree", "--name-only", f"{ref}:metrics/{args.task}/plots").split()
    for name in listing:
        (predictions / name).write_text(_git("show", f"{ref}:metrics/{args.task}/plots/{name}"))
    lock = yaml.safe_load(_git("show", f"{ref}:dvc.lock"))
    for stage in lock["stages"].values():
        for item in stage.get("outs", []):
            if Path(item["path"]).name in CACHED and f"/{args.task}/" in item["path"]:
                md5 = item["md5"]
                blob = Path(".dvc/cache/files/md5") / md5[:2] / md5[2:]
                report = json.loads(blob.read_text())
                (out / Path(item["path"]).name).write_text(json.dumps(report, indent=2) + "\n")
    print(f"{args.name} -> {out}: {sorted(p.name for p in out.iterdir())}")


if __name__ == "__main__":
    main()
