"""Any OpenAI-compatible HTTP server (llama.cpp server, vLLM, Ollama, OpenAI) as a teacher."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from synthdistill.teachers.base import (
    Completion,
    TeacherError,
    TeacherRequest,
    choice_schema,
    openai_payload,
    unwrap_choice,
)

BASE_URL_ENV = "OPENAI_BASE_URL"
API_KEY_ENV = "OPENAI_API_KEY"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}


log = logging.getLogger("synthdistill")


class _Transient(Exception):
    """A failure worth retrying (429, 5xx, timeout, connection error)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def normalize_base_url(url: str) -> str:
    """Drop credentials, query and trailing slash; a bare host gets ``/v1``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TeacherError(f"base_url must be an http(s) URL like http://host:8080/v1, got {url!r}")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


def _server_message(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:500] or response.reason_phrase
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        return str(error.get("message") or error)[:500]
    return str(error)[:500]


class OpenAIBackend:
    """``/v1/chat/completions`` (messages) or ``/v1/completions`` (raw prompt) over HTTP.

    Retries 429/5xx/timeouts/connection errors ``max_retries`` times with exponential
    backoff (``backoff * 2**k`` s, capped at ``max_backoff``, or the server's Retry-After);
    other 4xx fail at once. The API key never appears in identity, logs or errors.
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
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.model = model
        url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        self.base_url = normalize_base_url(url)
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._api_key = api_key if api_key is not None else os.environ.get(API_KEY_ENV) or ""
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._client = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
        )
        self._lock = threading.Lock()
        self._closed = False

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={self.base_url!r})"

    def identity(self) -> dict[str, Any]:
        # Deliberately nothing fetched from the server: the key must not depend on
        # whether the server is up, or a resumed run would miss its own cache.
        return {"backend": self.name, "base_url": self.base_url, "model": self.model}

    def _scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    def _payload(self, request: TeacherRequest) -> dict[str, Any]:
        payload = {"model": self.model, **openai_payload(request), "n": 1}
        if request.params.top_k > 0:  # not an OpenAI parameter; vLLM/llama.cpp/Ollama accept it
            payload["top_k"] = request.params.top_k
        if request.params.choices:  # structured output: vLLM, llama.cpp, Ollama and OpenAI
            payload["response_format"] = choice_schema(request.params.choices)
        return payload

    def _wait(self, state: RetryCallState) -> float:
        delay = min(self.max_backoff, self.backoff * 2 ** (state.attempt_number - 1))
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            delay = max(delay, min(exc.retry_after, self.max_backoff))
        return delay

    def _log_retry(self, state: RetryCallState) -> None:
        """Say why a call is retried and after how long (retries are never silent)."""
        exc = state.outcome.exception() if state.outcome else None
        delay = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "teacher %s: attempt %d of %d failed (%s); retrying in %.1f s",
            self.model,
            state.attempt_number,
            self.max_retries + 1,
            self._scrub(str(exc)),
            delay,
        )

    def _post(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.post(url, json=payload)
        except httpx.TimeoutException as err:
            raise _Transient(f"timeout ({type(err).__name__})") from None
        except httpx.TransportError as err:
            raise _Transient(self._scrub(f"{type(err).__name__}: {err}")) from None
        if response.status_code in _RETRY_STATUS:
            message = self._scrub(f"HTTP {response.status_code}: {_server_message(response)}")
            raise _Transient(message, _retry_after(response))
        if response.status_code >= 400:
            message = f"HTTP {response.status_code}: {_server_message(response)}"
            raise TeacherError(self._scrub(f"POST {url} failed: {message}"))
        try:
            data = response.json()
        except ValueError:
            raise _Transient(
                self._scrub(f"invalid JSON in reply: {response.text[:200]!r}")
            ) from None
        if not isinstance(data, dict):
            raise _Transient(self._scrub(f"unexpected reply: {str(data)[:200]}"))
        return data

    def complete(self, request: TeacherRequest) -> Completion:
        if self._closed:
            raise TeacherError("openai backend is closed")
        chat = request.prompt is None
        url = f"{self.base_url}/{'chat/completions' if chat else 'completions'}"
        payload = self._payload(request)
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Transient),
            before_sleep=self._log_retry,
            reraise=False,
        )
        try:
            data = retrying(self._post, url, payload)
        except RetryError as err:
            last = err.last_attempt.exception()
            raise TeacherError(
                self._scrub(
                    f"POST {url} failed after {err.last_attempt.attempt_number} attempts "
                    f"(model {self.model!r}): {last}"
                )
            ) from None
        completion = self._parse(data, chat, url)
        if request.params.choices:
            return replace(completion, text=unwrap_choice(completion.text))
        return completion

    def _parse(self, data: dict[str, Any], chat: bool, url: str) -> Completion:
        if "error" in data:
            raise TeacherError(self._scrub(f"POST {url}: server error: {data['error']}"))
        try:
            choice = data["choices"][0]
            text = (choice.get("message") or {}).get("content") if chat else choice.get("text")
            usage = data.get("usage") or {}
            return Completion(
                text=text or "",
                finish_reason=str(choice.get("finish_reason") or "stop"),
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                served_model=str(data.get("model") or ""),
            )
        except (KeyError, IndexError, TypeError, AttributeError) as err:
            raise TeacherError(f"POST {url}: malformed reply ({err!r})") from None

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._client.close()
