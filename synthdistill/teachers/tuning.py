"""Tune a teacher with LoRA on the labelled seeds and export the adapter for llama.cpp.

The adapter (``adapter.gguf``) is applied by llama.cpp on top of the teacher's packaged
quantized GGUF, so the tuned teacher generates at llama.cpp speed; its sha256 is part of
the teacher's cache identity (:class:`~synthdistill.teachers.llamacpp.LlamaCppBackend`),
so a re-tuned teacher is never served the old teacher's answers.

Tuning is deterministic (fixed seeds, CPU), so a finished tuning is kept in the teacher
cache directory under the hash of everything that shapes it (base GGUF, pairs, settings,
library versions): a second stage run with the same inputs (another method's experiment
that uses the same tuned teacher) copies it instead of tuning again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from synthdistill.assets import engine_version, resolve_model
from synthdistill.cachedir import default_cache_dir
from synthdistill.errors import DataError, ParamsError
from synthdistill.io import read_json, write_json
from synthdistill.lm.adapter_gguf import write_lora_gguf
from synthdistill.lm.model import load_lm
from synthdistill.lm.tuning import train_lm
from synthdistill.params import LMParams
from synthdistill.teachers.tuned import ADAPTER, META


def tune_teacher(
    model: str,
    pairs: list[tuple[str, str]],
    settings: LMParams,
    out_dir: Path,
    live_dir: Path | None = None,
) -> dict[str, Any]:
    """LoRA-tune ``model`` (a GGUF teacher) on (prompt, answer) ``pairs`` with
    ``settings`` (:class:`~synthdistill.params.LMParams`); write ``adapter.gguf`` and
    ``teacher.json`` (base, sha256, minutes, losses) to ``out_dir``."""
    resolved = resolve_model(model)
    if Path(resolved.path).suffix != ".gguf":
        raise ParamsError(f"tune_teacher needs a GGUF teacher (llama.cpp); '{model}' is not one")
    if not pairs:
        raise DataError("tune_teacher needs labelled examples; the seed set is empty")
    stored = _stored_tuning(resolved.sha256 or resolved.path, pairs, settings)
    if (stored / META).exists():
        shutil.rmtree(out_dir, ignore_errors=True)
        shutil.copytree(stored, out_dir)
        return {**read_json(out_dir / META), "reused": str(stored)}
    start = time.perf_counter()
    tuned = train_lm(load_lm(resolved), pairs, settings, live_dir)
    seconds = time.perf_counter() - start
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    digest = write_lora_gguf(tuned.model, resolved.path, out_dir / ADAPTER)
    meta = {
        "tuned": True,
        "base": model,
        "adapter_sha256": digest,
        "pairs": len(pairs),
        "tuning_seconds": round(seconds, 1),
        "losses": [round(x, 4) for x in tuned.losses],
    }
    write_json(out_dir / META, meta)
    _keep(out_dir, stored)
    return meta


def _stored_tuning(base: str, pairs: list[tuple[str, str]], settings: LMParams) -> Path:
    """Where a tuning of ``base`` on ``pairs`` with ``settings`` is kept."""
    blob = json.dumps(
        {
            "base": base,
            "pairs": pairs,
            # exclude_none: an unset max_steps keeps the key of tunings stored before it
            "settings": settings.model_dump(exclude_none=True),
            "engine": engine_version("torch", "transformers", "peft", "gguf"),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    key = hashlib.sha256(blob.encode("utf-8")).hexdigest()[:24]
    return default_cache_dir() / "tuned-teachers" / key


def _keep(out_dir: Path, stored: Path) -> None:
    """Copy a finished tuning into the store (atomically; a failure only costs time)."""
    scratch: Path | None = None
    try:
        stored.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{stored.name}.", dir=stored.parent))
        shutil.copytree(out_dir, scratch, dirs_exist_ok=True)
        os.replace(scratch, stored)
    except OSError:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
