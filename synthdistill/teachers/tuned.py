"""Where a tune_teacher run leaves the tuned teacher (read by the generate stage without
loading any training code), and the record of a run that tuned none."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from synthdistill.errors import DataError
from synthdistill.io import read_json, write_json

ADAPTER = "adapter.gguf"  # the GGUF LoRA adapter llama.cpp applies to the base teacher
META = "teacher.json"  # tuned or not, base model, adapter sha256, tuning time and losses


def tuned_adapter(out_dir: Path) -> Path:
    """The adapter a tune_teacher run wrote to ``out_dir``; a clear error if none was."""
    meta_path = out_dir / META
    if not meta_path.exists() or not read_json(meta_path).get("tuned"):
        raise DataError(
            f"{out_dir}: no tuned teacher there (run the tune_teacher stage for a method "
            "that uses one)"
        )
    return out_dir / ADAPTER


def skip_tuning(out_dir: Path, reason: str) -> dict[str, Any]:
    """Record that no teacher was tuned (the method does not use one)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    meta = {"tuned": False, "reason": reason}
    write_json(out_dir / META, meta)
    return meta
