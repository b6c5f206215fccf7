"""Data-quality metrics of a generated dataset (metrics/<task>/data_quality.json)."""

from __future__ import annotations

from collections import Counter
from typing import Any


def data_quality_counts(
    generate_report: dict[str, Any], clean_counts: dict[str, Any], kept: list[dict[str, Any]]
) -> dict[str, Any]:
    """Counts from teacher sample to training example, with every drop reason.

    ``dropped`` merges the generate stage's parse rejections (empty, truncated,
    refused, mislabelled...) with the preprocess filters' reasons.
    """
    dropped: Counter[str] = Counter(generate_report.get("rejected", {}))
    dropped.update(clean_counts.get("dropped", {}))
    samples = int(generate_report.get("teacher_samples", 0))
    return {
        "teacher_samples": samples,
        "parsed": int(generate_report.get("parsed", 0)),
        "kept": len(kept),
        "kept_fraction": round(len(kept) / samples, 4) if samples else 0.0,
        "dropped": dict(sorted(dropped.items())),
        "kept_per_label": dict(sorted(Counter(row["label"] for row in kept).items())),
        # What extraction cut from replies it kept, and how many examples each reply gave.
        "extraction_cuts": dict(generate_report.get("extraction_cuts", {})),
        "examples_per_reply": dict(generate_report.get("examples_per_reply", {})),
    }
