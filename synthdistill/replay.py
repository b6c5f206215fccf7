"""Replayable teacher calls: the cache entries a pipeline used, exported to a file that
travels with the repository and imported into any machine's teacher cache.

With the file imported, `dvc repro` on a fresh clone gets every teacher answer from the
cache (0 teacher calls) and rebuilds the committed outputs. Entries are content-addressed
(the cache key hashes backend, model sha256, engine version, rendered prompt, sampling
params and seed), so importing never changes an existing answer: the first one stored wins.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from synthdistill.errors import DataError
from synthdistill.io import atomic_open, read_jsonl
from synthdistill.teachers.cache import RECORD_FIELDS, TeacherCache

# Output files whose rows name the teacher call they came from.
CALL_FILES = (
    "generated.jsonl",
    "generate_rejected.jsonl",
    "fewgen_generated.jsonl",
    "fewgen_rejected.jsonl",
    "teacher_predictions.jsonl",
)
# Lineage fields that name teacher calls: one key, or (SELF-GUIDE's answers) a list.
CALL_FIELDS = ("teacher_call", "input_call", "answer_calls")


def keys_in_outputs(data_dirs: Iterable[Path]) -> set[str]:
    """Cache keys that the outputs under ``data_dirs`` were built from (row lineage)."""
    keys: set[str] = set()
    for directory in data_dirs:
        for name in CALL_FILES:
            path = directory / name
            if not path.exists():
                continue
            for row in read_jsonl(path, allow_empty=True):
                lineage = row.get("lineage") or {}
                for field in CALL_FIELDS:
                    value = lineage.get(field) or row.get(field)
                    values = value if isinstance(value, list) else [value]
                    keys.update(str(v) for v in values if v)
    return keys


def export_calls(cache: TeacherCache, out: Path, keys: set[str] | None = None) -> int:
    """Write the cache entries for ``keys`` (all entries if None), sorted by key, gzipped
    JSONL with a fixed mtime so the same entries always give the same bytes."""
    rows = cache.records(keys)
    missing = (keys or set()) - {row["key"] for row in rows}
    if missing:
        raise DataError(
            f"{len(missing)} teacher call(s) the outputs name are not in the cache "
            f"({cache.path}), e.g. {sorted(missing)[0]}: re-run the stage that made them"
        )
    with atomic_open(out, "wb") as handle, gzip.GzipFile(fileobj=handle, mode="wb", mtime=0) as gz:
        for row in sorted(rows, key=lambda r: r["key"]):
            gz.write((json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode())
    return len(rows)


def import_calls(cache: TeacherCache, source: Path) -> tuple[int, int]:
    """Load an export into the cache; returns (records read, records that were new)."""
    if not source.exists():
        raise DataError(f"{source}: file not found (make one with `synthdistill replay export`)")
    records: list[dict[str, Any]] = []
    try:
        with gzip.open(source, "rt", encoding="utf-8") as handle:
            for lineno, line in enumerate(handle, start=1):
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(f"{source}:{lineno}: malformed JSON ({exc.msg})") from None
                if not isinstance(row, dict):
                    raise DataError(f"{source}:{lineno}: a record must be a JSON object")
                absent = [field for field in RECORD_FIELDS if field not in row]
                if absent:
                    raise DataError(f"{source}:{lineno}: missing field(s) {', '.join(absent)}")
                for field in ("key", "text", "finish_reason"):
                    if not isinstance(row[field], str):
                        raise DataError(
                            f"{source}:{lineno}: field '{field}' is {row[field]!r}, not text"
                        )
                records.append(row)
    except (gzip.BadGzipFile, EOFError, UnicodeDecodeError) as exc:
        raise DataError(
            f"{source}: not a replay file ({exc}); `synthdistill replay export` writes "
            "gzipped JSONL"
        ) from None
    return len(records), cache.add_records(records)
