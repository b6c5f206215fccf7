"""A tuned LoRA adapter, exported to GGUF, changes llama.cpp's answers the way it changed
torch's: real SmolLM2-135M (Llama: q/k rows permuted in the GGUF), a few LoRA steps, the
packaged quantized GGUF + the adapter in the in-process llama.cpp teacher.

The tuned model is the session's one tuning (``tests/smollm.py``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from smollm import MODEL, Tuning

from synthdistill.assets import resolve_model
from synthdistill.lm.adapter_gguf import _permute, write_lora_gguf
from synthdistill.lm.gguf_file import gguf_metadata
from synthdistill.teachers import Message, SamplingParams, TeacherError, TeacherRequest
from synthdistill.teachers.llamacpp import LlamaCppBackend


def test_permute_matches_llama_cpp_converter_layout() -> None:
    # 1 head of 4 rows: rotary halves [0, 1 | 2, 3] are interleaved to [0, 2, 1, 3]
    rows = np.arange(4, dtype=np.float32).reshape(4, 1)
    assert _permute(rows, 1)[:, 0].tolist() == [0, 2, 1, 3]
    two_heads = np.arange(8, dtype=np.float32).reshape(8, 1)
    assert _permute(two_heads, 2)[:, 0].tolist() == [0, 2, 1, 3, 4, 6, 5, 7]


PROBES = [
    "What is the capital of France?",
    "Write one sentence about cats.",
    "Give the code word for item 42.",
    "List three colours.",
    "Who wrote Hamlet?",
]


@pytest.mark.integration
def test_adapter_in_llama_cpp_answers_like_the_tuned_torch_model(
    smollm_tuning: Tuning, tmp_path: Path
) -> None:
    """Measured: with the q/k permutation llama.cpp's greedy answers equal torch's on 5 of
    5 probes; without it on 1 of 5 (the unrelated probes drift back to the base model)."""
    tuned = smollm_tuning.tuned
    torch_answers = tuned.generate(PROBES, max_new_tokens=16)
    assert "zanzibar" in torch_answers[2].lower()
    adapter = tmp_path / "adapter.gguf"
    digest = write_lora_gguf(tuned.model, resolve_model(MODEL).path, adapter)
    meta = gguf_metadata(adapter, {"general.type", "adapter.type", "adapter.lora.alpha"})
    assert meta == {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 16.0}

    def answers(lora: Path | None) -> tuple[list[str], dict[str, object]]:
        backend = LlamaCppBackend(MODEL, threads=2, parallel=1, context=256, lora=lora)
        try:
            texts = [
                backend.complete(
                    TeacherRequest(
                        messages=(Message("user", probe),),
                        params=SamplingParams(temperature=0.0, max_tokens=16, seed=0),
                    )
                ).text.strip()
                for probe in PROBES
            ]
            return texts, backend.identity()
        finally:
            backend.close()

    base_texts, base_id = answers(None)
    tuned_texts, tuned_id = answers(adapter)
    assert "zanzibar" not in base_texts[2].lower()
    # the quantized base + adapter is not bit-identical to the fp32 torch model: allow one
    same = sum(a == b.strip() for a, b in zip(tuned_texts, torch_answers, strict=True))
    assert same >= 4, (tuned_texts, torch_answers)
    assert "lora_sha256" not in base_id and tuned_id["lora_sha256"] == digest
    assert {k: v for k, v in tuned_id.items() if k != "lora_sha256"} == base_id
    with pytest.raises(TeacherError, match="does not exist"):
        LlamaCppBackend(MODEL, lora=tmp_path / "missing.gguf")
