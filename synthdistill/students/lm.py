"""A causal language model as a student: load (a packaged GGUF is dequantized into
transformers), fine-tune on prompt -> completion pairs with the loss on the completion
only (LoRA through peft, or every weight), generate in batches.

Training runs in transformers' ``Trainer`` (CPU, fixed seeds) and logs its loss curve to
DVCLive when given a directory. Prompts are chat turns when the model has a chat
template, else the raw prompt followed by the completion.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from synthdistill.assets import ResolvedModel, resolve_model
from synthdistill.students.live import open_live

IGNORE = -100  # label id the loss skips (prompt and padding tokens)
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")  # attention projections (Llama, Qwen)


@dataclass(frozen=True)
class LMTrainParams:
    """How an LM student is fine-tuned (a params section once stages use it)."""

    lora: bool = True  # LoRA adapters on the attention projections; False = every weight
    lora_r: int = 8  # adapter rank
    lora_alpha: int = 16  # adapter scale (alpha / r)
    lr: float = 1e-3  # AdamW learning rate (LoRA wants more than full tuning's ~5e-5)
    epochs: float = 3.0  # passes over the pairs
    batch_size: int = 8  # pairs per step
    max_length: int = 256  # tokens per prompt + completion (longer: the prompt is cut)
    seed: int = 0  # initialisation, shuffling and dropout seed


@dataclass
class LMStudent:
    """A loaded causal LM (maybe with a LoRA adapter) and its tokenizer, in eval mode."""

    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    chat: bool  # prompts are wrapped in the model's chat template
    losses: list[float] = field(default_factory=list)  # training loss per logged step

    def prompt_ids(self, prompt: str) -> list[int]:
        """Token ids of ``prompt`` as the model sees it before its answer."""
        if self.chat:
            encoded: Any = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}],
                add_generation_prompt=True,
                tokenize=True,
                return_dict=True,
            )
            return list(encoded["input_ids"])
        return list(self.tokenizer(prompt, add_special_tokens=True)["input_ids"])

    def generate(
        self, prompts: Sequence[str], max_new_tokens: int = 32, batch_size: int = 8
    ) -> list[str]:
        """Greedy completions of ``prompts`` (batched, left-padded), special tokens cut."""
        tok = self.tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        outputs: list[str] = [""] * len(prompts)
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                index = order[start : start + batch_size]
                encoded = [self.prompt_ids(prompts[i]) for i in index]
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
    """A causal LM from a registry name, a local directory or a GGUF file (dequantized)."""
    resolved = model if isinstance(model, ResolvedModel) else resolve_model(model)
    path = Path(resolved.path)
    kwargs: dict[str, Any] = {}
    source: str | Path = resolved.path
    if path.suffix == ".gguf":
        source, kwargs = path.parent, {"gguf_file": path.name}
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    lm = AutoModelForCausalLM.from_pretrained(source, dtype=torch.float32, **kwargs)
    if kwargs:
        # transformers marks a model read from GGUF as "quantized (GGUF)", but its weights
        # are dequantized fp32 tensors; Trainer refuses to tune a "quantized" model, so
        # the marker goes (the weights are what they are either way).
        setattr(lm, "hf_quantizer", None)  # noqa: B010 - typed as a module attribute
        setattr(lm, "is_quantized", False)  # noqa: B010
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    chat = bool(getattr(tokenizer, "chat_template", None))
    return LMStudent(lm, tokenizer, chat)


def encode_pair(
    student: LMStudent, prompt: str, completion: str, max_length: int
) -> dict[str, Any]:
    """Input ids of prompt + completion + EOS with labels on the completion only.

    A pair longer than ``max_length`` loses the start of its prompt, never its answer.
    """
    tok = student.tokenizer
    answer = list(tok(completion, add_special_tokens=False)["input_ids"]) + [tok.eos_token_id]
    answer = answer[:max_length]
    room = max_length - len(answer)
    asked = student.prompt_ids(prompt)[-room:] if room > 0 else []
    ids = asked + answer
    return {
        "input_ids": ids,
        "attention_mask": [1] * len(ids),
        "labels": [IGNORE] * len(asked) + answer,
    }


class _LossLog(TrainerCallback):
    def __init__(self, losses: list[float]) -> None:
        self.losses = losses

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
        if logs and "loss" in logs:
            self.losses.append(float(logs["loss"]))


def train_lm(
    student: LMStudent,
    pairs: Sequence[tuple[str, str]],
    params: LMTrainParams,
    live_dir: Path | None = None,
) -> LMStudent:
    """Fine-tune ``student`` on (prompt, completion) pairs; the tuned student (LoRA:
    the base with its adapter attached). ``losses`` holds the loss of every step."""
    if not pairs:
        raise ValueError("train_lm needs at least one (prompt, completion) pair")
    torch.manual_seed(params.seed)
    model: Any = student.model
    if params.lora:
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            r=params.lora_r,
            lora_alpha=params.lora_alpha,
            lora_dropout=0.0,
            target_modules=list(LORA_TARGETS),
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, config)
    rows = [encode_pair(student, p, c, params.max_length) for p, c in pairs]
    losses: list[float] = []
    callbacks: list[TrainerCallback] = [_LossLog(losses)]
    live = open_live(live_dir)
    if live is not None:
        from transformers.integrations import DVCLiveCallback

        callbacks.append(DVCLiveCallback(live=live))
    steps_per_epoch = math.ceil(len(rows) / params.batch_size)
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=params.batch_size,
            num_train_epochs=params.epochs,
            learning_rate=params.lr,
            lr_scheduler_type="constant",
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            seed=params.seed,
            data_seed=params.seed,
            disable_tqdm=steps_per_epoch * params.epochs < 20,
            dataloader_num_workers=0,
        )
        trainer = Trainer(
            model=model,
            args=args,
            train_dataset=rows,
            data_collator=DataCollatorForSeq2Seq(
                student.tokenizer, padding=True, label_pad_token_id=IGNORE
            ),
            callbacks=callbacks,
        )
        trainer.train()
    if live is not None:
        live.end()
    model.eval()
    return LMStudent(model, student.tokenizer, student.chat, losses)
