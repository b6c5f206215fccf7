"""A compact non-neural student: TF-IDF over language-layer tokens + logistic regression.

Tokens come from the language layer, so Japanese is tokenised by MeCab (the offline
English encoder's WordPiece vocabulary mangles Japanese). Trains in a second.
"""

from __future__ import annotations

import json
import pickle
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from synthdistill.io import atomic_open, write_json
from synthdistill.params import TrainParams
from synthdistill.text import tokenize

STUDENT_NAME = "tfidf"
KIND_FILE = "student.json"


@dataclass(frozen=True)
class LanguageTokenizer:
    """Picklable callable: the language layer's tokens, lower-cased."""

    lang: str

    def __call__(self, text: str) -> list[str]:
        return tokenize(text, self.lang, lowercase=True)


class TfidfClassifier:
    def __init__(self, pipeline: Pipeline, labels: list[str]) -> None:
        self.pipeline = pipeline
        self.labels = labels

    def predict_proba(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        proba = self.pipeline.predict_proba(list(texts))
        order = [list(self.pipeline.classes_).index(label) for label in self.labels]
        return np.asarray(proba)[:, order]

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))]


def train_tfidf(
    rows: list[dict[str, Any]],
    labels: list[str],
    params: TrainParams,
    out_dir: Path,
    lang: str,
    live_dir: Path | None = None,
) -> dict[str, Any]:
    """Fit and save; ``params.seed`` seeds the solver. Needs two labels in ``rows``."""
    start = time.perf_counter()
    texts = [str(row["text"]) for row in rows]
    targets = [str(row["label"]) for row in rows]
    unknown = sorted(set(targets) - set(labels))
    if unknown:
        raise ValueError(f"labels not in the task: {unknown}; valid labels: {', '.join(labels)}")
    if len(set(targets)) < 2:
        raise ValueError("the tfidf student needs examples of at least two labels")
    pipeline = Pipeline(
        [
            (
                "tfidf",
                TfidfVectorizer(
                    tokenizer=LanguageTokenizer(lang),
                    lowercase=False,
                    token_pattern=None,
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                ),
            ),
            ("clf", LogisticRegression(C=10.0, max_iter=2000, random_state=params.seed)),
        ]
    )
    pipeline.fit(texts, targets)
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_open(out_dir / "model.pkl", "wb") as handle:
        pickle.dump(pipeline, handle)
    write_json(out_dir / "labels.json", labels)
    write_json(out_dir / KIND_FILE, {"student": STUDENT_NAME, "lang": lang})
    train_accuracy = float(pipeline.score(texts, targets))
    if live_dir is not None:  # same place as the encoder's dvclive metrics
        write_json(live_dir / "metrics.json", {"train": {"accuracy": round(train_accuracy, 4)}})
    return {
        "train_accuracy": round(train_accuracy, 4),
        "student": STUDENT_NAME,
        "n_train": len(rows),
        "per_label": dict(Counter(targets)),
        "seconds": round(time.perf_counter() - start, 2),
    }


def is_tfidf(path: Path) -> bool:
    kind = path / KIND_FILE
    return kind.exists() and json.loads(kind.read_text()).get("student") == STUDENT_NAME


def load_tfidf(path: Path) -> TfidfClassifier:
    with (path / "model.pkl").open("rb") as handle:
        pipeline = pickle.load(handle)  # our own file, written by train_tfidf
    return TfidfClassifier(pipeline, json.loads((path / "labels.json").read_text()))
