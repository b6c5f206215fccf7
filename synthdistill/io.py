"""Reading and writing records: JSONL with precise errors, atomic writes."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from synthdistill.errors import DataError as DataError


@contextmanager
def atomic_open(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temp file next to ``path`` and rename it over ``path`` on success.

    DVC therefore never sees (or caches) a half-written output.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the user's usual mode
    encoding = None if "b" in mode else "utf-8"
    try:
        with os.fdopen(fd, mode, encoding=encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_dir(out_dir: Path, fill: Callable[[Path], None]) -> None:
    """Build a directory with ``fill(scratch)`` beside ``out_dir``, then rename it into
    place (replacing any old ``out_dir``): readers see the old folder or the new one, never
    a half-written one. The folder gets the permissions a plain mkdir would give it
    (mkdtemp makes it private)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        fill(tmp)
        umask = _umask()
        for path in [tmp, *tmp.rglob("*")]:
            os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)
        if out_dir.exists():
            old = tmp.with_suffix(".old")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows as UTF-8 JSONL (Japanese stays readable) atomically; return the count."""
    count = 0
    with atomic_open(path) as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_json(path: str | Path, data: Any) -> None:
    """Write pretty JSON atomically (metrics files are diffed in git)."""
    with atomic_open(path) as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, sort_keys=False)
        handle.write("\n")


def read_json(path: str | Path) -> Any:
    """Read a JSON file; errors name the file and position."""
    source = Path(path)
    if not source.exists():
        raise DataError(f"{source}: file not found")
    try:
        return json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}:{exc.lineno}: malformed JSON ({exc.msg})") from None


def read_jsonl(
    path: str | Path, required: Iterable[str] = (), allow_empty: bool = False
) -> list[dict[str, Any]]:
    """Read JSONL; every problem is reported as ``file:line: what``."""
    return [row for _, row in read_jsonl_numbered(path, required, allow_empty)]


def read_jsonl_numbered(
    path: str | Path, required: Iterable[str] = (), allow_empty: bool = False
) -> list[tuple[int, dict[str, Any]]]:
    """Like :func:`read_jsonl`, with each record's line number."""
    source = Path(path)
    if not source.exists():
        raise DataError(f"{source}: file not found")
    required = tuple(required)
    rows: list[tuple[int, dict[str, Any]]] = []
    with source.open("rb") as handle:
        for lineno, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"{source}:{lineno}: invalid UTF-8 at byte {exc.start}; "
                    "re-encode the file as UTF-8"
                ) from None
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{source}:{lineno}: malformed JSON ({exc.msg} at column {exc.colno})"
                ) from None
            if not isinstance(row, dict):
                raise DataError(
                    f"{source}:{lineno}: expected a JSON object, got {type(row).__name__}"
                )
            for field in required:
                if field not in row:
                    raise DataError(f"{source}:{lineno}: missing field '{field}'")
                if row[field] is None or (isinstance(row[field], str) and not row[field].strip()):
                    raise DataError(f"{source}:{lineno}: field '{field}' is empty")
            rows.append((lineno, row))
    if not rows and not allow_empty:
        raise DataError(f"{source}: file is empty (no records)")
    return rows
