"""A deterministic in-memory teacher for unit tests (no model, no network)."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from synthdistill.teachers.base import Completion, TeacherError, TeacherRequest

Responder = Callable[[TeacherRequest], str]


def echo_responder(request: TeacherRequest) -> str:
    """Default answer: a digest of the rendered input, sampling params and seed."""
    blob = json.dumps([request.rendered(), request.params.as_dict()], sort_keys=True)
    digest = hashlib.sha256(blob.encode("utf-8")).hexdigest()
    if request.params.choices:  # a constrained call answers one of the choices
        return request.params.choices[int(digest, 16) % len(request.params.choices)]
    return f"fake-{digest[:16]}"


class FakeBackend:
    """Answers with ``responder(request)``; ``fail_after=k`` makes call k+1 onwards fail.

    ``calls`` counts successful calls, ``requests`` records them (thread-safe).
    """

    name = "fake"

    def __init__(
        self,
        responder: Responder | None = None,
        fail_after: int | None = None,
        concurrency: int = 1,
        model: str = "fake-model",
        delay: float = 0.0,
    ) -> None:
        self.responder = responder or echo_responder
        self.fail_after = fail_after
        self.concurrency = concurrency
        self.model = model
        self.delay = delay
        self.calls = 0
        self.failures = 0
        self.requests: list[TeacherRequest] = []
        self.closed = False
        self._lock = threading.Lock()

    def identity(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model}

    def complete(self, request: TeacherRequest) -> Completion:
        with self._lock:
            if self.fail_after is not None and self.calls >= self.fail_after:
                self.failures += 1
                raise TeacherError(f"fake teacher died after {self.calls} calls")
            self.calls += 1
            self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        text = self.responder(request)
        source = request.prompt if request.prompt is not None else request.messages[-1].content
        return Completion(
            text=text,
            finish_reason="stop",
            prompt_tokens=len(source.split()),
            completion_tokens=len(text.split()),
        )

    def close(self) -> None:
        self.closed = True
