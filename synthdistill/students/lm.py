"""A causal language model as a student: load (a packaged GGUF is dequantized into
transformers), fine-tune on prompt -> completion pairs with the loss on the completion
only (LoRA through peft, or every weight), generate in batches.

Training runs in transformers' ``Trainer`` (CPU, fixed seeds) and logs its loss curve to
DVCLive when given a directory. Prompts are chat turns when the model has a chat
template, else the raw prompt followed by the completion.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable, Sequence
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
from synthdistill.io import read_json, write_json
from synthdistill.params import LMParams, TaskParams
from synthdistill.students.live import open_live

Shots = Sequence[tuple[str, str]]  # (prompt, answer) turns before the asked prompt
IGNORE = -100  # label id the loss skips (prompt and padding tokens)
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj")  # attention projections (Llama, Qwen)


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
    from synthdistill.cachedir import models_cache_dir

    # v2: saved without the GGUF quantization marker in its config
    return models_cache_dir() / "dequantized-v2" / f"{resolved.name}-{resolved.sha256[:16]}"


def _store(lm: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, target: Path) -> None:
    """Save the dequantized model next to ``target`` and rename it into place (a parallel
    process that got there first wins; a failure to store only costs the next load time)."""
    import shutil

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
    best = _BestEpoch(student, validate) if validate is not None else None
    if best is not None:
        callbacks.append(best)
    live = open_live(live_dir)
    if live is not None:
        from transformers.integrations import DVCLiveCallback

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


META = "lm_student.json"  # what a saved LM student is: base model, adapter or full weights


def save_lm(student: LMStudent, base: str, out_dir: Path, extra: dict[str, Any]) -> None:
    """Save a tuned student: the LoRA adapter only (a few MB; the base is a packaged
    model) or, after full tuning, every weight; plus ``lm_student.json``."""
    import shutil

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
        from peft import PeftModel

        model: Any = PeftModel.from_pretrained(student.model, directory / "adapter")
        model.eval()
        return LMStudent(model, student.tokenizer, student.chat)
    return student


def fit_lm_student(
    task: TaskParams,
    rows: Sequence[dict[str, Any]],
    params: LMParams,
    out_dir: Path,
    live_dir: Path | None = None,
    val_rows: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """Tune ``params.student`` on a generation task's input -> output rows and save it.

    With ``val_rows`` the epoch with the best mean ROUGE-L on them is kept (SELF-GUIDE
    picks its epoch on held-out pairs, never the test set). No rows: the untuned base
    is saved as a reference (``lm_student.json`` only), e.g. an empty synthetic set.
    """
    from synthdistill.generation import first_answer, task_prompt
    from synthdistill.metrics.text import rouge

    pairs = [(task_prompt(task, r["text"]), r["output"]) for r in rows]
    if not pairs:  # e.g. SELF-GUIDE kept nothing: the student is the untuned base
        import shutil

        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir(parents=True)
        write_json(out_dir / META, {"base": params.student, "lora": False, "pairs": 0})
        live = open_live(live_dir)
        if live is not None:
            live.log_metric("train/pairs", 0)
            live.end()
        return {"pairs": 0}
    base = load_lm(params.student)

    def validate(student: LMStudent) -> float:
        prompts = [task_prompt(task, r["text"]) for r in val_rows]
        outputs = student.generate(prompts, params.max_new_tokens, batch_size=16)
        scores = [
            rouge(first_answer(o), r["output"], task.language)["rougeL"] if o.strip() else 0.0
            for o, r in zip(outputs, val_rows, strict=True)
        ]
        return sum(scores) / len(scores)

    tuned = train_lm(base, pairs, params, live_dir, validate if val_rows else None)
    summary = {"pairs": len(pairs), "validation_pairs": len(val_rows)}
    save_lm(tuned, params.student, out_dir, summary)
    return {**summary, "best_epoch": tuned.best_epoch, "epoch_scores": tuned.epoch_scores}
