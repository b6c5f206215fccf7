"""How calls are dispatched: a continuous window, stop after a failure, several endpoints,
rate limits. Fake backends and mocked HTTP (fast, no timing assertions)."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from mock_http import as_send

from synthdistill.teachers.base import (
    Completion,
    Message,
    SamplingParams,
    TeacherError,
    TeacherRequest,
)
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.http import EndpointPool, MinuteWindow
from synthdistill.teachers.openai_backend import OpenAIBackend
from synthdistill.teachers.teacher import Teacher


def chat(text: str) -> TeacherRequest:
    return TeacherRequest(messages=(Message("user", text),), params=SamplingParams(max_tokens=4))


@pytest.fixture
def cache(tmp_path: Path) -> TeacherCache:
    return TeacherCache(tmp_path / "cache.sqlite")


class Blocking(FakeBackend):
    """Call ``q0`` blocks until the last request has started: only possible when freed
    slots are refilled at once (with waves, q0's wave would never end)."""

    def __init__(self, last: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.last = last
        self.last_started = threading.Event()
        self.in_flight = 0
        self.peak = 0
        self.gauge = threading.Lock()

    def complete(self, request: TeacherRequest) -> Completion:
        text = request.messages[-1].content
        with self.gauge:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            if text == self.last:
                self.last_started.set()
            if text == "q0":
                assert self.last_started.wait(20), "the window was not refilled continuously"
            return super().complete(request)
        finally:
            with self.gauge:
                self.in_flight -= 1


def test_slots_are_refilled_as_each_call_finishes(cache: TeacherCache) -> None:
    requests = [chat(f"q{i}") for i in range(12)]
    backend = Blocking(last="q11", concurrency=3)
    out = Teacher(backend, cache, progress=False).generate(requests)
    assert backend.calls == 12 and all(row[0].text for row in out)
    assert backend.peak <= 3  # never more than the window in flight


def test_no_new_call_starts_after_a_hard_failure(cache: TeacherCache) -> None:
    requests = [chat(f"q{i}") for i in range(40)]
    backend = FakeBackend(fail_after=5, concurrency=4)
    with pytest.raises(TeacherError, match="after 5 finished calls"):
        Teacher(backend, cache, progress=False).generate(requests)
    # the failing call plus at most the others already in flight, not the rest
    assert backend.calls == 5 and backend.failures <= 4
    assert len(cache) == 5


class Together(FakeBackend):
    """An async backend whose calls all finish at once when the last one has started."""

    def __init__(self, total: int) -> None:
        super().__init__(concurrency=total)
        self.total = total
        self.started = 0
        self.go: asyncio.Event | None = None

    async def acomplete(self, request: TeacherRequest) -> Completion:
        self.go = self.go or asyncio.Event()
        self.started += 1
        if self.started == self.total:
            self.go.set()
        await self.go.wait()
        return self.complete(request)


def test_calls_that_finish_together_are_stored_in_one_commit(
    cache: TeacherCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    put_many = cache.put_many

    def counting(entries: list[tuple[str, Completion, str]]) -> list[Completion]:
        batches.append(len(entries))
        return put_many(entries)

    monkeypatch.setattr(cache, "put_many", counting)
    requests = [chat(f"q{i}") for i in range(16)]
    out = Teacher(Together(16), cache, progress=False).generate(requests)
    assert batches == [16] and len(cache) == 16
    for row in out:
        stored = cache.get(row[0].key)
        assert stored is not None and stored.text == row[0].text


# --- several endpoints ---------------------------------------------------------------------


def answer(text: str) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "model": "m",
            "choices": [{"message": {"content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 2, "completion_tokens": 1},
        },
    )


def test_a_dead_endpoint_is_set_aside_and_the_other_carries_on(cache: TeacherCache) -> None:
    hits = {"a": 0, "b": 0}
    answered: list[str] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        hits[host] += 1
        if host == "a":
            raise httpx.ConnectError("refused", request=request)
        await asyncio.sleep(0.001)
        prompt = json.loads(request.content)["messages"][-1]["content"]
        answered.append(prompt)
        return answer(f"re {prompt}")

    backend = OpenAIBackend(
        "m",
        base_urls=["http://a:1", "http://b:2"],
        concurrency=4,
        max_retries=3,
        backoff=0.001,
        send=as_send(handler),
    )
    requests = [chat(f"q{i}") for i in range(30)]
    out = Teacher(backend, cache, progress=False).generate(requests)
    assert [row[0].text for row in out] == [f"re q{i}" for i in range(30)]
    assert sorted(answered) == sorted(f"q{i}" for i in range(30))  # each answered once
    a, b = backend.pool.endpoints
    # a failed twice in a row, was set aside (rest 5 s >> this test), and b did the rest
    assert b.served == 30 and a.served == 0 and hits["a"] <= 2 + 8
    assert a.rest_until > 0


def test_least_loaded_endpoint_gets_the_call() -> None:
    pool = EndpointPool(["http://a:1", "http://b:2", "http://c:3"])
    a, b, c = pool.endpoints
    a.in_flight, b.in_flight, c.in_flight = 3, 1, 2
    assert pool._pick(0.0) is b
    b.rest_until = 10.0  # resting: skipped until then
    assert pool._pick(0.0) is c and pool._pick(10.0) is b


def test_retry_after_rests_only_the_endpoint_that_sent_it(cache: TeacherCache) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "a":
            return httpx.Response(429, headers={"retry-after": "60"}, json={})
        return answer("ok")

    backend = OpenAIBackend(
        "m",
        base_urls=["http://a:1", "http://b:2"],
        concurrency=1,
        backoff=0.001,
        send=as_send(handler),
    )
    out = Teacher(backend, cache, progress=False).generate([chat(f"q{i}") for i in range(6)])
    assert all(row[0].text == "ok" for row in out)
    assert seen.count("a") == 1  # asked once, told to wait a minute, not asked again


def test_endpoints_must_be_distinct_urls() -> None:
    with pytest.raises(TeacherError, match="twice"):
        EndpointPool(["http://a:1/v1", "http://a:1"])
    with pytest.raises(TeacherError, match="base_url or base_urls"):
        OpenAIBackend("m", base_url="http://a:1", base_urls=["http://b:1"])


# --- rate limits ---------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_minute_window_waits_for_the_oldest_spend_to_expire(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = Clock()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr("synthdistill.teachers.http.asyncio.sleep", fake_sleep)

    async def spend() -> None:
        window = MinuteWindow(100, clock=clock)
        await window.acquire(60)
        clock.now = 10.0
        await window.acquire(40)  # 100: at the limit, no wait
        assert slept == []
        await window.acquire(1)  # must wait until the first spend (t=0) leaves the window
        assert clock.now == pytest.approx(60.0)
        window.correct(40, 70)  # the call really cost 70: 30 more booked
        assert window._total == 40 + 1 + 30
        await window.acquire(500)  # larger than the limit: goes alone
        assert window._total <= 100

    asyncio.run(spend())


def test_request_rate_limit_spaces_the_calls(
    cache: TeacherCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[float] = []
    clock = Clock()
    monkeypatch.setattr("synthdistill.teachers.http.time.monotonic", clock)

    real_sleep = asyncio.sleep

    async def fake_sleep(seconds: float) -> None:
        clock.now += seconds
        await real_sleep(0)

    monkeypatch.setattr("synthdistill.teachers.http.asyncio.sleep", fake_sleep)

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(clock.now)
        return answer("ok")

    backend = OpenAIBackend(
        "m",
        base_url="http://a:1",
        concurrency=8,
        max_requests_per_minute=5,
        send=as_send(handler),
    )
    Teacher(backend, cache, progress=False).generate([chat(f"q{i}") for i in range(12)])
    assert len(calls) == 12
    for i in range(len(calls) - 5):  # any 5 consecutive starts... the 6th is a minute later
        assert calls[i + 5] - calls[i] >= 60.0 - 1e-6
