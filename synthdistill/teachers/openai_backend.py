"""Any OpenAI-compatible HTTP server (llama.cpp server, vLLM, Ollama, OpenAI) as a teacher."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from synthdistill.teachers.base import (
    Completion,
    TeacherError,
    TeacherRequest,
    choice_schema,
    openai_payload,
    unwrap_choice,
)
from synthdistill.teachers.http import EndpointPool, Send, call_once, parse_reply
from synthdistill.teachers.http import normalize_base_url as normalize_base_url

BASE_URL_ENV = "OPENAI_BASE_URL"
API_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
CHARS_PER_TOKEN = 4  # prompt-size estimate for the token rate limit, before usage is known


def estimated_tokens(request: TeacherRequest) -> int:
    """A call's cost for ``max_tokens_per_minute`` before the server reports its usage."""
    chars = len(request.prompt or "") + sum(len(m.content) for m in request.messages)
    return chars // CHARS_PER_TOKEN + request.params.max_tokens


class OpenAIBackend:
    """``/v1/chat/completions`` (messages) or ``/v1/completions`` (raw prompt) over HTTP.

    ``base_urls`` are equivalent servers (same model, same weights): each call goes to
    the least-loaded one, an endpoint that keeps failing is set aside while the others
    carry on, and ``concurrency`` (calls in flight) is per endpoint. Retries, backoff and
    rate limits: :class:`~synthdistill.teachers.http.EndpointPool`. Other 4xx fail at
    once. The API key never appears in identity, logs or errors.

    The cache identity is the backend and the model *name*, not the endpoints: a call
    answered by any of them, or by a server added later, is the same call. Serving other
    weights under the same name is caught by the model id servers report
    (:meth:`~synthdistill.teachers.cache.TeacherCache.check_served`); give different
    weights different names (llama.cpp ``--alias``, vLLM ``--served-model-name``).
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        send: Send | None = None,
        base_urls: Sequence[str] = (),
        max_requests_per_minute: int | None = None,
        max_tokens_per_minute: int | None = None,
    ) -> None:
        self.model = model
        if base_url and base_urls:
            raise TeacherError("give base_url or base_urls, not both")
        urls = list(base_urls) or [base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL]
        self._api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or ""
        self.pool = EndpointPool(
            urls,
            api_key=self._api_key,
            concurrency=concurrency,
            timeout=timeout,
            max_retries=max_retries,
            backoff=backoff,
            max_backoff=max_backoff,
            max_requests_per_minute=max_requests_per_minute,
            max_tokens_per_minute=max_tokens_per_minute,
            send=send,
            label=f"teacher {model}",
        )
        self.base_urls = [e.url for e in self.pool.endpoints]
        self.base_url = self.base_urls[0]
        self.concurrency = concurrency * len(self.base_urls)
        self._closed = False

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_urls={self.base_urls!r})"

    def identity(self) -> dict[str, Any]:
        # Nothing fetched from the server and no endpoint: the key must not depend on
        # whether a server is up or which one answers, or a resumed run would miss its
        # own cache.
        return {"backend": self.name, "model": self.model}

    def _payload(self, request: TeacherRequest) -> dict[str, Any]:
        payload = {"model": self.model, **openai_payload(request), "n": 1}
        if request.params.top_k > 0:  # not an OpenAI parameter; vLLM/llama.cpp/Ollama accept it
            payload["top_k"] = request.params.top_k
        if request.params.choices:  # structured output: vLLM, llama.cpp, Ollama and OpenAI
            payload["response_format"] = choice_schema(request.params.choices)
        return payload

    async def acomplete(self, request: TeacherRequest) -> Completion:
        """Complete ``request`` on the best endpoint; TeacherError after bounded retries."""
        if self._closed:
            raise TeacherError("openai backend is closed")
        chat = request.prompt is None
        path = "chat/completions" if chat else "completions"
        data = await self.pool.post(path, self._payload(request), estimated_tokens(request))
        completion = parse_reply(data, chat, path, self.pool.scrub)
        if request.params.choices:
            return replace(completion, text=unwrap_choice(completion.text))
        return completion

    def complete(self, request: TeacherRequest) -> Completion:
        """One call outside an event loop (the Teacher uses :meth:`acomplete`)."""
        return call_once(self.pool, self.acomplete(request))

    async def aclose(self) -> None:
        """Release the running loop's connections (the Teacher calls it after each run)."""
        await self.pool.aclose()

    def close(self) -> None:
        self._closed = True
