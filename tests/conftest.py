"""Every test session gets its own, empty teacher cache: tests never read or write the
user's (so a test that counts teacher calls cannot pass on answers cached by earlier runs).
Assembled model files stay shared ($SYNTHDISTILL_MODELS_DIR): they are verified by sha256."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from synthdistill.cachedir import CACHE_ENV


@pytest.fixture(scope="session", autouse=True)
def private_teacher_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    previous = os.environ.get(CACHE_ENV)
    path = str(tmp_path_factory.mktemp("teacher-cache"))
    os.environ[CACHE_ENV] = path
    yield path
    if previous is None:
        os.environ.pop(CACHE_ENV, None)
    else:
        os.environ[CACHE_ENV] = previous
