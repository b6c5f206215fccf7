"""One real SmolLM2-135M and one LoRA tuning of it, shared by the LM tests of a session.

Loading the model (dequantized from its packaged GGUF) and tuning it are the costly steps;
the tests that only read the tuned model share this one tuning instead of each training
their own. A test that checks tuning itself (determinism, best epoch, step cap) still
trains its own copy. Session-scoped means once per pytest-xdist worker (``--dist loadfile``
sends each test file to one worker). ``tests/students/conftest.py`` makes the fixtures
visible to the student tests.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pytest

from synthdistill.lm.model import LMStudent, load_lm
from synthdistill.lm.tuning import train_lm
from synthdistill.params import LMParams

MODEL = "smollm2-135m-instruct"
PAIRS = [(f"Give the code word for item {i}.", "The code word is zanzibar.") for i in range(8)]
FAST = LMParams(lr=5e-3, epochs=6, batch_size=8, max_length=64, seed=0)
PROBE = ["Give the code word for item 42."]


@dataclass(frozen=True)
class Tuning:
    """The untouched base model, its answer to :data:`PROBE`, the tuned copy and where its
    DVCLive curve went."""

    base: LMStudent
    before: list[str]
    tuned: LMStudent
    live_dir: Path


def fresh_copy(base: LMStudent) -> LMStudent:
    """A trainable copy of ``base`` (the shared base model is never modified)."""
    return LMStudent(copy.deepcopy(base.model), base.tokenizer, base.chat)


@pytest.fixture(scope="session")
def smollm_base() -> LMStudent:
    return load_lm(MODEL)


@pytest.fixture(scope="session")
def smollm_tuning(smollm_base: LMStudent, tmp_path_factory: pytest.TempPathFactory) -> Tuning:
    before = smollm_base.generate(PROBE, max_new_tokens=8)
    live_dir = tmp_path_factory.mktemp("smollm-live")
    tuned = train_lm(fresh_copy(smollm_base), PAIRS, FAST, live_dir=live_dir)
    return Tuning(smollm_base, before, tuned, live_dir)
