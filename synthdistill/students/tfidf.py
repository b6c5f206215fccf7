"""A compact non-neural student: TF-IDF over language-layer tokens + logistic regression.

Tokens come from the language layer, so Japanese is tokenised by MeCab (the offline
English encoder's WordPiece vocabulary mangles Japanese). Trains in a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from synthdistill.params import TrainParams
from synthdistill.students.linear import fit_pipeline
from synthdistill.text import tokenize

STUDENT_NAME = "tfidf"


@dataclass(frozen=True)
class LanguageTokenizer:
    """Picklable callable: the language layer's tokens, lower-cased."""

    lang: str

    def __call__(self, text: str) -> list[str]:
        return tokenize(text, self.lang, lowercase=True)


def train_tfidf(
    rows: list[dict[str, Any]],
    labels: list[str],
    params: TrainParams,
    out_dir: Path,
    lang: str,
    live_dir: Path | None = None,
) -> dict[str, Any]:
    """Fit and save; ``params.seed`` seeds the solver. Needs two labels in ``rows``."""
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
    return fit_pipeline(STUDENT_NAME, pipeline, rows, labels, out_dir, live_dir, {"lang": lang})
