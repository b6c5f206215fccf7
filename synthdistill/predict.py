"""``synthdistill predict``: a trained student labels new texts.

Any student directory the pipeline writes (``models/<task>/student``, ``.../seeds``, ...:
a fine-tuned encoder, an ``e5-linear`` or ``tfidf`` pipeline, an LM classifier), or a
folder ``synthdistill.export_model`` wrote (an encoder on onnxruntime when it has
``onnx/``), reads texts from a CSV, JSONL or Parquet file (the field is named) or from
stdin lines, and writes, per row, the label and the probability of every label, as JSONL
or CSV (by the output file's suffix; stdout: JSONL).
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from tqdm.auto import tqdm

from synthdistill.errors import DataError
from synthdistill.exported import is_exported, load_exported
from synthdistill.io import atomic_open
from synthdistill.students import Student, load_student
from synthdistill.tasks import read_records

BATCH = 64  # texts per forward pass; a progress bar shows above one batch
DECIMALS = 4  # probabilities are written rounded


def read_texts(source: Path | None, field: str, stdin: TextIO | None = None) -> list[str]:
    """The texts to label: ``field`` of each record of ``source``, or stdin's non-empty
    lines when ``source`` is None (or ``-``)."""
    if source is None or str(source) == "-":
        texts = [line.rstrip("\n") for line in (stdin or sys.stdin) if line.strip()]
        if not texts:
            raise DataError("standard input holds no text (one text a line)")
        return texts
    texts = []
    for where, record in read_records(source, "--input"):
        if field not in record:
            have = ", ".join(map(str, record))
            raise DataError(f"{where}: no field '{field}' (--field); the record has: {have}")
        value = record[field]
        if value is None or str(value).strip() == "":
            raise DataError(f"{where}: field '{field}' is empty")
        texts.append(str(value))
    return texts


def open_student(path: Path) -> Student:
    """A saved student, or an exported one (``export.json``: on onnxruntime when it holds
    ``onnx/``), or a clear error for a directory that holds none."""
    if not path.is_dir():
        raise DataError(f"{path}: not a directory (a student is a folder under models/)")
    try:
        if is_exported(path):
            student: Student = load_exported(path)
            return student
        return load_student(path)
    except (OSError, ValueError, KeyError) as err:
        raise DataError(
            f"{path}: not a student directory ({err}); students are the folders the train "
            "stages write, e.g. models/<task>/student"
        ) from None


def predict_rows(
    student: Student, texts: Sequence[str], progress: bool = True
) -> Iterator[dict[str, Any]]:
    """``{"text", "label", "probabilities": {label: p}}`` per text, in batches."""
    batches = range(0, len(texts), BATCH)
    for start in tqdm(
        batches, desc="predict", unit="batch", disable=not progress or len(batches) < 2
    ):
        chunk = list(texts[start : start + BATCH])
        proba = student.predict_proba(chunk, batch_size=BATCH)
        for text, row in zip(chunk, proba, strict=True):
            scores = {
                label: round(float(p), DECIMALS)
                for label, p in zip(student.labels, row, strict=True)
            }
            yield {
                "text": text,
                "label": max(scores, key=lambda label: scores[label]),
                "probabilities": scores,
            }


def write_rows(rows: Sequence[dict[str, Any]], labels: Sequence[str], out: Path | None) -> None:
    """JSONL (stdout, or a ``.jsonl`` file) or CSV (a ``.csv`` file: one column per label)."""
    if out is None:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    suffix = out.suffix.lower()
    if suffix not in (".jsonl", ".csv"):
        raise DataError(f"{out}: write .jsonl or .csv")
    with atomic_open(out, "w") as handle:
        if suffix == ".jsonl":
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["text", "label", *(f"p_{label}" for label in labels)])
        for row in rows:
            writer.writerow([row["text"], row["label"], *row["probabilities"].values()])
        handle.write(buffer.getvalue())
