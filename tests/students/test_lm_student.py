"""The causal-LM student: real SmolLM2-135M (dequantized from its packaged GGUF), LoRA
fine-tuning through transformers' Trainer on a few pairs, batched greedy generation.

The model and one tuning of it are the session's (``tests/smollm.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from smollm import FAST, MODEL, PAIRS, PROBE, Tuning, fresh_copy

from synthdistill.lm.model import LMStudent, load_lm, load_saved_lm, save_lm
from synthdistill.lm.tuning import IGNORE, encode_pair, train_lm

pytestmark = pytest.mark.integration


@pytest.fixture
def base(smollm_base: LMStudent) -> LMStudent:
    return smollm_base


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


def test_lora_tuning_lowers_the_loss_and_changes_the_output(smollm_tuning: Tuning) -> None:
    tuned = smollm_tuning.tuned
    assert len(tuned.losses) == 6
    assert tuned.losses[-1] < 0.5 * tuned.losses[0], tuned.losses
    after = tuned.generate(PROBE, max_new_tokens=8)
    assert after != smollm_tuning.before and "zanzibar" in after[0].lower(), (
        smollm_tuning.before,
        after,
    )
    assert (smollm_tuning.live_dir / "metrics.json").exists()  # the curve went to DVCLive


@pytest.mark.slow
def test_the_same_seed_tunes_the_same_model(smollm_tuning: Tuning) -> None:
    tuned = smollm_tuning.tuned
    after = tuned.generate(PROBE, max_new_tokens=8)
    again = train_lm(fresh_copy(smollm_tuning.base), PAIRS, FAST)
    assert again.losses == pytest.approx(tuned.losses)  # same seed, same run
    assert again.generate(PROBE, max_new_tokens=8) == after  # and the same predictions
    assert again.generate(PROBE, max_new_tokens=8) == after


def _lora_sum(model: object) -> float:
    return float(
        sum(t.detach().sum() for n, t in model.named_parameters() if "lora_" in n)  # type: ignore[attr-defined]
    )


def test_best_epoch_is_restored_and_the_saved_adapter_reloads(
    base: LMStudent, tmp_path: Path
) -> None:
    seen: list[float] = []
    scores = iter([1.0, 3.0, 2.0])  # epoch 2 is the best

    def validate(student: LMStudent) -> float:
        seen.append(_lora_sum(student.model))
        return next(scores)

    params = FAST.model_copy(update={"epochs": 3})
    tuned = train_lm(fresh_copy(base), PAIRS, params, validate=validate)
    assert tuned.best_epoch == 2 and tuned.epoch_scores == [1.0, 3.0, 2.0]
    assert len(set(seen)) == 3  # the weights moved every epoch
    assert _lora_sum(tuned.model) == pytest.approx(seen[1])  # epoch 2's weights are back
    save_lm(tuned, MODEL, tmp_path / "student", {"pairs": len(PAIRS)})
    assert (tmp_path / "student" / "adapter").is_dir()  # only the adapter is stored
    reloaded = load_saved_lm(tmp_path / "student")
    assert reloaded.generate(PROBE, max_new_tokens=8) == tuned.generate(PROBE, max_new_tokens=8)


def test_the_dequantized_copy_is_kept_and_loads_identically(base: LMStudent) -> None:
    import torch
    from transformers import AutoModelForCausalLM

    from synthdistill.assets import resolve_model
    from synthdistill.lm.model import _dequantized_dir

    resolved = resolve_model(MODEL)
    stored = _dequantized_dir(resolved)
    assert stored is not None and (stored / "config.json").exists()
    again = load_lm(MODEL)  # read from the stored fp32 copy, not the GGUF
    gguf = Path(resolved.path)
    direct = AutoModelForCausalLM.from_pretrained(
        gguf.parent, gguf_file=gguf.name, dtype=torch.float32
    )
    ours, theirs = dict(direct.named_parameters()), dict(again.model.named_parameters())
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in ours)
    prompt = "Write the headline.\n\nShares rose."
    assert again.chat and again.prompt_ids(prompt) == base.prompt_ids(prompt)


def test_max_steps_caps_the_tuning(base: LMStudent) -> None:
    capped = FAST.model_copy(update={"max_steps": 2})
    assert len(train_lm(fresh_copy(base), PAIRS, capped).losses) == 2  # 2 steps, not 6 epochs' 6
