"""Paired bootstrap of two systems' macro-F1 on the same test examples, across runs.

    python scripts/compare_experiments.py \\
        metrics/experiments/<name>/plots/confusion_student.json \\
        metrics/bbc_news/plots/confusion_student.json

Each file is an evaluate stage's per-example ``[{"actual", "predicted"}]`` list, in test
order; both must hold the same test examples (same prepare split).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from synthdistill.metrics.stats import paired_bootstrap


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a", type=Path, help="system A's predictions")
    p.add_argument("b", type=Path, help="system B's predictions")
    args = p.parse_args()
    rows_a = json.loads(args.a.read_text())
    rows_b = json.loads(args.b.read_text())
    gold = [r["actual"] for r in rows_a]
    if gold != [r["actual"] for r in rows_b]:
        raise SystemExit("the two files do not hold the same test examples in the same order")
    labels = sorted(set(gold))
    result = paired_bootstrap(
        gold, [r["predicted"] for r in rows_a], [r["predicted"] for r in rows_b], labels
    )
    print(json.dumps({"a": str(args.a), "b": str(args.b), "n": len(gold), **result}))


if __name__ == "__main__":
    main()
