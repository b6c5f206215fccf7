"""Teacher cache: first answer per key wins, oversize replies are capped, a corrupt cache
is a clear error, and a server that changes the model behind a name is refused."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from synthdistill.teachers.base import (
    Completion,
    Message,
    SamplingParams,
    TeacherError,
    TeacherRequest,
)
from synthdistill.teachers.cache import MAX_COMPLETION_CHARS, TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher


def ask(text: str, seed: int = 0) -> TeacherRequest:
    return TeacherRequest(messages=(Message("user", text),), params=SamplingParams(seed=seed))


def test_first_stored_answer_wins_and_is_returned(tmp_path: Path) -> None:
    cache = TeacherCache(tmp_path / "c.sqlite")
    first = cache.put("k", Completion("first", "stop", 1, 1))
    second = cache.put("k", Completion("second", "stop", 1, 1))
    assert first.text == second.text == "first"
    hit = cache.get("k")
    assert hit is not None and hit.text == "first"


def test_teacher_uses_the_stored_answer_not_its_own(tmp_path: Path) -> None:
    """Another process stored this key meanwhile: the output is rebuilt from the cache."""
    path = tmp_path / "c.sqlite"
    other = Teacher(FakeBackend(responder=lambda r: "other process"), TeacherCache(path))
    mine = Teacher(FakeBackend(responder=lambda r: "this process"), TeacherCache(path))
    key = other.generate([ask("q")])[0][0].key
    # simulate the race: this process computed too, but the row is already there
    stored = mine.cache.put(key, Completion("this process", "stop"))
    assert stored.text == "other process"
    assert mine.generate([ask("q")])[0][0].text == "other process"


CONCURRENT = """
import sys, time
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher
name = sys.argv[2]
answer = lambda r: f"{name}:{r.messages[0].content}"
backend = FakeBackend(responder=answer, concurrency=4, delay=0.01)
teacher = Teacher(backend, TeacherCache(sys.argv[1]), progress=False)
reqs = [
    TeacherRequest(messages=(Message("user", f"q{i}"),), params=SamplingParams(seed=i))
    for i in range(40)
]
print("\\n".join(c[0].text for c in teacher.generate(reqs)))
"""


def test_four_concurrent_processes_agree_with_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    TeacherCache(path).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CONCURRENT, str(path), f"p{i}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outputs = [proc.communicate(timeout=120)[0].split("\n") for proc in procs]
    assert all(proc.returncode == 0 for proc in procs)
    rebuilt = subprocess.run(
        [sys.executable, "-c", CONCURRENT, str(path), "rebuild"], capture_output=True, text=True
    ).stdout.split("\n")
    assert not any(line.startswith("rebuild:") for line in rebuilt)  # all from the cache
    for out in outputs:
        assert out == rebuilt


def test_oversize_reply_is_capped_and_marked_truncated(tmp_path: Path) -> None:
    cache = TeacherCache(tmp_path / "c.sqlite")
    stored = cache.put("k", Completion("x" * (MAX_COMPLETION_CHARS + 10), "stop"))
    assert len(stored.text) == MAX_COMPLETION_CHARS and stored.finish_reason == "length"


def test_corrupt_cache_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(TeacherError, match=f"{path}: the teacher cache is unreadable"):
        TeacherCache(path)


def test_a_different_served_model_under_the_same_name_is_refused(tmp_path: Path) -> None:
    cache = TeacherCache(tmp_path / "c.sqlite")

    class Served(FakeBackend):
        def __init__(self, served: str) -> None:
            super().__init__()
            self.served = served

        def complete(self, request: TeacherRequest) -> Completion:
            return replace(super().complete(request), served_model=self.served)

    Teacher(Served("model-a"), cache).generate([ask("q1")])
    Teacher(Served("model-a"), cache).generate([ask("q2")])
    with pytest.raises(TeacherError, match="now reports model 'model-b'.*came from 'model-a'"):
        Teacher(Served("model-b"), cache).generate([ask("q3")])
