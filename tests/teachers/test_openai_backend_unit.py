"""OpenAI backend against a mocked transport: retries, errors, payload, secrets."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from mock_http import as_send

from synthdistill.teachers.base import Message, SamplingParams, TeacherError, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.openai_backend import OpenAIBackend, normalize_base_url
from synthdistill.teachers.teacher import Teacher

SECRET = "sk-test-DO-NOT-LEAK-4f9a1c"
CHAT = TeacherRequest(messages=(Message("user", "hi"),), params=SamplingParams(max_tokens=5))


def reply(text: str = "hello") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "choices": [
                {"message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        },
    )


def backend(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> OpenAIBackend:
    options: dict[str, object] = {"max_retries": 3, "backoff": 0.001, "api_key": SECRET}
    options.update(kw)
    return OpenAIBackend(
        "test-model",
        base_url="http://teacher.test/v1",
        send=as_send(handler),
        **options,  # type: ignore[arg-type]
    )


def test_chat_payload_and_parse() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return reply("hey")

    request = TeacherRequest(
        messages=(Message("system", "s"), Message("user", "u")),
        params=SamplingParams(
            temperature=0.7, top_p=0.8, top_k=0, max_tokens=9, stop=("\n",), seed=4
        ),
    )
    out = backend(handler).complete(request)
    assert (out.text, out.finish_reason, out.prompt_tokens, out.completion_tokens) == (
        "hey",
        "stop",
        3,
        1,
    )
    sent = seen[0]
    assert sent.url == "http://teacher.test/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    body = json.loads(sent.content)
    assert body["messages"] == [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
    ]
    assert body["model"] == "test-model" and body["max_tokens"] == 9 and body["seed"] == 4
    assert body["stop"] == ["\n"] and "top_k" not in body  # top_k=0 is not sent


def test_raw_prompt_uses_completions() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/completions"
        assert json.loads(request.content)["prompt"] == "The sky is"
        return httpx.Response(200, json={"choices": [{"text": " blue", "finish_reason": "length"}]})

    out = backend(handler).complete(TeacherRequest(prompt="The sky is"))
    assert out.text == " blue" and out.finish_reason == "length" and out.completion_tokens == 0


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_transient_errors_are_retried(status: int) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return (
            reply()
            if len(calls) == 3
            else httpx.Response(status, json={"error": {"message": "busy"}})
        )

    assert backend(handler).complete(CHAT).text == "hello"
    assert len(calls) == 3


def test_connection_errors_are_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return reply()

    assert backend(handler).complete(CHAT).text == "hello"


def test_every_retry_is_logged_with_its_cause_and_delay(caplog: pytest.LogCaptureFixture) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            return httpx.Response(503, json={"error": {"message": "overloaded"}})
        return reply()

    with caplog.at_level("WARNING", logger="synthdistill"):
        assert backend(handler).complete(CHAT).text == "hello"
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2
    assert "attempt 1 of 4" in retries[0] and "HTTP 503: overloaded" in retries[0]
    assert all(SECRET not in message for message in retries)


def test_gives_up_after_bounded_retries() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(TeacherError) as err:
        backend(handler, max_retries=2).complete(CHAT)
    assert len(calls) == 3
    message = str(err.value)
    assert "http://teacher.test/v1/chat/completions" in message and "3 attempts" in message
    assert "timeout" in message


def test_client_errors_fail_at_once_with_server_message() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(400, json={"error": {"message": "model 'x' not found"}})

    with pytest.raises(TeacherError, match="HTTP 400: model 'x' not found"):
        backend(handler).complete(CHAT)
    assert len(calls) == 1


def test_retry_after_is_honoured_within_cap() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(time.perf_counter())
        if len(calls) == 1:
            return httpx.Response(429, headers={"retry-after": "0.3"}, json={})
        return reply()

    backend(handler).complete(CHAT)
    assert calls[1] - calls[0] >= 0.25


def test_base_url_normalisation(monkeypatch: pytest.MonkeyPatch) -> None:
    assert normalize_base_url("http://127.0.0.1:8080") == "http://127.0.0.1:8080/v1"
    assert normalize_base_url("http://h:1/v1/") == "http://h:1/v1"
    assert normalize_base_url("https://user:pw@host/api/v2?x=1") == "https://host/api/v2"
    with pytest.raises(TeacherError):
        normalize_base_url("127.0.0.1:8080")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://from-env:5")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    local = OpenAIBackend("m")
    assert local.base_url == "http://from-env:5/v1"
    assert local.pool.api_key == ""  # no key: no Authorization header (local servers)


# --- secrets -------------------------------------------------------------------------------


def test_api_key_never_leaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", f"https://user:{SECRET}@teacher.test/v1")
    state = {"mode": "ok"}

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {SECRET}"  # the key is used...
        if state["mode"] == "echo":  # ...a server that echoes it back in its error
            return httpx.Response(401, json={"error": {"message": f"bad key {SECRET}"}})
        if state["mode"] == "down":
            raise httpx.ConnectError(f"cannot reach {request.url}", request=request)
        return reply("fine")

    client = OpenAIBackend("test-model", send=as_send(handler), max_retries=1, backoff=0.001)
    assert SECRET not in json.dumps(client.identity()) and SECRET not in repr(client)
    cache_path = tmp_path / "cache.sqlite"
    teacher = Teacher(client, TeacherCache(cache_path), progress=False)
    teacher.generate([CHAT])
    for mode in ("echo", "down"):
        state["mode"] = mode
        with pytest.raises(TeacherError) as err:
            teacher.generate([TeacherRequest(prompt=f"fail {mode}")])
        assert SECRET not in str(err.value) and SECRET not in repr(err.value)
        cause = err.value.__cause__
        assert cause is not None and SECRET not in str(cause)
    teacher.cache.close()
    for path in tmp_path.iterdir():  # the db and any WAL/SHM files
        assert SECRET.encode() not in path.read_bytes(), path.name


def test_constrained_answer_sends_a_schema_and_unwraps_the_json_string() -> None:
    seen: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return reply('"apple"')

    constrained = TeacherRequest(
        messages=(Message("user", "fruit?"),),
        params=SamplingParams(max_tokens=8, choices=("apple", "pear")),
    )
    out = backend(handler).complete(constrained)
    assert out.text == "apple"
    schema = seen[0]["response_format"]["json_schema"]["schema"]  # type: ignore[index]
    assert schema == {"type": "string", "enum": ["apple", "pear"]}
    backend(handler).complete(CHAT)
    assert "response_format" not in seen[1]  # unconstrained calls are unchanged
