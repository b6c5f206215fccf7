"""The errors a stage reports as one clear line (exit 2) instead of a traceback.

Kept in one small module so that a stage's failure handling does not import (and so,
for dvc.lock, depend on) the teachers, assets or data loaders themselves.
"""

from __future__ import annotations


class DataError(ValueError):
    """Bad input data; the message names the file, the line and the field."""


class ParamsError(ValueError):
    """params.yaml is missing a key or holds a bad value."""


class AssetError(RuntimeError):
    """A model could not be materialised (missing package, checksum mismatch...)."""


class TeacherError(RuntimeError):
    """A teacher backend failed (after its retries)."""
