"""Loading an exported student (``synthdistill export``, :mod:`synthdistill.export_model`):
the runtime side, shared by ``synthdistill predict`` and the export's own parity checks.

An exported folder holds ``export.json`` (its format, base model and labels). An encoder
export runs its ``onnx/model.onnx`` on onnxruntime when that folder is present (else the
``save_pretrained`` files on torch); a linear export (``head.json``) recomputes the
student's features (e5 embeddings or TF-IDF) and applies the saved linear head in numpy.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from synthdistill.embeddings import E5Encoder
from synthdistill.errors import DataError
from synthdistill.students.classifier import load_classifier

EXPORT_FILE = "export.json"  # marks an exported folder
ONNX_DIR = "onnx"
ONNX_FILE = "model.onnx"
HEAD_FILE = "head.json"
# Formats (export.json "format")
ENCODER_FORMAT = "hf-encoder+onnx"
E5_FORMAT = "e5-linear-head"
TFIDF_FORMAT = "tfidf-linear-head"


def is_exported(path: Path) -> bool:
    return (path / EXPORT_FILE).is_file()


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, stable (the maximum subtracted first)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def cpu_threads() -> int:
    """OMP_NUM_THREADS when set, else the usable cores (as the torch student uses)."""
    if os.environ.get("OMP_NUM_THREADS", "").isdigit():
        return max(1, int(os.environ["OMP_NUM_THREADS"]))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, cores or 1)


class OnnxClassifier:
    """An exported encoder on onnxruntime: batches as the torch
    :class:`~synthdistill.students.classifier.Classifier` does (sorted by length, padded
    to the longest, truncated at the tokenizer's ``model_max_length``), softmax in numpy."""

    def __init__(self, directory: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
        self.labels: list[str] = [str(label) for label in labels]
        self.tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        self.max_length = int(self.tokenizer.model_max_length)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or cpu_threads()
        options.inter_op_num_threads = 1
        # No busy-waiting between runs (as OMP_WAIT_POLICY=PASSIVE for torch): spinning
        # threads starve the tokenizer and other processes on a 2-core machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(
            str(directory / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = [node.name for node in self.session.get_inputs()]

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        batch = self.tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="np",
        )
        feed = {name: np.asarray(batch[name], dtype=np.int64) for name in self.inputs}
        return np.asarray(self.session.run(["logits"], feed)[0], dtype=np.float32)

    def predict_proba(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        probs = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            probs[index] = softmax(self.logits([texts[i] for i in index]))
        return probs

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[str]:
        best = self.predict_proba(texts, batch_size).argmax(axis=1)
        return [self.labels[i] for i in best]


@dataclass
class LinearHead:
    """Standardisation (optional) and a linear layer + softmax; rows of ``coef`` follow
    ``labels`` (a binary scikit-learn head is stored as two rows, the first zero)."""

    labels: list[str]
    coef: np.ndarray
    intercept: np.ndarray
    mean: np.ndarray | None = None
    scale: np.ndarray | None = None

    @classmethod
    def from_json(cls, head: dict[str, Any]) -> LinearHead:
        def array(key: str) -> np.ndarray | None:
            return None if head.get(key) is None else np.asarray(head[key], dtype=np.float64)

        coef, intercept = array("coef"), array("intercept")
        assert coef is not None and intercept is not None
        return cls([str(x) for x in head["labels"]], coef, intercept, array("mean"), array("scale"))

    def proba(self, features: np.ndarray) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        if self.mean is not None and self.scale is not None:
            x = (x - self.mean) / self.scale
        return softmax(x @ self.coef.T + self.intercept)


def tfidf_tokenizer(head: dict[str, Any]) -> Callable[[str], list[str]]:
    """The tokens the tfidf student saw: MeCab (unidic-lite) surfaces holding a letter or
    digit for Japanese, else the saved regex's matches; case-folded."""
    if head["tokenizer"] == "mecab-unidic-lite":
        import fugashi
        import unidic_lite

        dicdir = unidic_lite.DICDIR
        tagger = fugashi.Tagger(f'-d "{dicdir}" -r "{os.path.join(dicdir, "mecabrc")}"')

        def mecab(text: str) -> list[str]:
            surfaces = [word.surface for word in tagger(text)]
            return [s.casefold() for s in surfaces if any(c.isalnum() for c in s)]

        return mecab
    word = re.compile(head["token_pattern"])
    return lambda text: [token.casefold() for token in word.findall(text)]


def tfidf_features(
    texts: Sequence[str], head: dict[str, Any], tokens: Callable[[str], list[str]]
) -> np.ndarray:
    """scikit-learn's TfidfVectorizer.transform from the saved vocabulary and idf."""
    index = {term: i for i, term in enumerate(head["vocabulary"])}
    idf = np.asarray(head["idf"], dtype=np.float64)
    low, high = head["ngram_range"]
    out = np.zeros((len(texts), len(idf)))
    for row, text in enumerate(texts):
        words = tokens(text)
        counts: dict[int, int] = {}
        for n in range(low, high + 1):
            for i in range(len(words) - n + 1):
                j = index.get(" ".join(words[i : i + n]))
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
        for j, count in counts.items():
            tf = 1 + math.log(count) if head["sublinear_tf"] else count
            out[row, j] = tf * idf[j]
        norm = float(np.sqrt((out[row] ** 2).sum()))
        if norm:
            out[row] /= norm
    return out


class LinearExport:
    """An exported ``e5-linear`` or ``tfidf`` student (``head.json``)."""

    def __init__(self, directory: Path, kind: str) -> None:
        self.head_json: dict[str, Any] = json.loads((directory / HEAD_FILE).read_text("utf-8"))
        self.head = LinearHead.from_json(self.head_json)
        self.labels = self.head.labels
        self.kind = kind
        self._tokens = tfidf_tokenizer(self.head_json) if kind == TFIDF_FORMAT else None

    def features(self, texts: Sequence[str]) -> np.ndarray:
        if self._tokens is not None:
            return tfidf_features(texts, self.head_json, self._tokens)
        return np.asarray(E5Encoder().queries(list(texts)), dtype=np.float64)

    def predict_proba(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self.head.proba(self.features(texts))

    def predict(self, texts: Sequence[str], batch_size: int = 32) -> list[str]:
        return [self.labels[i] for i in self.predict_proba(texts).argmax(axis=1)]


def load_exported(directory: Path, prefer_onnx: bool = True) -> Any:
    """A Student over an exported folder: ONNX when ``onnx/`` is there (and
    ``prefer_onnx``), else the torch model; a linear head for the linear formats."""
    meta = json.loads((directory / EXPORT_FILE).read_text("utf-8"))
    kind = meta.get("format")
    if kind == ENCODER_FORMAT:
        if prefer_onnx and (directory / ONNX_DIR / ONNX_FILE).is_file():
            return OnnxClassifier(directory / ONNX_DIR)
        return load_classifier(directory)
    if kind in (E5_FORMAT, TFIDF_FORMAT):
        return LinearExport(directory, kind)
    raise DataError(f"{directory / EXPORT_FILE}: unknown export format {kind!r}")
