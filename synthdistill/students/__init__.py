"""Student models trained on teacher-made data.

``train.student`` (or ``tasks.<task>.student``) is an HF encoder (registry name, local
path, hub name) fine-tuned as a classifier, or ``tfidf``: TF-IDF over the language
layer's tokens (MeCab for Japanese) + logistic regression.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from synthdistill.params import TrainParams
from synthdistill.students.classifier import Classifier, load_classifier, train_classifier
from synthdistill.students.tfidf import STUDENT_NAME, is_tfidf, load_tfidf, train_tfidf


class Student(Protocol):
    labels: list[str]

    def predict(self, texts: Any, batch_size: int = 32) -> list[str]: ...

    def predict_proba(self, texts: Any, batch_size: int = 32) -> np.ndarray: ...


def train_student(
    rows: list[dict[str, Any]],
    labels: list[str],
    params: TrainParams,
    out_dir: Path,
    live_dir: Path | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Train the student ``params.student`` and save it to ``out_dir``."""
    if params.student == STUDENT_NAME:
        shutil.rmtree(out_dir, ignore_errors=True)
        return train_tfidf(rows, labels, params, out_dir, lang, live_dir)
    return train_classifier(rows, labels, params, out_dir, live_dir)


def load_student(path: str | Path) -> Student:
    """Load any student written by :func:`train_student`."""
    directory = Path(path)
    return load_tfidf(directory) if is_tfidf(directory) else load_classifier(directory)


__all__ = [
    "Classifier",
    "Student",
    "load_classifier",
    "load_student",
    "train_classifier",
    "train_student",
]
