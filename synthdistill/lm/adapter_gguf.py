"""A peft LoRA adapter as a GGUF LoRA adapter, so llama.cpp applies it to the quantized base.

llama.cpp reads an adapter file (``general.type = adapter``, ``adapter.type = lora``,
``adapter.lora.alpha``) whose tensors are ``<base tensor>.lora_a`` / ``.lora_b`` and adds
``scale * alpha / r * B @ A`` to each named base weight at run time. Only the attention
projections are tuned here (:data:`~synthdistill.lm.tuning.LORA_TARGETS`), so the name
map is theirs. Llama-family GGUF files store the q/k projections with their rows
permuted for llama.cpp's rotary layout (transformers undoes it when it dequantizes), so
the ``B`` factor of q/k is permuted the same way; Qwen2 stores them as they are.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import gguf
import numpy as np
from peft import get_peft_model_state_dict

from synthdistill.assets import file_sha256
from synthdistill.lm.gguf_file import gguf_metadata

# HF projection module -> GGUF base tensor stem (blk.<i>.<stem>.weight)
GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output"}
PERMUTED_ARCHS = frozenset({"llama"})  # q/k rows permuted in the GGUF (llama.cpp's converter)
_KEY = re.compile(r"layers\.(\d+)\.self_attn\.(\w+_proj)\.lora_([AB])(?:\.\w+)?\.weight$")


def _permute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's converter's q/k row permutation (rotary halves interleaved per head)."""
    rows = weights.shape[0]
    return (
        weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def lora_tensors(model: Any, arch: str) -> dict[str, np.ndarray]:
    """The adapter of a peft ``model`` as GGUF-named float32 tensors."""
    config = model.base_model.model.config if hasattr(model, "base_model") else model.config
    n_head = int(config.num_attention_heads)
    n_kv = int(getattr(config, "num_key_value_heads", None) or n_head)
    tensors: dict[str, np.ndarray] = {}
    for key, value in get_peft_model_state_dict(model).items():
        match = _KEY.search(key)
        if not match:
            raise ValueError(f"LoRA tensor '{key}' has no GGUF name (tuned module not mapped)")
        layer, proj, factor = match.groups()
        if proj not in GGUF_NAMES:
            raise ValueError(f"LoRA on '{proj}' is not supported; supported: {sorted(GGUF_NAMES)}")
        array = value.detach().float().cpu().numpy()
        if factor == "B" and arch in PERMUTED_ARCHS and proj in ("q_proj", "k_proj"):
            array = _permute(array, n_head if proj == "q_proj" else n_kv)
        name = f"blk.{layer}.{GGUF_NAMES[proj]}.weight.lora_{factor.lower()}"
        tensors[name] = np.ascontiguousarray(array)
    if not tensors:
        raise ValueError("the model has no LoRA tensors")
    return tensors


def write_lora_gguf(model: Any, base_gguf: str | Path, out: Path) -> str:
    """Write the peft ``model``'s adapter for ``base_gguf`` (its architecture) to ``out``
    atomically; return the file's sha256 (the tuned teacher's cache identity)."""
    arch = gguf_metadata(base_gguf, {"general.architecture"}).get("general.architecture")
    if not arch:
        raise ValueError(f"{base_gguf}: no general.architecture in the GGUF header")
    peft_config = next(iter(model.peft_config.values()))
    tensors = lora_tensors(model, str(arch))
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = out.with_name(f".{out.name}.tmp")
    writer = gguf.GGUFWriter(str(scratch), str(arch))
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(peft_config.lora_alpha))
    for name, array in sorted(tensors.items()):
        writer.add_tensor(name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    scratch.replace(out)
    return file_sha256(out)
