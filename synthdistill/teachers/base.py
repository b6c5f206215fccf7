"""The one teacher interface every backend implements."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from synthdistill.errors import TeacherError as TeacherError

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 0.95
    top_p: float = 0.9
    top_k: int = 0  # 0 = disabled
    max_tokens: int = 128
    stop: tuple[str, ...] = ()
    seed: int = 0
    choices: tuple[str, ...] = ()  # non-empty: the answer must be exactly one of these

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stop"] = list(self.stop)
        if self.choices:
            data["choices"] = list(self.choices)
        else:  # absent, not empty: keeps the cache keys of unconstrained calls unchanged
            del data["choices"]
        return data


@dataclass(frozen=True)
class TeacherRequest:
    """One call: chat ``messages`` OR a raw completion ``prompt``; ``n`` samples.

    Each sample ``i`` is cached separately and is sampled with seed ``params.seed + i``.
    """

    messages: tuple[Message, ...] = ()
    prompt: str | None = None
    params: SamplingParams = field(default_factory=SamplingParams)
    n: int = 1

    def __post_init__(self) -> None:
        if bool(self.messages) == (self.prompt is not None):
            raise ValueError("TeacherRequest needs exactly one of messages or prompt")
        if self.n < 1:
            raise ValueError("TeacherRequest.n must be >= 1")

    def sample(self, index: int) -> TeacherRequest:
        """The single-sample request for sample ``index`` (its own seed)."""
        params = SamplingParams(**{**asdict(self.params), "seed": self.params.seed + index})
        return TeacherRequest(messages=self.messages, prompt=self.prompt, params=params, n=1)

    def rendered(self) -> dict[str, Any]:
        """What the backend sees, as plain data (used for cache keys)."""
        if self.prompt is not None:
            return {"prompt": self.prompt}
        return {"messages": [{"role": m.role, "content": m.content} for m in self.messages]}


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str  # "stop" | "length" | "error"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False
    key: str = ""  # cache key of the call that produced it (lineage)
    served_model: str = ""  # the model id the server says answered (OpenAI ``model`` field)


class TeacherBackend(Protocol):
    """A backend completes one single-sample request; ``complete`` must be thread-safe.

    The :class:`~synthdistill.teachers.teacher.Teacher` wrapper keeps up to
    ``concurrency`` requests in flight (llama.cpp batches them into parallel slots, an
    HTTP server receives them concurrently) and caches results as they finish. A backend
    may also offer ``async def acomplete(request)`` (and ``async def aclose()``): the
    Teacher then awaits it on its event loop instead of calling ``complete`` in threads.
    """

    name: str
    concurrency: int

    def identity(self) -> dict[str, Any]:
        """Everything that identifies the model (backend, file sha256 / repo+revision)."""
        ...

    def complete(self, request: TeacherRequest) -> Completion:
        """Complete ``request`` (``n == 1``); raise TeacherError after bounded retries."""
        ...

    def close(self) -> None: ...


def choice_grammar(choices: tuple[str, ...]) -> str:
    """A GBNF grammar (llama.cpp) whose only sentences are the ``choices``."""
    return "root ::= " + " | ".join(json.dumps(c, ensure_ascii=False) for c in choices)


def choice_schema(choices: tuple[str, ...]) -> dict[str, Any]:
    """An OpenAI-style ``response_format`` whose only answers are the JSON strings of
    ``choices`` (vLLM, llama.cpp's server, Ollama; OpenAI's own API wants an object at the
    root and refuses it: set ``teacher_prompting.constrained: false`` there).

    A string root, not ``{"answer": ...}``: llama.cpp's schema grammar lets an object
    start with free whitespace, and a small model fills ``max_tokens`` with newlines.
    """
    return {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": {"type": "string", "enum": list(choices)},
        },
    }


def unwrap_choice(text: str) -> str:
    """The bare answer of a :func:`choice_schema` reply (the text itself if not JSON)."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    return data if isinstance(data, str) else text


def openai_payload(request: TeacherRequest) -> dict[str, Any]:
    """The OpenAI-style request body (chat ``messages`` or completion ``prompt``).

    Shared by the llama.cpp and OpenAI-compatible backends; each adds its own extras.
    """
    p = request.params
    payload: dict[str, Any] = {
        "max_tokens": p.max_tokens,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "seed": p.seed,
    }
    if p.stop:
        payload["stop"] = list(p.stop)
    if request.prompt is not None:
        payload["prompt"] = request.prompt
    else:
        payload["messages"] = request.rendered()["messages"]
    return payload
