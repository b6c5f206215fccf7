"""Teacher backends behind one cached interface; :func:`build_teacher` picks one from params."""

from __future__ import annotations

from pathlib import Path

from synthdistill.assets import REGISTRY, resolve_model
from synthdistill.lm.gguf_file import gguf_has_chat_template
from synthdistill.params import TeacherParams, check_choice
from synthdistill.teachers.base import (
    Completion,
    Message,
    SamplingParams,
    TeacherBackend,
    TeacherError,
    TeacherRequest,
)
from synthdistill.teachers.cache import TeacherCache, cache_key
from synthdistill.teachers.teacher import Teacher, Usage

BACKENDS = ("llamacpp", "openai", "transformers")

__all__ = [
    "prompting_teacher_params",
    "BACKENDS",
    "Completion",
    "Message",
    "SamplingParams",
    "Teacher",
    "TeacherBackend",
    "TeacherCache",
    "TeacherError",
    "TeacherRequest",
    "Usage",
    "build_backend",
    "build_teacher",
    "cache_key",
    "supports_chat",
]


def supports_chat(model: str) -> bool:
    """Whether ``model`` (registry name or local GGUF path) has a chat template.

    Base models (e.g. ``gemma3-270m``) need raw-prompt requests. Unknown names (hub or
    server-side models) are assumed to chat.
    """
    if model in REGISTRY:
        return REGISTRY[model].chat
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return gguf_has_chat_template(path)
    return True


def build_backend(
    params: TeacherParams, model: str | None = None, lora: Path | None = None
) -> TeacherBackend:
    """The backend ``params.backend`` names, for ``model`` (default ``params.model``);
    ``lora`` is a GGUF LoRA adapter (a tuned teacher) applied on top of the model."""
    check_choice("teacher backend", params.backend, BACKENDS)
    name = model or params.model
    if lora is not None and params.backend != "llamacpp":
        raise TeacherError(
            f"a tuned teacher (LoRA adapter {lora}) runs on teacher.backend 'llamacpp', not "
            f"'{params.backend}'; to use a server, serve the base model with the adapter "
            "(llama-server --lora) under its own model name and set teacher.model to it"
        )
    if params.backend == "llamacpp":
        from synthdistill.teachers.llamacpp import LlamaCppBackend  # lazy: the chosen backend

        return LlamaCppBackend(
            resolve_model(name),
            threads=params.threads,
            parallel=params.parallel,
            context=params.context,
            lora=lora,
        )
    if params.backend == "transformers":
        from synthdistill.teachers.transformers_backend import TransformersBackend  # lazy: same

        return TransformersBackend(resolve_model(name), threads=params.threads)
    from synthdistill.teachers.openai_backend import OpenAIBackend  # lazy: same

    return OpenAIBackend(
        name,
        base_urls=params.base_urls,
        concurrency=params.parallel,
        timeout=params.timeout,
        max_retries=params.max_retries,
        max_requests_per_minute=params.max_requests_per_minute,
        max_tokens_per_minute=params.max_tokens_per_minute,
    )


def build_teacher(
    params: TeacherParams,
    model: str | None = None,
    cache: TeacherCache | None = None,
    progress: bool = True,
    lora: Path | None = None,
) -> Teacher:
    """A cached :class:`Teacher` for ``params`` (``model`` overrides ``params.model``;
    ``lora``: a tuned teacher's GGUF adapter, part of the cache identity)."""
    cache = cache if cache is not None else TeacherCache()  # a bad cache fails before a load
    return Teacher(build_backend(params, model, lora), cache, progress=progress)


def prompting_teacher_params(params: TeacherParams, shared_prefix: bool) -> TeacherParams:
    """``params`` with one llama.cpp slot when every request shares a few-shot prefix.

    Each llama.cpp slot keeps its own KV cache: with one slot the shots are read once
    (measured: ~24 s for 3.2k tokens, then ~1 s per test row on the 0.5B teacher), with
    8 slots each slot re-reads them. Servers (openai backend) keep their concurrency.
    """
    if shared_prefix and params.backend == "llamacpp":
        return params.model_copy(update={"parallel": 1})
    return params
