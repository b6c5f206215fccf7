"""Fine-tuning a causal LM on prompt -> completion pairs with the loss on the
completion only (LoRA through peft on the attention projections, or every weight).

Training runs in transformers' ``Trainer`` (CPU, fixed seeds) and logs its loss curve to
DVCLive when given a directory; with a validation score the best epoch's weights are kept.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
from peft import LoraConfig, get_peft_model
from transformers import (
    DataCollatorForSeq2Seq,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)
from transformers.integrations import DVCLiveCallback

from synthdistill.live import open_live
from synthdistill.lm.model import LMStudent
from synthdistill.params import LMParams

IGNORE = -100  # label id the loss skips (prompt and padding tokens)
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")  # attention projections (Llama, Qwen)


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


class _BestEpoch(TrainerCallback):
    """Scores the model after every epoch on validation pairs and keeps the best weights
    (the trainable ones: the LoRA adapter, or every weight in full tuning)."""

    def __init__(self, student: LMStudent, score: Callable[[LMStudent], float]) -> None:
        self.student, self.score = student, score
        self.scores: list[float] = []
        self.best: dict[str, torch.Tensor] | None = None

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
        model = kw["model"]
        value = self.score(LMStudent(model, self.student.tokenizer, self.student.chat))
        model.train()
        if not self.scores or value > max(self.scores):
            self.best = {
                name: tensor.detach().clone()
                for name, tensor in model.named_parameters()
                if tensor.requires_grad
            }
        self.scores.append(value)

    def restore(self, model: Any) -> int:
        """Load the best epoch's weights into ``model``; its 1-based epoch."""
        if self.best is not None:
            with torch.no_grad():
                for name, tensor in model.named_parameters():
                    if name in self.best:
                        tensor.copy_(self.best[name])
        return self.scores.index(max(self.scores)) + 1


def train_lm(
    student: LMStudent,
    pairs: Sequence[tuple[str, str]],
    params: LMParams,
    live_dir: Path | None = None,
    validate: Callable[[LMStudent], float] | None = None,
) -> LMStudent:
    """Fine-tune ``student`` on (prompt, completion) pairs; the tuned student (LoRA:
    the base with its adapter attached). ``losses`` holds the loss of every step.

    With ``validate`` (a score, higher is better, e.g. ROUGE-L on validation pairs) the
    model is scored after every epoch and the best epoch's weights are kept
    (``epoch_scores``, ``best_epoch``); without it the last epoch's are."""
    if not pairs:
        raise ValueError("train_lm needs at least one (prompt, completion) pair")
    torch.manual_seed(params.seed)
    model: Any = student.model
    if params.lora:
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
    best = _BestEpoch(student, validate) if validate is not None else None
    if best is not None:
        callbacks.append(best)
    live = open_live(live_dir)
    if live is not None:
        callbacks.append(DVCLiveCallback(live=live))
    steps = params.max_steps or math.ceil(len(rows) / params.batch_size) * params.epochs
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=params.batch_size,
            num_train_epochs=params.epochs,
            max_steps=params.max_steps or -1,  # -1: the epochs decide
            learning_rate=params.lr,
            lr_scheduler_type="constant",
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            seed=params.seed,
            data_seed=params.seed,
            disable_tqdm=steps < 20,
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
    tuned = LMStudent(model, student.tokenizer, student.chat, losses)
    if best is not None:
        tuned.best_epoch = best.restore(model)
        tuned.epoch_scores = [round(v, 4) for v in best.scores]
    model.eval()
    return tuned
