"""A local Hugging Face causal LM as teacher (slow on CPU; for models llama.cpp can't run)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from synthdistill.assets import REGISTRY, ResolvedModel, engine_version, resolve_model
from synthdistill.teachers.base import Completion, TeacherError, TeacherRequest


class TransformersBackend:
    """``AutoModelForCausalLM`` on CPU, one request at a time (``concurrency = 1``).

    Accepts a registry name, a GGUF file (dequantised by transformers; needs the
    ``gguf`` package), a local model directory, or a hub name (``org/model``, online
    only; pin ``revision``). Chat requests use the tokenizer's chat template.
    """

    name = "transformers"
    concurrency = 1

    def __init__(
        self,
        model_path_or_name: ResolvedModel | str | os.PathLike[str],
        gguf_file: str | None = None,
        revision: str | None = None,
        threads: int | None = None,
        dtype: str = "float32",
    ) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        model = model_path_or_name
        resolved = model if isinstance(model, ResolvedModel) else resolve_model(os.fspath(model))
        self.resolved = resolved
        source, self.gguf_file = resolved.path, gguf_file
        if resolved.local and Path(resolved.path).is_file():
            source, self.gguf_file = str(Path(resolved.path).parent), Path(resolved.path).name
        self.revision = revision
        if threads:
            torch.set_num_threads(threads)
        kwargs: dict[str, Any] = {"local_files_only": resolved.local}
        if self.gguf_file:
            kwargs["gguf_file"] = self.gguf_file
        if revision:
            kwargs["revision"] = revision
        self.tokenizer: Any
        self.model: Any
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
            self.model = AutoModelForCausalLM.from_pretrained(
                source, dtype=getattr(torch, dtype), **kwargs
            )
        except Exception as err:
            raise TeacherError(f"transformers could not load '{resolved.name}': {err}") from None
        self.model.eval()
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.chat = bool(getattr(self.tokenizer, "chat_template", None))
        eos = self.model.generation_config.eos_token_id
        self._eos_ids = set(eos if isinstance(eos, list) else [eos]) - {None}
        self._eos_ids.add(self.tokenizer.eos_token_id)
        asset = REGISTRY.get(resolved.name)
        self._display = resolved.name if asset or not resolved.local else Path(resolved.path).name
        self._sha = resolved.sha256
        self._lock = threading.Lock()

    def identity(self) -> dict[str, Any]:
        ident: dict[str, Any] = {
            "backend": self.name,
            "model": self._display,
            "sha256": self._sha,
            "engine": engine_version("transformers", "torch"),
        }
        if not self.resolved.local:
            ident["revision"] = self.revision or "main"
        return ident

    def _input_ids(self, request: TeacherRequest) -> Any:
        if request.prompt is not None:
            return self.tokenizer(request.prompt, return_tensors="pt").input_ids
        if not self.chat:
            raise TeacherError(
                f"model '{self._display}' has no chat template (a base model): send a raw "
                "prompt (TeacherRequest(prompt=...)) or choose an instruct model"
            )
        messages = request.rendered()["messages"]
        encoded = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return encoded["input_ids"]

    def _choose(self, input_ids: Any, choices: tuple[str, ...]) -> Completion:
        """The choice with the highest total log-probability after the prompt (greedy)."""
        import torch

        scores = []
        for choice in choices:
            ids = self.tokenizer(choice, add_special_tokens=False, return_tensors="pt").input_ids
            full = torch.cat([input_ids, ids], dim=1)
            with torch.inference_mode():
                logits = self.model(full).logits[0, input_ids.shape[1] - 1 : -1]
            logprobs = torch.log_softmax(logits.float(), dim=-1)
            scores.append(float(logprobs.gather(1, ids[0].unsqueeze(1)).sum()))
        best = max(range(len(choices)), key=scores.__getitem__)
        return Completion(
            text=choices[best],
            finish_reason="stop",
            prompt_tokens=int(input_ids.shape[1]),
            completion_tokens=0,
        )

    def complete(self, request: TeacherRequest) -> Completion:
        import torch

        p = request.params
        if p.choices:
            with self._lock:
                return self._choose(self._input_ids(request), p.choices)
        with self._lock:
            input_ids = self._input_ids(request)
            torch.manual_seed(p.seed)
            sample = p.temperature > 0
            gen: dict[str, Any] = {
                "max_new_tokens": p.max_tokens,
                "do_sample": sample,
                "pad_token_id": self.tokenizer.pad_token_id,
            }
            if sample:
                gen.update(temperature=p.temperature, top_p=p.top_p, top_k=p.top_k or None)
            if p.stop:
                gen.update(stop_strings=list(p.stop), tokenizer=self.tokenizer)
            try:
                with torch.inference_mode():
                    output = self.model.generate(
                        input_ids, attention_mask=torch.ones_like(input_ids), **gen
                    )
            except Exception as err:
                raise TeacherError(f"transformers generation failed: {err}") from None
        new = output[0, input_ids.shape[1] :]
        text = str(self.tokenizer.decode(new, skip_special_tokens=True))
        ended = len(new) > 0 and int(new[-1]) in self._eos_ids
        finish = "length" if len(new) >= p.max_tokens and not ended else "stop"
        for stop in p.stop:  # OpenAI semantics: the stop string is not returned
            cut = text.find(stop)
            if cut >= 0:
                text, finish = text[:cut], "stop"
        return Completion(
            text=text,
            finish_reason=finish,
            prompt_tokens=int(input_ids.shape[1]),
            completion_tokens=len(new),
        )

    def close(self) -> None:
        pass
