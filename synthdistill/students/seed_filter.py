"""Drop synthetic examples that a student trained on the seeds confidently contradicts."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

Example = dict[str, Any]


class ProbabilisticStudent(Protocol):
    labels: list[str]

    def predict_proba(self, texts: Any, batch_size: int = 32) -> np.ndarray: ...


def drop_contradicted(
    rows: list[Example], judge: ProbabilisticStudent, threshold: float | None
) -> tuple[list[Example], dict[str, Any]]:
    """Keep rows unless ``judge`` gives another label probability >= ``threshold``.

    Returns the kept rows and a report (counts per label, the dropped rows with the
    judge's label and probability). ``threshold=None`` keeps everything.
    """
    if threshold is None or not rows:
        return rows, {"threshold": threshold, "input": len(rows), "dropped": 0, "rows": []}
    probs = judge.predict_proba([row["text"] for row in rows])
    kept: list[Example] = []
    dropped: list[Example] = []
    for row, p in zip(rows, probs, strict=True):
        best = int(np.argmax(p))
        other = judge.labels[best]
        if other != row["label"] and float(p[best]) >= threshold:
            dropped.append(
                {
                    "id": row["id"],
                    "label": row["label"],
                    "seed_student_label": other,
                    "probability": round(float(p[best]), 4),
                    "text": row["text"],
                }
            )
        else:
            kept.append(row)
    by_label: dict[str, int] = {}
    for row in dropped:
        by_label[row["label"]] = by_label.get(row["label"], 0) + 1
    report = {
        "threshold": threshold,
        "input": len(rows),
        "dropped": len(dropped),
        "dropped_by_label": by_label,
        "rows": dropped,
    }
    return kept, report
