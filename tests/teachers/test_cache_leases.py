"""Concurrent workers on one teacher cache (as `dvc exp run --queue` workers are) pay
once per key: a worker leases the keys it calls, the others wait for the answers; a
lease whose holder died expires and the key is called again."""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from synthdistill.teachers.base import Message, TeacherRequest
from synthdistill.teachers.cache import TeacherCache, cache_key
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher

WORKER = """
import sys
from synthdistill.teachers.base import Message, TeacherRequest
from synthdistill.teachers.cache import TeacherCache, cache_key
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher
backend = FakeBackend(delay=0.05, concurrency=4)
requests = [TeacherRequest(messages=(Message("user", f"x{i}"),)) for i in range(16)]
teacher = Teacher(backend, TeacherCache(sys.argv[1]), progress=False)
answers = teacher.generate(requests)
print(backend.calls, len([a for a in answers if a]), flush=True)
"""


def test_four_workers_make_one_backend_call_per_key(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    TeacherCache(path).close()  # the schema exists before the workers race
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = [worker.communicate(timeout=120)[0].split() for worker in workers]
    assert all(worker.returncode == 0 for worker in workers)
    assert sum(int(calls) for calls, _ in outputs) == 16  # not 64
    assert all(answered == "16" for _, answered in outputs)  # every worker got every answer
    assert len(TeacherCache(path)) == 16
    with sqlite3.connect(path) as conn:  # no lease left behind
        assert conn.execute("SELECT COUNT(*) FROM leases").fetchone()[0] == 0


def test_a_dead_holders_keys_are_called_again(tmp_path: Path) -> None:
    cache = TeacherCache(tmp_path / "cache.sqlite")
    requests = [TeacherRequest(messages=(Message("user", f"y{i}"),)) for i in range(3)]
    backend = FakeBackend()
    teacher = Teacher(backend, cache, progress=False, lease_seconds=0.5)
    keys = [cache_key(teacher.identity, r, 0) for r in requests]
    assert cache.claim(keys, "dead-worker", ttl=0.5) == set(keys)  # then it "dies"
    start = time.perf_counter()
    answers = teacher.generate(requests)
    assert all(answers) and backend.calls == 3
    assert time.perf_counter() - start >= 0.4  # it waited for the lease to expire


def test_a_killed_local_workers_leases_are_taken_at_once(tmp_path: Path) -> None:
    """A run killed mid-call (dvc's kill, a crash) resumes without waiting for its own
    leases to expire: a lease of a process that is gone on this machine is dropped."""
    cache = TeacherCache(tmp_path / "cache.sqlite")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    holder = f"{socket.gethostname()}:{dead.stdout.strip()}:x"
    requests = [TeacherRequest(messages=(Message("user", f"z{i}"),)) for i in range(2)]
    backend = FakeBackend()
    teacher = Teacher(backend, cache, progress=False)  # the default 300 s lease
    keys = [cache_key(teacher.identity, r, 0) for r in requests]
    assert cache.claim(keys, holder, ttl=300) == set(keys)
    start = time.perf_counter()
    assert all(teacher.generate(requests)) and backend.calls == 2
    assert time.perf_counter() - start < 5
