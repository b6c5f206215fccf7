"""Intra-annotator agreement for the ``ja_news`` gold set (pass 1 vs pass 2).

Pass 1 (``data/annotations/ja_news.jsonl``) labels all 500 sentences. Pass 2
(``data/annotations/ja_news_pass2.jsonl``) re-labels ``random.Random(13).sample`` of
100 sorted ids, written from the texts alone. Cohen's kappa is computed on those 100,
with ``excluded`` as a category of its own. The result goes to
``metrics/ja_news/annotation.json`` together with pass-1 label counts.

Usage: ``python scripts/kappa_ja_news.py``
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from sklearn.metrics import cohen_kappa_score

from synthdistill.io import read_jsonl, write_json

EXCLUDED = "excluded"
SAMPLE_SEED = 13
SAMPLE_SIZE = 100


def category(row: dict[str, Any]) -> str:
    """The label, or ``excluded`` for rows marked excluded (which must have label null)."""
    if row.get("excluded"):
        if row.get("label") is not None:
            raise ValueError(f"{row['id']}: excluded but has label {row['label']!r}")
        return EXCLUDED
    label = row.get("label")
    if not isinstance(label, str) or not label:
        raise ValueError(f"{row['id']}: not excluded but has no label")
    return label


def sample_ids(ids: list[str]) -> list[str]:
    return random.Random(SAMPLE_SEED).sample(sorted(ids), SAMPLE_SIZE)


def compute(pass1: list[dict[str, Any]], pass2: list[dict[str, Any]]) -> dict[str, Any]:
    first = {r["id"]: category(r) for r in pass1}
    second = {r["id"]: category(r) for r in pass2}
    expected = sorted(sample_ids(list(first)))
    if sorted(second) != expected:
        raise ValueError("pass-2 ids are not random.Random(13).sample(sorted(ids), 100)")
    a = [first[i] for i in expected]
    b = [second[i] for i in expected]
    kappa = float(cohen_kappa_score(a, b))
    agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(expected)
    counts = Counter(c for c in first.values() if c != EXCLUDED)
    disagreements = [
        {"id": i, "pass1": x, "pass2": y} for i, x, y in zip(expected, a, b, strict=True) if x != y
    ]
    return {
        "n_sentences": len(first),
        "n_double_annotated": len(expected),
        "cohen_kappa": round(kappa, 4),
        "raw_agreement": round(agree, 4),
        "label_counts": dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        "excluded": sum(c == EXCLUDED for c in first.values()),
        "disagreements": disagreements,
        "note": (
            "Intra-annotator agreement: one annotator labelled both passes, pass 2 from the "
            "texts only without opening pass 1, shortly after pass 1; kappa treats "
            "'excluded' as its own category."
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pass1", type=Path, default=Path("data/annotations/ja_news.jsonl"))
    parser.add_argument("--pass2", type=Path, default=Path("data/annotations/ja_news_pass2.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("metrics/ja_news/annotation.json"))
    args = parser.parse_args(argv)
    try:
        result = compute(read_jsonl(args.pass1, ("id",)), read_jsonl(args.pass2, ("id",)))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    write_json(args.out, result)
    print(
        f"kappa={result['cohen_kappa']} raw_agreement={result['raw_agreement']} "
        f"(n={result['n_double_annotated']}) -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
