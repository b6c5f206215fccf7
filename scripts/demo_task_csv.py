"""Write a small CSV task of someone else's, for trying `synthdistill init` end to end.

    .venv/bin/python scripts/demo_task_csv.py headlines.csv [--per-label 100]

Rows: a BBC News *headline* (the first line of a document: short, ~40 characters, unlike
the packaged tasks' 300-character leads) and whether the story is about sport
(``sport`` / ``other``: two labels, not the packaged five). Deterministic.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

from synthdistill.tasks import bbc_documents


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the CSV to write")
    parser.add_argument("--per-label", type=int, default=100, help="rows per label")
    args = parser.parse_args()
    by_label: dict[str, list[str]] = {"sport": [], "other": []}
    for folder, _, headline, _ in bbc_documents():
        by_label["sport" if folder == "sports" else "other"].append(headline)
    rng = random.Random(0)
    rows = []
    for label, headlines in by_label.items():
        rows += [(text, label) for text in rng.sample(headlines, args.per_label)]
    rng.shuffle(rows)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["headline", "topic"])
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {args.out}")


if __name__ == "__main__":
    main()
