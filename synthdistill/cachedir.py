"""The one user-level cache directory (teacher calls, assembled models)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

CACHE_ENV = "SYNTHDISTILL_CACHE_DIR"


def default_cache_dir() -> Path:
    """Absolute cache dir (``$SYNTHDISTILL_CACHE_DIR`` or the user's cache dir).

    Absolute on purpose: ``dvc exp run --queue`` workers run in temporary copies of the
    repository and must share one cache.
    """
    return Path(os.environ.get(CACHE_ENV) or user_cache_dir("synthdistill")).expanduser().resolve()
