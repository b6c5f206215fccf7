"""In-process llama.cpp teacher (``xllamacpp``): concurrent calls are batched into slots."""

from __future__ import annotations

import os
import secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from synthdistill.assets import (
    REGISTRY,
    ResolvedModel,
    engine_version,
    file_sha256,
    resolve_model,
)
from synthdistill.lm.gguf_file import gguf_has_chat_template
from synthdistill.teachers.base import (
    Completion,
    TeacherError,
    TeacherRequest,
    choice_grammar,
    openai_payload,
)
from synthdistill.teachers.http import EndpointPool, call_once, parse_reply

ENGINE_TIMEOUT = 3600.0  # seconds per call: a long generation on a slow CPU is not a hang

_MAX_SEED = 0xFFFFFFFF  # llama.cpp's "random seed" sentinel; never send it


def _resolve(model: ResolvedModel | str | os.PathLike[str]) -> ResolvedModel:
    resolved = model if isinstance(model, ResolvedModel) else resolve_model(os.fspath(model))
    if not resolved.local or not Path(resolved.path).is_file():
        raise TeacherError(
            f"llamacpp backend needs a local GGUF file; '{resolved.name}' resolved to "
            f"'{resolved.path}' (use a registry name or a path to a .gguf file)"
        )
    return resolved


def server_params(
    path: str,
    threads: int,
    parallel: int,
    context: int,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    alias: str | None = None,
    api_key: str | None = None,
    verbose: bool = False,
    lora: str | None = None,
) -> Any:
    """``xllamacpp.CommonParams`` for a llama.cpp server (``context`` is per slot;
    ``lora``: a GGUF LoRA adapter applied at full scale on top of the model)."""
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = path
    params.n_parallel = parallel
    params.n_ctx = context * parallel  # the KV cache is split evenly between the slots
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False
    params.ui = False
    params.hostnames = [host]
    params.port = port  # 0 = a free port, see Server.listening_address
    # llama.cpp's log threshold is process-wide: 1 keeps errors only, 3 is its chatty default.
    params.verbosity = 3 if verbose else 1
    if alias:
        params.model_alias = {alias}
    if api_key:
        params.api_keys = [api_key]
    if lora:
        params.lora_adapters = [xllamacpp.CommonAdapterLoraInfo(lora, 1.0)]
    return params


def start_server(params: Any) -> Any:
    """Start ``xllamacpp.Server`` and wait until its engine loop serves requests.

    Deleting a Server whose loop has not started yet hangs forever (xllamacpp
    2026.10), so a one-token request proves the loop is up before we hand it out.
    """
    import xllamacpp

    server = xllamacpp.Server(params)
    server.handle_completions({"prompt": "a", "max_tokens": 1, "temperature": 0.0})
    return server


def engine_payload(request: TeacherRequest) -> dict[str, Any]:
    """The llama.cpp request body: OpenAI-style plus top_k, a valid seed, the prompt cache
    and, for a constrained answer, a grammar."""
    payload = openai_payload(request)
    # top_k 0 disables it in llama.cpp; 0xFFFFFFFF would mean "random seed".
    payload.update(
        top_k=request.params.top_k,
        seed=request.params.seed % _MAX_SEED,
        stream=False,
        cache_prompt=True,  # reuse the slot's KV cache for a shared prompt prefix
    )
    if request.params.choices:
        payload["grammar"] = choice_grammar(request.params.choices)
    return payload


class LlamaCppBackend:
    """A GGUF model served in-process by llama.cpp (``xllamacpp``).

    ``parallel`` slots decode concurrent requests as one batch, so ``concurrency`` is
    ``parallel``; ``context`` is the token budget of ONE request (prompt + completion).
    Keep ``threads`` (summed over every busy process) <= free cores: llama.cpp threads
    synchronise per op, and on an oversubscribed CPU decoding gets ~50x slower.
    """

    name = "llamacpp"

    def __init__(
        self,
        model: ResolvedModel | str | os.PathLike[str],
        threads: int = 2,
        parallel: int = 4,
        context: int = 2048,
        chat: bool | None = None,
        verbose: bool = False,
        lora: str | os.PathLike[str] | None = None,
    ) -> None:
        self.model = _resolve(model)
        self.lora_sha256 = None
        if lora is not None:  # a tuned teacher: its answers are cached under the adapter's hash
            if not Path(lora).is_file():
                raise TeacherError(f"LoRA adapter '{lora}' does not exist (run tune_teacher)")
            self.lora_sha256 = file_sha256(Path(lora))
        self.concurrency = parallel
        self.context = context
        if chat is None:
            asset = REGISTRY.get(self.model.name)
            try:
                chat = asset.chat if asset else gguf_has_chat_template(self.model.path)
            except (OSError, ValueError) as err:
                raise TeacherError(f"cannot read model '{self.model.path}': {err}") from None
        self.chat = chat
        registered = self.model.name in REGISTRY
        self._display = self.model.name if registered else Path(self.model.path).name
        # Calls go through the engine's own HTTP listener (127.0.0.1, a random key keeps it
        # private): its slots are refilled as each request finishes, and each slot keeps
        # its last prompt's KV cache, so prompts sharing a prefix skip re-reading it.
        key = secrets.token_hex(16)
        params = server_params(
            self.model.path,
            threads,
            parallel,
            context,
            api_key=key,
            verbose=verbose,
            lora=os.fspath(lora) if lora is not None else None,
        )
        try:
            self._server: Any = start_server(params)
        except Exception as err:
            raise TeacherError(f"llama.cpp could not load '{self.model.path}': {err}") from None
        self.pool = EndpointPool(
            [str(self._server.listening_address)],
            api_key=key,
            concurrency=parallel,
            timeout=ENGINE_TIMEOUT,
            max_retries=0,  # in-process: a failure is not transient
            label=f"llama.cpp {self._display}",
        )

    def identity(self) -> dict[str, Any]:
        found = {
            "backend": self.name,
            "model": self._display,
            "sha256": self.model.sha256,
            "engine": engine_version("xllamacpp"),
        }
        if self.lora_sha256:  # absent for the base model: its cached answers stay valid
            found["lora_sha256"] = self.lora_sha256
        return found

    async def acomplete(self, request: TeacherRequest) -> Completion:
        if request.messages and not self.chat:
            raise TeacherError(
                f"model '{self._display}' has no chat template (a base model): send a raw "
                "prompt (TeacherRequest(prompt=...)) or choose an instruct model"
            )
        if self._server is None:
            raise TeacherError("llamacpp backend is closed")
        chat = request.prompt is None
        path = "chat/completions" if chat else "completions"
        try:
            response = await self.pool.post(path, engine_payload(request))
        except TeacherError as err:
            hint = ""
            if "exceed" in str(err) and "context" in str(err):
                hint = f" (teacher.context is {self.context} tokens per request: raise it)"
            raise TeacherError(f"llama.cpp rejected the request: {err}{hint}") from None
        # The file's sha256 is in the identity already; the id the engine reports (its
        # path) differs between checkouts and must not be checked against the cache.
        return replace(parse_reply(response, chat, path), served_model="")

    def complete(self, request: TeacherRequest) -> Completion:
        """One call outside an event loop (the Teacher uses :meth:`acomplete`)."""
        return call_once(self.pool, self.acomplete(request))

    async def aclose(self) -> None:
        """Release the running loop's connections (the Teacher calls it after each run)."""
        await self.pool.aclose()

    def close(self) -> None:
        """Stop the engine (its main loop exits when the last reference goes)."""
        self._server = None
