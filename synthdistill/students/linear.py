"""Students that are a scikit-learn pipeline: features, then a linear classifier.

A saved student is a directory holding ``model.pkl`` (the fitted pipeline),
``labels.json`` (the label order) and ``student.json`` (``{"student": name, ...}``), the
marker by which :func:`synthdistill.students.load_student` tells it from an HF encoder.
"""

from __future__ import annotations

import json
import pickle
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline

from synthdistill.io import atomic_open, write_json
from synthdistill.live import open_live

KIND_FILE = "student.json"


class PipelineClassifier:
    """A fitted pipeline; ``labels[i]`` is the name of ``predict_proba`` column ``i``."""

    def __init__(self, pipeline: Pipeline, labels: list[str]) -> None:
        self.pipeline = pipeline
        self.labels = labels

    def predict_proba(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        proba = self.pipeline.predict_proba(list(texts))
        order = [list(self.pipeline.classes_).index(label) for label in self.labels]
        return np.asarray(proba)[:, order]

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def fit_pipeline(
    name: str,
    pipeline: Pipeline,
    rows: list[dict[str, Any]],
    labels: list[str],
    out_dir: Path,
    live_dir: Path | None = None,
    marker: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit ``pipeline`` on rows ``{"text", "label"}`` and save it as student ``name``.

    ``marker`` adds fields to ``student.json``. Needs two labels in ``rows``. Writes the
    train accuracy to ``live_dir/metrics.json`` (where the encoder's dvclive metrics go).
    """
    start = time.perf_counter()
    texts = [str(row["text"]) for row in rows]
    targets = [str(row["label"]) for row in rows]
    unknown = sorted(set(targets) - set(labels))
    if unknown:
        raise ValueError(f"labels not in the task: {unknown}; valid labels: {', '.join(labels)}")
    if len(set(targets)) < 2:
        raise ValueError(f"the {name} student needs examples of at least two labels")
    # Features once: the train accuracy reuses them (e5 features cost a forward pass each).
    features = pipeline[:-1].fit_transform(texts, targets)
    head = pipeline[-1].fit(features, targets)
    train_accuracy = round(float(head.score(features, targets)), 4)
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_open(out_dir / "model.pkl", "wb") as handle:
        pickle.dump(pipeline, handle)
    write_json(out_dir / "labels.json", labels)
    write_json(out_dir / KIND_FILE, {"student": name, **(marker or {})})
    live = open_live(live_dir)
    if live is not None:  # one step: a linear head has no epochs, but the curve file exists
        live.log_metric("train/accuracy", train_accuracy)
        live.next_step()
        live.end()
    return {
        "train_accuracy": train_accuracy,
        "student": name,
        "n_train": len(rows),
        "per_label": dict(Counter(targets)),
        "seconds": round(time.perf_counter() - start, 2),
    }


def saved_student_name(path: Path) -> str | None:
    """The student named in a saved student's marker file; None if it has none."""
    kind = path / KIND_FILE
    return json.loads(kind.read_text()).get("student") if kind.exists() else None


def load_pipeline(path: Path) -> PipelineClassifier:
    """Load a directory written by :func:`fit_pipeline`."""
    with (path / "model.pkl").open("rb") as handle:
        pipeline = pickle.load(handle)  # our own file, written by fit_pipeline
    return PipelineClassifier(pipeline, json.loads((path / "labels.json").read_text()))
