"""The one teacher interface every backend implements."""

from __future__ import annotations

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

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["stop"] = list(self.stop)
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
    """A backend completes one single-sample request; it must be thread-safe.

    The :class:`~synthdistill.teachers.teacher.Teacher` wrapper runs up to
    ``concurrency`` requests at once (llama.cpp batches them into parallel slots, an
    HTTP server receives them concurrently) and caches each result as it finishes.
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
