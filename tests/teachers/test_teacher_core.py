"""Cache keys, the Teacher wrapper and resumption, with the fake backend (fast)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from synthdistill.params import ParamsError, TeacherParams
from synthdistill.teachers import BACKENDS, build_teacher, supports_chat
from synthdistill.teachers.base import (
    Completion,
    Message,
    SamplingParams,
    TeacherError,
    TeacherRequest,
)
from synthdistill.teachers.cache import TeacherCache, cache_key
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher

IDENT = {"backend": "fake", "model": "m"}


def chat(text: str, n: int = 1, **params: Any) -> TeacherRequest:
    return TeacherRequest(messages=(Message("user", text),), params=SamplingParams(**params), n=n)


@pytest.fixture
def cache(tmp_path: Path) -> TeacherCache:
    return TeacherCache(tmp_path / "cache.sqlite")


# --- cache_key ---------------------------------------------------------------------------


def test_cache_key_is_stable() -> None:
    a = cache_key(dict(IDENT), chat("hi"), 0)
    b = cache_key({"model": "m", "backend": "fake"}, chat("hi"), 0)  # dict order irrelevant
    assert a == b and len(a) == 64


@pytest.mark.parametrize(
    "other",
    [
        lambda: cache_key({"backend": "fake", "model": "m2"}, chat("hi"), 0),
        lambda: cache_key({**IDENT, "sha256": "x"}, chat("hi"), 0),
        lambda: cache_key(IDENT, chat("hi!"), 0),
        lambda: cache_key(
            IDENT, TeacherRequest(messages=(Message("system", "hi"),)), 0
        ),  # role matters
        lambda: cache_key(IDENT, TeacherRequest(prompt="hi"), 0),  # raw prompt != chat
        lambda: cache_key(IDENT, chat("hi", temperature=0.5), 0),
        lambda: cache_key(IDENT, chat("hi", top_p=0.5), 0),
        lambda: cache_key(IDENT, chat("hi", max_tokens=7), 0),
        lambda: cache_key(IDENT, chat("hi", stop=("\n",)), 0),
        lambda: cache_key(IDENT, chat("hi", seed=1), 0),
        lambda: cache_key(IDENT, chat("hi"), 1),  # sample index
    ],
)
def test_cache_key_changes(other: object) -> None:
    assert callable(other)
    assert other() != cache_key(IDENT, chat("hi"), 0)


def test_cache_key_needs_single_sample() -> None:
    with pytest.raises(ValueError):
        cache_key(IDENT, chat("hi", n=2), 0)


def test_samples_get_distinct_seeds_and_keys() -> None:
    request = chat("hi", n=3, seed=10)
    singles = [request.sample(i) for i in range(3)]
    assert [s.params.seed for s in singles] == [10, 11, 12]
    assert len({cache_key(IDENT, s, i) for i, s in enumerate(singles)}) == 3


# --- Teacher -----------------------------------------------------------------------------


def test_teacher_returns_n_samples_then_all_cache_hits(cache: TeacherCache) -> None:
    requests = [chat("a", n=3), TeacherRequest(prompt="b", n=2), chat("c")]
    backend = FakeBackend(concurrency=3)
    teacher = Teacher(backend, cache, progress=False)
    out = teacher.generate(requests)
    assert [len(row) for row in out] == [3, 2, 1]
    assert len({c.text for c in out[0]}) == 3  # each sample has its own seed
    assert backend.calls == 6 and teacher.usage.teacher_calls == 6
    assert all(not c.cached and len(c.key) == 64 for row in out for c in row)

    again = FakeBackend(concurrency=3)
    teacher2 = Teacher(again, cache, progress=False)
    out2 = teacher2.generate(requests)
    assert again.calls == 0
    assert teacher2.usage.cache_hits == 6 and teacher2.usage.teacher_calls == 0
    assert [[c.text for c in row] for row in out2] == [[c.text for c in row] for row in out]
    assert all(c.cached for row in out2 for c in row)


def test_more_samples_reuse_the_cached_ones(cache: TeacherCache) -> None:
    Teacher(FakeBackend(), cache, progress=False).generate([chat("a", n=2)])
    backend = FakeBackend()
    out = Teacher(backend, cache, progress=False).generate([chat("a", n=5)])
    assert backend.calls == 3 and len(out[0]) == 5


def test_failure_keeps_finished_calls_and_rerun_resumes(cache: TeacherCache) -> None:
    requests = [chat(f"q{i}") for i in range(6)]
    dying = FakeBackend(fail_after=2)
    with pytest.raises(TeacherError, match="after 2 finished calls"):
        Teacher(dying, cache, progress=False).generate(requests)
    assert dying.calls == 2 and len(cache) == 2

    healthy = FakeBackend()
    out = Teacher(healthy, cache, progress=False).generate(requests)
    assert healthy.calls == 4
    done_before = {r.messages[0].content for r in dying.requests}
    assert done_before.isdisjoint(r.messages[0].content for r in healthy.requests)
    assert [row[0].text for row in out] == [
        row[0].text for row in Teacher(FakeBackend(), cache, progress=False).generate(requests)
    ]


def test_calls_in_flight_at_failure_are_cached(cache: TeacherCache) -> None:
    """A call that fails must not throw away concurrent calls that still finish."""
    release = threading.Event()

    def responder(request: TeacherRequest) -> str:
        if request.messages[0].content == "boom":
            release.set()
            raise TeacherError("boom")
        release.wait(5)
        return "ok"

    backend = FakeBackend(responder=responder, concurrency=2)
    with pytest.raises(TeacherError, match="boom"):
        Teacher(backend, cache, progress=False).generate([chat("slow"), chat("boom")])
    assert len(cache) == 1


def test_usage_ledger(cache: TeacherCache) -> None:
    teacher = Teacher(FakeBackend(), cache, progress=False)
    teacher.generate([chat("one two three", n=2)])
    usage = teacher.usage.as_dict()
    assert usage["requests"] == 2 and usage["teacher_calls"] == 2
    assert usage["prompt_tokens"] == 6 and usage["completion_tokens"] == 2


def test_responder_and_close(cache: TeacherCache) -> None:
    backend = FakeBackend(responder=lambda r: r.rendered()["messages"][0]["content"].upper())
    teacher = Teacher(backend, cache, progress=False)
    assert teacher.generate([chat("abc")])[0][0].text == "ABC"
    teacher.close()
    assert backend.closed


# --- cache sharing -------------------------------------------------------------------------


def test_two_cache_handles_on_one_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    first, second = TeacherCache(path), TeacherCache(path)
    first.put("k1", Completion("one", "stop", 1, 1))
    hit = second.get("k1")
    assert hit is not None and hit.text == "one" and hit.cached
    second.put("k2", Completion("two", "length"))
    assert len(first) == 2
    assert first._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_cache_shared_with_another_process(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    requests = [chat(f"x{i}") for i in range(4)]
    Teacher(FakeBackend(), TeacherCache(path), progress=False).generate(requests[:2])
    script = (
        "import sys\n"
        "from synthdistill.teachers.base import Message, TeacherRequest\n"
        "from synthdistill.teachers.cache import TeacherCache\n"
        "from synthdistill.teachers.fake import FakeBackend\n"
        "from synthdistill.teachers.teacher import Teacher\n"
        "b = FakeBackend()\n"
        "reqs = [TeacherRequest(messages=(Message('user', f'x{i}'),)) for i in range(4)]\n"
        "Teacher(b, TeacherCache(sys.argv[1]), progress=False).generate(reqs)\n"
        "print(b.calls)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "2"  # the other process reused this one's two answers
    backend = FakeBackend()
    Teacher(backend, TeacherCache(path), progress=False).generate(requests)
    assert backend.calls == 0  # ... and this one sees the other's


# --- build_teacher ---------------------------------------------------------------------------


def test_build_teacher_rejects_unknown_backend(cache: TeacherCache) -> None:
    with pytest.raises(ParamsError, match="Unknown teacher backend 'vllm'; choose one of: "):
        build_teacher(TeacherParams(backend="vllm"), cache=cache)
    assert BACKENDS == ("llamacpp", "openai", "transformers")


def test_build_teacher_openai_uses_name_as_is(
    cache: TeacherCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    params = TeacherParams(backend="openai", model="gpt-x", parallel=3, max_retries=0)
    teacher = build_teacher(params, cache=cache, progress=False)
    assert teacher.identity == {"backend": "openai", "model": "gpt-x"}  # no endpoint in it
    assert teacher.backend.concurrency == 3
    assert teacher.backend.base_urls == ["http://127.0.0.1:9/v1"]  # type: ignore[attr-defined]
    two = params.model_copy(update={"base_urls": ["http://a:1", "http://b:2/v1"]})
    scaled = build_teacher(two, cache=cache, progress=False)
    assert scaled.identity == teacher.identity  # the same calls, whichever server answers
    assert scaled.backend.concurrency == 6  # parallel is per server
    assert build_teacher(params, model="other", cache=cache).identity["model"] == "other"


def test_supports_chat() -> None:
    assert supports_chat("smollm2-135m-instruct")
    assert not supports_chat("gemma3-270m")  # base model: registry says so (no load needed)
    assert supports_chat("some-org/some-model")
