"""The user-level cache directories: teacher calls, and models assembled from packages."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

from synthdistill.errors import DataError

CACHE_ENV = "SYNTHDISTILL_CACHE_DIR"  # teacher-call cache
MODELS_ENV = "SYNTHDISTILL_MODELS_DIR"  # GGUF files assembled from PyPI parts, hash stamps


def _absolute(value: str | None, default: str) -> Path:
    path = Path(value or default).expanduser()
    try:
        return path.resolve()
    except (OSError, RuntimeError) as err:  # a symlink loop, a path too long
        raise DataError(
            f"{path}: cannot be used as a cache directory ({err}); point ${CACHE_ENV} / "
            f"${MODELS_ENV} at a real directory"
        ) from None


def default_cache_dir() -> Path:
    """Absolute teacher-cache dir (``$SYNTHDISTILL_CACHE_DIR`` or the user's cache dir).

    Absolute on purpose: ``dvc exp run --queue`` workers run in temporary copies of the
    repository and must share one cache.
    """
    return _absolute(os.environ.get(CACHE_ENV), user_cache_dir("synthdistill"))


def models_cache_dir() -> Path:
    """Where assembled models live (``$SYNTHDISTILL_MODELS_DIR``, default: the user cache).

    Apart from the teacher cache, so a test session can use an empty teacher cache
    without re-assembling gigabytes of model files.
    """
    default = str(Path(user_cache_dir("synthdistill")) / "models")
    return _absolute(os.environ.get(MODELS_ENV), default)
