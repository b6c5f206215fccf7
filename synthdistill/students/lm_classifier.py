"""Classification as generation: a causal-LM student answers with the label name.

The prompt is the teacher-prompting one (the label names listed, "answer with the
category name only"); the student is LoRA-tuned (``lm`` params) to answer each training
text with its label, and its greedy answer is mapped to a label by the same strict
matcher as the teacher's (:func:`~synthdistill.text.answers.parse_label`): an answer
naming no label is a wrong prediction (``<invalid>``), never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthdistill.io import read_json
from synthdistill.lm.model import META, LMStudent, load_lm, load_saved_lm, save_lm
from synthdistill.lm.tuning import train_lm
from synthdistill.params import LMParams
from synthdistill.templates import classify_prompt
from synthdistill.text.answers import parse_label

INVALID = "<invalid>"  # an answer that names no label (as metrics.classification)
ANSWER_TOKENS = 8  # a label name is a few tokens


@dataclass
class LMClassifier:
    """The :class:`~synthdistill.students.Student` face of an LM student."""

    student: LMStudent
    labels: list[str]
    lang: str

    def predict(self, texts: Any, batch_size: int = 16) -> list[str]:
        prompts = [classify_prompt(str(t), self.labels, self.lang) for t in texts]
        answers = self.student.generate(prompts, ANSWER_TOKENS, batch_size=batch_size)
        return [parse_label(a, self.labels) or INVALID for a in answers]

    def predict_proba(self, texts: Any, batch_size: int = 16) -> np.ndarray:
        """One-hot of :meth:`predict` (uniform for an invalid answer): a generated
        answer has no calibrated probability."""
        predicted = self.predict(texts, batch_size)
        out = np.full((len(predicted), len(self.labels)), 1 / len(self.labels))
        for row, label in enumerate(predicted):
            if label in self.labels:
                out[row] = 0.0
                out[row, self.labels.index(label)] = 1.0
        return out


def train_lm_classifier(
    rows: list[dict[str, Any]],
    labels: list[str],
    params: LMParams,
    out_dir: Path,
    live_dir: Path | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """LoRA-tune ``params.student`` to answer each row's text with its label; save it."""
    if not rows:
        raise ValueError("no training examples: the training set is empty")
    unknown = sorted({str(r.get("label")) for r in rows} - set(labels))
    if unknown:
        raise ValueError(f"unknown label(s) {unknown}; valid labels: {', '.join(labels)}")
    pairs = [(classify_prompt(r["text"], labels, lang), r["label"]) for r in rows]
    tuned = train_lm(load_lm(params.student), pairs, params, live_dir)
    summary = {"pairs": len(pairs), "labels": labels, "language": lang}
    save_lm(tuned, params.student, out_dir, summary)
    return {"pairs": len(pairs), "student": params.student}


def is_lm_classifier(directory: Path) -> bool:
    meta = directory / META
    return meta.exists() and "labels" in read_json(meta)


def load_lm_classifier(directory: Path) -> LMClassifier:
    meta = read_json(directory / META)
    return LMClassifier(load_saved_lm(directory), list(meta["labels"]), meta["language"])
