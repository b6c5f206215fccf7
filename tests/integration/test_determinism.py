"""The documented deterministic mode: with one llama.cpp slot (teacher.parallel: 1) the
same requests give the same text from two fresh caches; batching several sequences
(parallel > 1) may not, which is why the recorded calls travel with the repo (replay)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.llamacpp import LlamaCppBackend
from synthdistill.teachers.teacher import Teacher

pytestmark = pytest.mark.integration
MODEL = "smollm2-135m-instruct"


def test_one_slot_is_deterministic_across_fresh_caches(tmp_path: Path) -> None:
    requests = [
        TeacherRequest(
            messages=(Message("user", f"Write one sentence about topic number {i}."),),
            params=SamplingParams(temperature=0.9, top_p=0.9, max_tokens=24, seed=i),
        )
        for i in range(4)
    ]
    texts = []
    for run in range(2):
        backend = LlamaCppBackend(MODEL, threads=1, parallel=1, context=1024)
        teacher = Teacher(backend, TeacherCache(tmp_path / f"c{run}.sqlite"), progress=False)
        texts.append([out[0].text for out in teacher.generate(requests)])
        assert teacher.usage.teacher_calls == 4
        teacher.close()
    assert texts[0] == texts[1]
