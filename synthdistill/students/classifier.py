"""Fine-tune any Hugging Face encoder as a text classifier; save, reload, predict.

The model directory holds the usual ``save_pretrained`` files (the tokenizer's
``model_max_length`` is the training ``max_length``) plus ``labels.json``, the label order.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    get_linear_schedule_with_warmup,
)

from synthdistill.assets import REGISTRY, resolve_model
from synthdistill.io import replace_dir, write_json
from synthdistill.live import open_live
from synthdistill.params import TrainParams

LABELS_FILE = "labels.json"
WARMUP_RATIO = 0.1  # share of optimizer steps with a linearly rising learning rate
MAX_GRAD_NORM = 1.0  # gradient clipping
WEIGHT_DECAY = 0.01  # AdamW decay on weight matrices (not biases or norms)


@dataclass
class Classifier:
    """A trained classifier in eval mode; ``labels[i]`` is the name of output ``i``."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    labels: list[str]
    max_length: int

    def predict_proba(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """Class probabilities, shape ``(len(texts), len(labels))``, columns in label order."""
        probs = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        # Batches of similar length waste less compute on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                index = order[start : start + batch_size]
                batch = _encode(self.tokenizer, [texts[i] for i in index], self.max_length)
                logits = self.model(**batch.to(device)).logits
                probs[index] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return probs

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[str]:
        """The most probable label for each text."""
        best = self.predict_proba(texts, batch_size).argmax(axis=1)
        return [self.labels[i] for i in best]


def train_classifier(
    rows: list[dict[str, Any]],
    labels: list[str],
    params: TrainParams,
    out_dir: Path,
    live_dir: Path | None = None,
) -> dict[str, Any]:
    """Fine-tune ``params.student`` on rows ``{"text", "label"}``; save it to ``out_dir``.

    Deterministic under ``params.seed`` on a given machine. Logs the mean train loss per
    epoch to dvclive in ``live_dir`` (step = epoch). Returns a summary for logging.
    """
    targets = _label_ids(rows, labels)
    texts = [str(row["text"]) for row in rows]
    _use_all_cores()
    torch.manual_seed(params.seed)  # the new classification head's initial weights
    model, tokenizer = _load_pretrained(params.student, labels)
    device = _device()
    model.to(device)  # type: ignore[arg-type]  # transformers' decorator hides `self`
    model.train()

    steps = math.ceil(len(rows) / params.batch_size) * params.epochs
    optimizer = torch.optim.AdamW(_param_groups(model), lr=params.lr)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(WARMUP_RATIO * steps), steps)
    shuffle = torch.Generator().manual_seed(params.seed)
    live = open_live(live_dir)
    epoch_losses: list[float] = []
    started = time.perf_counter()
    for epoch in range(params.epochs):
        order = torch.randperm(len(rows), generator=shuffle).tolist()
        size = params.batch_size
        batches = [order[i : i + size] for i in range(0, len(order), size)]
        loss_sum = 0.0
        progress = tqdm(batches, desc=f"train epoch {epoch + 1}/{params.epochs}", unit="batch")
        for index in progress:
            batch = _encode(tokenizer, [texts[i] for i in index], params.max_length).to(device)
            gold = torch.tensor([targets[i] for i in index], device=device)
            loss = model(**batch, labels=gold).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            loss_sum += loss.item() * len(index)
            progress.set_postfix(loss=f"{loss.item():.4f}")
        epoch_losses.append(loss_sum / len(rows))
        if live is not None:
            live.log_metric("train/loss", epoch_losses[-1])
            live.next_step()
    seconds = time.perf_counter() - started
    if live is not None:
        live.end()

    model.eval()
    tokenizer.model_max_length = params.max_length
    _save_atomically(model, tokenizer, labels, Path(out_dir))
    counts = Counter(targets)
    return {
        "student": params.student,
        "n_train": len(rows),
        "per_label": {label: counts[i] for i, label in enumerate(labels)},
        "epochs": params.epochs,
        "epoch_losses": [round(loss, 4) for loss in epoch_losses],
        "final_loss": round(epoch_losses[-1], 4),
        "seconds": round(seconds, 1),
    }


def load_classifier(path: str | Path) -> Classifier:
    """Load a directory written by :func:`train_classifier` (local files only)."""
    directory = Path(path)
    if not (directory / LABELS_FILE).exists():
        raise FileNotFoundError(
            f"{directory}: not a trained classifier (no {LABELS_FILE}); run the train stage"
        )
    labels = [str(label) for label in json.loads((directory / LABELS_FILE).read_text())]
    _use_all_cores()
    tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
    model = AutoModelForSequenceClassification.from_pretrained(directory, local_files_only=True)
    if model.config.num_labels != len(labels):
        raise ValueError(
            f"{directory}: model has {model.config.num_labels} outputs but {LABELS_FILE} "
            f"lists {len(labels)} labels"
        )
    model.to(_device())
    model.eval()
    return Classifier(model, tokenizer, labels, int(tokenizer.model_max_length))


def _label_ids(rows: list[dict[str, Any]], labels: list[str]) -> list[int]:
    """Each row's label index; errors name the row and list the valid labels."""
    if not rows:
        raise ValueError("no training examples: the training set is empty")
    if len(set(labels)) != len(labels) or len(labels) < 2:
        raise ValueError(f"need at least two distinct labels, got {labels}")
    index = {label: i for i, label in enumerate(labels)}
    ids = []
    for number, row in enumerate(rows):
        row_id = row.get("id", f"#{number}")
        if not isinstance(row.get("text"), str):
            raise ValueError(f"row {row_id}: missing or non-text field 'text'")
        if row.get("label") not in index:
            raise ValueError(
                f"row {row_id}: unknown label {row.get('label')!r}; "
                f"valid labels: {', '.join(labels)}"
            )
        ids.append(index[row["label"]])
    return ids


def _load_pretrained(
    student: str, labels: list[str]
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    """Tokenizer and encoder with a fresh ``len(labels)``-way classification head."""
    if student in REGISTRY and REGISTRY[student].kind == "gguf":
        encoders = sorted(name for name, asset in REGISTRY.items() if asset.kind != "gguf")
        raise ValueError(
            f"train.student '{student}' is a GGUF chat model, not an encoder; choose one of: "
            f"{', '.join(encoders)}, a local model directory, or a hub name"
        )
    resolved = resolve_model(student)
    offline = resolved.local  # hub names (online users only) may download
    tokenizer = AutoTokenizer.from_pretrained(resolved.path, local_files_only=offline)
    model = AutoModelForSequenceClassification.from_pretrained(
        resolved.path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        ignore_mismatched_sizes=True,  # a checkpoint may carry a head of another size
        local_files_only=offline,
    )
    return model, tokenizer


def _encode(tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int) -> Any:
    return tokenizer(
        texts, padding=True, truncation=True, max_length=max_length, return_tensors="pt"
    )


def _param_groups(model: torch.nn.Module) -> list[dict[str, Any]]:
    """Weight decay on matrices only (biases and norm scales are left alone)."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": WEIGHT_DECAY},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


def _use_all_cores() -> None:
    """One torch thread per usable core, unless OMP_NUM_THREADS says otherwise."""
    if "OMP_NUM_THREADS" in os.environ:
        return
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    torch.set_num_threads(max(1, cores or 1))


def _device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def _save_atomically(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, labels: list[str], out_dir: Path
) -> None:
    """Write the student beside ``out_dir``, then swap it in for any old ``out_dir``."""

    def fill(tmp: Path) -> None:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        write_json(tmp / LABELS_FILE, labels)

    replace_dir(out_dir, fill)
