"""Sampling real examples to match a training set's per-label counts (gold baseline)."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from synthdistill.errors import DataError

Example = dict[str, Any]


def sample_like(rows: list[Example], like: list[Example], seed: int) -> list[Example]:
    """A deterministic sample of ``rows`` with the per-label counts of ``like``.

    Used for the gold-student baseline: as many real labelled examples as the
    synthetic training set holds, label by label (generation rows have no label: one
    group, so the sample is as many pairs as ``like`` holds).
    """
    wanted: dict[str, int] = defaultdict(int)
    for row in like:
        wanted[row.get("label", "")] += 1
    by_label: dict[str, list[Example]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["id"]):
        by_label[row.get("label", "")].append(row)
    sample: list[Example] = []
    for label, count in sorted(wanted.items()):
        items = list(by_label.get(label, []))
        random.Random(f"{seed}:{label}").shuffle(items)
        sample += items[:count]
    if not sample:
        raise DataError("sample_like: nothing to sample (empty training set or pool)")
    return sample
