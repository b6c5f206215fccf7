"""Metadata from a GGUF file's header, read by streaming only up to the keys asked for.

``gguf.GGUFReader`` (the pinned ``gguf`` package) parses the whole key-value section,
every vocabulary string as its own array, and every tensor entry before a single key can
be read: 2-15 s per call on the packaged GGUF files (SmolLM2-135M to Qwen2.5-1.5B, 2
shared cores), against well under 0.3 s here, which stops at the last wanted key and
skips the values it does not keep (a 150k-token vocabulary is one seek). The value types
and the magic come from the ``gguf`` package; ``tests/lm/test_gguf_file.py`` checks that
both readers agree on the packaged model.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path
from typing import Any, BinaryIO

from gguf import GGUF_MAGIC, GGUFValueType

# fixed-size scalar value types -> struct format (little endian, standard sizes); the
# keys are plain ints, as read from the file (comparing enum members is slower in the loop)
_SCALARS: dict[int, str] = {
    int(vtype): fmt
    for vtype, fmt in (
        (GGUFValueType.UINT8, "B"),
        (GGUFValueType.INT8, "b"),
        (GGUFValueType.UINT16, "H"),
        (GGUFValueType.INT16, "h"),
        (GGUFValueType.UINT32, "I"),
        (GGUFValueType.INT32, "i"),
        (GGUFValueType.FLOAT32, "f"),
        (GGUFValueType.BOOL, "?"),
        (GGUFValueType.UINT64, "Q"),
        (GGUFValueType.INT64, "q"),
        (GGUFValueType.FLOAT64, "d"),
    )
}
_STRING, _ARRAY = int(GGUFValueType.STRING), int(GGUFValueType.ARRAY)
_MIN_VERSION = 2  # version 1 (64-bit counts came in v2) is not read


def _read(handle: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize("<" + fmt)
    data = handle.read(size)
    if len(data) != size:
        raise ValueError("truncated GGUF header")
    return struct.unpack("<" + fmt, data)[0]


def _read_str(handle: BinaryIO) -> str:
    return handle.read(_read(handle, "Q")).decode("utf-8", errors="replace")


def _read_value(handle: BinaryIO, vtype: int, keep: bool) -> Any:
    """The next value of type ``vtype`` (None and skipped over when not ``keep``)."""
    if vtype in _SCALARS:
        return _read(handle, _SCALARS[vtype])
    if vtype == _STRING:
        if keep:
            return _read_str(handle)
        handle.seek(_read(handle, "Q"), os.SEEK_CUR)
        return None
    if vtype == _ARRAY:
        etype, count = _read(handle, "I"), _read(handle, "Q")
        if etype in _SCALARS and not keep:
            handle.seek(count * struct.calcsize("<" + _SCALARS[etype]), os.SEEK_CUR)
            return None
        items = [_read_value(handle, etype, keep) for _ in range(count)]
        return items if keep else None
    raise ValueError(f"unknown GGUF value type {vtype}")


def gguf_metadata(path: str | Path, keys: set[str]) -> dict[str, Any]:
    """Read the given metadata ``keys`` from a GGUF file header (missing keys are absent).

    A file that is no GGUF file (or a truncated or unsupported one) is a ValueError
    naming ``path``; a missing file is the OSError of opening it."""
    found: dict[str, Any] = {}
    with Path(path).open("rb") as handle:
        magic = handle.read(4)
        if len(magic) != 4 or struct.unpack("<I", magic)[0] != GGUF_MAGIC:
            raise ValueError(f"{path}: not a GGUF file")
        try:
            version = _read(handle, "I")
            if version < _MIN_VERSION:
                raise ValueError(f"GGUF version {version} is not supported")
            _read(handle, "Q")  # tensor count
            for _ in range(_read(handle, "Q")):
                key = _read_str(handle)
                value = _read_value(handle, _read(handle, "I"), key in keys)
                if key in keys:
                    found[key] = value
                    if len(found) == len(keys):
                        break
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None
    return found


def gguf_has_chat_template(path: str | Path) -> bool:
    """True if the GGUF file carries a chat template (instruct models do, base models don't)."""
    meta = gguf_metadata(path, {"tokenizer.chat_template"})
    return bool(meta.get("tokenizer.chat_template"))
