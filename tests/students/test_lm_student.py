"""The causal-LM student: real SmolLM2-135M (dequantized from its packaged GGUF), LoRA
fine-tuning through transformers' Trainer on a few pairs, batched greedy generation."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthdistill.students.lm import (
    IGNORE,
    LMStudent,
    LMTrainParams,
    encode_pair,
    load_lm,
    train_lm,
)

pytestmark = pytest.mark.integration

MODEL = "smollm2-135m-instruct"
PAIRS = [(f"Give the code word for item {i}.", "The code word is zanzibar.") for i in range(8)]
FAST = LMTrainParams(lr=5e-3, epochs=6, batch_size=8, max_length=64, seed=0)


@pytest.fixture(scope="module")
def base() -> Iterator[LMStudent]:
    yield load_lm(MODEL)


def test_labels_cover_the_completion_only(base: LMStudent) -> None:
    row = encode_pair(base, "Say hi.", "hi there", max_length=64)
    answer = [t for t in row["labels"] if t != IGNORE]
    assert base.tokenizer.decode(answer, skip_special_tokens=True) == "hi there"
    assert answer[-1] == base.tokenizer.eos_token_id
    assert row["labels"][: len(row["input_ids"]) - len(answer)] == [IGNORE] * (
        len(row["input_ids"]) - len(answer)
    )
    cut = encode_pair(base, "word " * 200, "hi there", max_length=32)
    assert len(cut["input_ids"]) == 32 and cut["labels"][-len(answer) :] == answer


def test_lora_tuning_lowers_the_loss_and_changes_the_output(
    base: LMStudent, tmp_path: Path
) -> None:
    probe = ["Give the code word for item 42."]
    before = base.generate(probe, max_new_tokens=8)
    first = LMStudent(copy.deepcopy(base.model), base.tokenizer, base.chat)
    tuned = train_lm(first, PAIRS, FAST, live_dir=tmp_path / "live")
    assert len(tuned.losses) == 6
    assert tuned.losses[-1] < 0.5 * tuned.losses[0], tuned.losses
    after = tuned.generate(probe, max_new_tokens=8)
    assert after != before and "zanzibar" in after[0].lower(), (before, after)
    assert (tmp_path / "live" / "metrics.json").exists()  # the curve went to DVCLive
    again = train_lm(LMStudent(copy.deepcopy(base.model), base.tokenizer, base.chat), PAIRS, FAST)
    assert again.losses == pytest.approx(tuned.losses)  # same seed, same run
    assert again.generate(probe, max_new_tokens=8) == after
