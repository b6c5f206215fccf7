"""The in-loop student of active generation: trained on rows into a directory, loaded,
and asked for label probabilities.

For an LM student (classification as generation) the probabilities are a softmax over
the labels of minus the mean per-token negative log-likelihood of each label name as the
answer (the loss the student is trained with), since its greedy answer has none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from synthdistill.lm.model import LMStudent
from synthdistill.lm.tuning import IGNORE, encode_pair
from synthdistill.params import LMParams, ParamsError, SetFitParams, TrainParams
from synthdistill.students import (
    STUDENTS,
    Student,
    is_lm,
    is_setfit,
    load_student,
    train_student,
)
from synthdistill.students.lm_classifier import LMClassifier
from synthdistill.templates import classify_prompt


@dataclass(frozen=True)
class StudentTrainer:
    """Trains the student ``params.student`` on rows into a directory and loads it."""

    labels: list[str]
    params: TrainParams
    lang: str = "en"
    lm: LMParams | None = None
    setfit: SetFitParams | None = None

    @property
    def name(self) -> str:
        return self.params.student

    def check_warm_start(self) -> None:
        """A ParamsError unless the student can continue from its previous weights: a
        fine-tuned encoder (a linear student's convex fit reaches the same optimum from
        scratch; an LM student's LoRA continuation and a SetFit student's are not built)."""
        if self.name in STUDENTS or is_lm(self.name) or is_setfit(self.name):
            raise ParamsError(
                f"active.warm_start: the in-loop student '{self.name}' cannot continue from "
                "the previous round; choose a fine-tuned encoder (e.g. minilm-l6, "
                "a local model directory or a hub name) or set active.warm_start: false"
            )

    def __call__(
        self, rows: list[dict[str, Any]], out_dir: Path, init: Path | None = None
    ) -> Student:
        """Train on ``rows`` into ``out_dir`` from the pretrained model, or from the
        student saved in ``init`` (its weights and head: a warm start)."""
        params = self.params
        if init is not None:
            self.check_warm_start()
            params = params.model_copy(update={"student": str(init)})
        train_student(rows, self.labels, params, out_dir, None, self.lang, self.lm, self.setfit)
        student = load_student(out_dir)
        return LikelihoodClassifier(student) if isinstance(student, LMClassifier) else student


@dataclass
class LikelihoodClassifier:
    """An LM classifier whose label probabilities come from its answer likelihoods."""

    inner: LMClassifier
    labels: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.labels = self.inner.labels

    def predict(self, texts: Any, batch_size: int = 16) -> list[str]:
        return self.inner.predict(texts, batch_size)

    def predict_proba(self, texts: Any, batch_size: int = 16) -> np.ndarray:
        prompts = [classify_prompt(str(t), self.labels, self.inner.lang) for t in texts]
        pairs = [(prompt, label) for prompt in prompts for label in self.labels]
        nll = np.array(answer_nll(self.inner.student, pairs, batch_size), dtype=float)
        logits = -nll.reshape(len(prompts), len(self.labels))
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        return np.asarray(weights / weights.sum(axis=1, keepdims=True))


def answer_nll(
    student: LMStudent,
    pairs: list[tuple[str, str]],
    batch_size: int = 16,
    max_length: int = 512,
) -> list[float]:
    """Mean per-token negative log-likelihood of each (prompt, answer) pair's answer (its
    tokens + EOS) after the prompt, as in training (:func:`encode_pair`)."""
    tok = student.tokenizer
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    encoded = [encode_pair(student, prompt, answer, max_length) for prompt, answer in pairs]
    out = [0.0] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda i: len(encoded[i]["input_ids"]))
    student.model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            batch = [encoded[i] for i in index]
            ids, mask = _padded(batch, "input_ids", pad), _padded(batch, "attention_mask", 0)
            target = _padded(batch, "labels", IGNORE)[:, 1:]
            logits = student.model(input_ids=ids, attention_mask=mask).logits
            losses = torch.nn.functional.cross_entropy(
                logits[:, :-1].float().transpose(1, 2),
                target,
                ignore_index=IGNORE,
                reduction="none",
            )
            per_token = losses.sum(dim=1) / (target != IGNORE).sum(dim=1).clamp(min=1)
            for row, i in enumerate(index):
                out[i] = float(per_token[row])
    return out


def _padded(rows: list[dict[str, Any]], key: str, value: int) -> torch.Tensor:
    """The rows' ``key`` lists right-padded with ``value`` to the longest, as a tensor."""
    width = max(len(row[key]) for row in rows)
    return torch.tensor([row[key] + [value] * (width - len(row[key])) for row in rows])
