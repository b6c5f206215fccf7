"""tune_teacher's bookkeeping without a model: a finished tuning is reused for the same
inputs (and only those), a skipped tuning is marked, and generate refuses a missing one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import synthdistill.teachers.tuning as tuning
from synthdistill.errors import DataError, ParamsError
from synthdistill.params import FinetuneParams
from synthdistill.teachers.tuned import skip_tuning, tuned_adapter
from synthdistill.teachers.tuning import tune_teacher

PAIRS = [("Write a sports example.", "Arsenal won."), ("Label: Arsenal won.", "sports")]


@pytest.fixture
def fake_training(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    """Count trainings; the 'adapter' is the pairs' text (so its hash follows the data)."""
    trained: list[Any] = []

    class Tuned:
        losses = [1.0, 0.5]
        model = None

    def fake_train(student: Any, pairs: Any, settings: Any, live: Any = None) -> Tuned:
        trained.append((pairs, settings))
        return Tuned()

    def fake_write(model: Any, base: Any, out: Path) -> str:
        out.write_text(repr(trained[-1]))
        return f"sha-{len(trained)}"

    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tuning, "load_lm", lambda model: object())
    monkeypatch.setattr(tuning, "train_lm", fake_train)
    monkeypatch.setattr(tuning, "write_lora_gguf", fake_write)
    return trained


def test_same_inputs_reuse_the_tuning_other_inputs_tune_again(
    fake_training: list[Any], tmp_path: Path
) -> None:
    settings = FinetuneParams().lm("smollm2-135m-instruct")
    first = tune_teacher("smollm2-135m-instruct", PAIRS, settings, tmp_path / "a")
    assert first["tuned"] and len(fake_training) == 1
    again = tune_teacher("smollm2-135m-instruct", PAIRS, settings, tmp_path / "b")
    assert len(fake_training) == 1 and "reused" in again  # copied, not tuned again
    assert (tmp_path / "b/adapter.gguf").read_text() == (tmp_path / "a/adapter.gguf").read_text()
    assert again["adapter_sha256"] == first["adapter_sha256"]
    tune_teacher("smollm2-135m-instruct", PAIRS[:1], settings, tmp_path / "c")
    assert len(fake_training) == 2  # other pairs: a new tuning
    other = FinetuneParams(epochs=1).lm("smollm2-135m-instruct")
    tune_teacher("smollm2-135m-instruct", PAIRS, other, tmp_path / "d")
    assert len(fake_training) == 3  # other settings: a new tuning
    assert tuned_adapter(tmp_path / "d") == tmp_path / "d/adapter.gguf"
    capped = FinetuneParams(max_steps=5).lm("smollm2-135m-instruct")
    assert capped.max_steps == 5
    tune_teacher("smollm2-135m-instruct", PAIRS, capped, tmp_path / "e")
    assert len(fake_training) == 4  # a step cap is another setting: a new tuning
    assert fake_training[-1][1].max_steps == 5


def test_an_unset_step_cap_keeps_the_stored_tunings_key(tmp_path: Path) -> None:
    from synthdistill.teachers.tuning import _stored_tuning

    settings = FinetuneParams().lm("m")
    assert settings.max_steps is None
    assert "max_steps" not in settings.model_dump(exclude_none=True)
    capped = FinetuneParams(max_steps=30).lm("m")
    assert _stored_tuning("m", PAIRS, settings) != _stored_tuning("m", PAIRS, capped)


def test_skipped_or_missing_tuning_is_a_clear_error(tmp_path: Path) -> None:
    skip_tuning(tmp_path / "t", "method 'fewgen' uses no tuned teacher")
    with pytest.raises(DataError, match="no tuned teacher"):
        tuned_adapter(tmp_path / "t")
    with pytest.raises(DataError, match="no tuned teacher"):
        tuned_adapter(tmp_path / "missing")


def test_bad_inputs(fake_training: list[Any], tmp_path: Path) -> None:
    settings = FinetuneParams().lm("smollm2-135m-instruct")
    with pytest.raises(DataError, match="seed set is empty"):
        tune_teacher("smollm2-135m-instruct", [], settings, tmp_path / "x")
    with pytest.raises(ParamsError, match="GGUF"):
        tune_teacher("minilm-l6", PAIRS, settings, tmp_path / "x")
