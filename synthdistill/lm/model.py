"""A causal language model: loaded from a registry name, a local directory or a GGUF
file (a packaged GGUF is dequantized into transformers, the fp32 copy kept in the models
cache), greedy batched generation, and saving / loading a tuned one (its LoRA adapter or
every weight, plus ``lm_student.json``).

Prompts are chat turns when the model has a chat template, else the raw prompt followed
by the completion.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from peft import PeftModel
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)

from synthdistill.assets import ResolvedModel, resolve_model
from synthdistill.cachedir import models_cache_dir
from synthdistill.io import read_json, write_json

Shots = Sequence[tuple[str, str]]  # (prompt, answer) turns before the asked prompt


@dataclass
class LMStudent:
    """A loaded causal LM (maybe with a LoRA adapter) and its tokenizer, in eval mode."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    chat: bool  # prompts are wrapped in the model's chat template
    losses: list[float] = field(default_factory=list)  # training loss per logged step
    best_epoch: int | None = None  # the epoch whose weights were kept (validation)
    epoch_scores: list[float] = field(default_factory=list)  # validation score per epoch

    def prompt_ids(self, prompt: str, shots: Shots = ()) -> list[int]:
        """Token ids of ``prompt`` as the model sees it before its answer; ``shots``
        (prompt, answer) pairs come first, as earlier chat turns."""
        if self.chat:
            turns = []
            for asked, answered in shots:
                turns += [{"role": "user", "content": asked}]
                turns += [{"role": "assistant", "content": answered}]
            encoded: Any = self.tokenizer.apply_chat_template(
                [*turns, {"role": "user", "content": prompt}],
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
            )
            return list(encoded["input_ids"])
        text = "".join(f"{asked}\n{answered}\n\n" for asked, answered in shots) + prompt
        return list(self.tokenizer(text, add_special_tokens=True)["input_ids"])

    def generate(
        self,
        prompts: Sequence[str],
        max_new_tokens: int = 32,
        batch_size: int = 8,
        shots: Shots = (),
    ) -> list[str]:
        """Greedy completions of ``prompts`` (batched, left-padded), special tokens cut;
        ``shots`` are the same few-shot turns before every prompt."""
        tok = self.tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        outputs: list[str] = [""] * len(prompts)
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                index = order[start : start + batch_size]
                encoded = [self.prompt_ids(prompts[i], shots) for i in index]
                width = max(len(ids) for ids in encoded)
                input_ids = torch.tensor([[pad] * (width - len(e)) + e for e in encoded])
                mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in encoded])
                generated = self.model.generate(  # type: ignore[operator]
                    input_ids=input_ids,
                    attention_mask=mask,
                    max_new_tokens=max_new_tokens,
                    do_sample=False,
                    pad_token_id=pad,
                )
                for row, i in enumerate(index):
                    new = generated[row, width:]
                    outputs[i] = str(tok.decode(new, skip_special_tokens=True)).strip()
        return outputs


def load_lm(model: str | ResolvedModel) -> LMStudent:
    """A causal LM from a registry name, a local directory or a GGUF file (dequantized).

    A packaged GGUF is dequantized once (~17 s for SmolLM2-135M on 2 cores) and the fp32
    result kept in the models cache (keyed by the GGUF's sha256), which later loads read
    in about a second.
    """
    resolved = model if isinstance(model, ResolvedModel) else resolve_model(model)
    path = Path(resolved.path)
    kwargs: dict[str, Any] = {}
    source: str | Path = resolved.path
    stored = _dequantized_dir(resolved) if path.suffix == ".gguf" else None
    if stored is not None and (stored / "config.json").exists():
        source = stored
    elif path.suffix == ".gguf":
        source, kwargs = path.parent, {"gguf_file": path.name}
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    lm = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32, **kwargs)
    if kwargs:
        # transformers marks a model read from GGUF as "quantized (GGUF)", but its weights
        # are dequantized fp32 tensors; Trainer refuses to tune a "quantized" model, so
        # the marker goes (the weights are what they are either way), also from the config
        # that the stored copy is saved with.
        setattr(lm, "hf_quantizer", None)  # noqa: B010 - typed as a module attribute
        setattr(lm, "is_quantized", False)  # noqa: B010
        if hasattr(lm.config, "quantization_config"):
            delattr(lm.config, "quantization_config")
        if stored is not None:
            _store(lm, tokenizer, stored)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    chat = bool(getattr(tokenizer, "chat_template", None))
    return LMStudent(lm, tokenizer, chat)


def _dequantized_dir(resolved: ResolvedModel) -> Path | None:
    """Where the fp32 copy of a GGUF with a known sha256 is kept (None: not kept)."""
    if not resolved.sha256:
        return None
    # v2: saved without the GGUF quantization marker in its config
    return models_cache_dir() / "dequantized-v2" / f"{resolved.name}-{resolved.sha256[:16]}"


def _store(lm: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, target: Path) -> None:
    """Save the dequantized model next to ``target`` and rename it into place (a parallel
    process that got there first wins; a failure to store only costs the next load time)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        lm.save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)
        os.replace(scratch, target)
    except OSError:
        pass
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


META = "lm_student.json"  # what a saved LM student is: base model, adapter or full weights


def save_lm(student: LMStudent, base: str, out_dir: Path, extra: dict[str, Any]) -> None:
    """Save a tuned student: the LoRA adapter only (a few MB; the base is a packaged
    model) or, after full tuning, every weight; plus ``lm_student.json``."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    lora = hasattr(student.model, "peft_config")
    if lora:
        student.model.save_pretrained(out_dir / "adapter")
    else:
        student.model.save_pretrained(out_dir / "model")
        student.tokenizer.save_pretrained(out_dir / "model")
    meta = {
        "base": base,
        "lora": lora,
        "best_epoch": student.best_epoch,
        "epoch_scores": student.epoch_scores,
        "losses": [round(x, 4) for x in student.losses],
        **extra,
    }
    write_json(out_dir / META, meta)


def load_saved_lm(directory: Path) -> LMStudent:
    """A student written by :func:`save_lm`, or an untuned base model's name (a
    ``lm_student.json`` with no weights: the zero-/few-shot baselines)."""
    meta = read_json(directory / META)
    if (directory / "model").exists():
        return load_lm(str(directory / "model"))
    student = load_lm(meta["base"])
    if meta.get("lora") and (directory / "adapter").exists():
        model: Any = PeftModel.from_pretrained(student.model, directory / "adapter")
        model.eval()
        return LMStudent(model, student.tokenizer, student.chat)
    return student
