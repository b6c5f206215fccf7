"""SetFit (Tunstall et al. 2022), the field's standard few-shot classifier, as a student.

A sentence-transformer body is tuned contrastively on pairs of training texts (same
label or not), then a logistic-regression head is fitted on its embeddings. The student
name is ``setfit`` (body: the packaged MiniLM, English) or ``setfit:<encoder>`` with any
encoder ``train.student`` accepts (a registry name, a local sentence-transformers
directory, a hub name for online users). Settings: params section ``setfit``
(pair-sampling iterations, body epochs and learning rate), plus ``train.batch_size``,
``train.max_length`` and ``train.seed``.

A saved student is SetFit's own ``save_pretrained`` folder (body + ``model_head.pkl``)
with ``labels.json`` and the ``student.json`` marker.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from synthdistill.assets import resolve_model
from synthdistill.io import replace_dir, write_json
from synthdistill.live import open_live
from synthdistill.params import SetFitParams, TrainParams

STUDENT_NAME = "setfit"
DEFAULT_BODY = "minilm-l6"
KIND_FILE = "student.json"


def is_setfit(name: str) -> bool:
    return name == STUDENT_NAME or name.startswith(f"{STUDENT_NAME}:")


def body_of(name: str) -> str:
    """The encoder a SetFit student name tunes (``setfit`` -> the packaged MiniLM)."""
    return name.partition(":")[2] or DEFAULT_BODY


def is_setfit_dir(directory: Path) -> bool:
    marker = directory / KIND_FILE
    if not marker.exists():
        return False
    return bool(json.loads(marker.read_text(encoding="utf-8")).get("student") == STUDENT_NAME)


class SetFitStudent:
    """A trained SetFit model; ``labels[i]`` is the name of ``predict_proba`` column ``i``."""

    def __init__(self, model: Any, labels: list[str]) -> None:
        self.model = model
        self.labels = labels

    def predict_proba(self, texts: Any, batch_size: int = 32) -> np.ndarray:
        proba = np.asarray(self.model.predict_proba(list(texts), batch_size=batch_size))
        classes = [str(c) for c in self.model.model_head.classes_]
        return proba[:, [classes.index(label) for label in self.labels]]

    def predict(self, texts: Any, batch_size: int = 32) -> list[str]:
        proba = self.predict_proba(texts, batch_size)
        return [self.labels[i] for i in proba.argmax(axis=1)]


def train_setfit(
    rows: list[dict[str, Any]],
    labels: list[str],
    name: str,
    params: TrainParams,
    settings: SetFitParams,
    out_dir: Path,
    live_dir: Path | None = None,
) -> dict[str, Any]:
    """Tune the body on contrastive pairs, fit the head, save to ``out_dir`` atomically.
    Needs two labels in ``rows``."""
    from datasets import Dataset  # lazy: setfit pulls in its trainer stack
    from setfit import SetFitModel, Trainer, TrainingArguments

    texts = [str(row["text"]) for row in rows]
    targets = [str(row["label"]) for row in rows]
    unknown = sorted(set(targets) - set(labels))
    if unknown:
        raise ValueError(f"labels not in the task: {unknown}; valid labels: {', '.join(labels)}")
    if len(set(targets)) < 2:
        raise ValueError(f"the {name} student needs examples of at least two labels")
    body = resolve_model(body_of(name))
    start = time.perf_counter()
    model = SetFitModel.from_pretrained(body.path, labels=labels)
    model.model_body.max_seq_length = params.max_length
    scratch = Path(tempfile.mkdtemp(prefix="setfit-"))  # SetFit's checkpoints dir: unused
    args = TrainingArguments(
        output_dir=str(scratch),
        save_strategy="no",
        batch_size=params.batch_size,
        num_epochs=settings.epochs,
        num_iterations=settings.iterations,
        body_learning_rate=settings.body_lr,
        seed=params.seed,
        report_to="none",  # transformers' DVCLive callback cannot serialise SetFit's loss
        show_progress_bar=True,
    )
    trainer = Trainer(
        model=model, args=args, train_dataset=Dataset.from_dict({"text": texts, "label": targets})
    )
    try:
        trainer.train()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    student = SetFitStudent(model, labels)
    predicted = student.predict(texts)
    train_accuracy = round(
        sum(p == g for p, g in zip(predicted, targets, strict=True)) / len(rows), 4
    )

    def save(scratch: Path) -> None:
        model.save_pretrained(str(scratch))
        write_json(scratch / "labels.json", labels)
        write_json(scratch / KIND_FILE, {"student": STUDENT_NAME, "body": body.name})

    replace_dir(out_dir, save)
    live = open_live(live_dir)
    if live is not None:
        live.log_metric("train/accuracy", train_accuracy)
        live.next_step()
        live.end()
    return {
        "train_accuracy": train_accuracy,
        "train_seconds": round(time.perf_counter() - start, 1),
        "n_train": len(rows),
        "label_counts": dict(sorted(Counter(targets).items())),
    }


def load_setfit(directory: Path) -> SetFitStudent:
    from setfit import SetFitModel  # lazy, as above

    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    return SetFitStudent(SetFitModel.from_pretrained(str(directory)), labels)
