"""Replayable teacher calls: export the calls outputs name, import them elsewhere, and the
same requests cost 0 teacher calls and give the same answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthdistill.cli import main
from synthdistill.errors import DataError
from synthdistill.io import write_jsonl
from synthdistill.replay import export_calls, import_calls, keys_in_outputs
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher

REQUESTS = [
    TeacherRequest(messages=(Message("user", f"q{i}"),), params=SamplingParams(seed=i))
    for i in range(5)
]


def test_export_import_round_trip_costs_no_calls(tmp_path: Path) -> None:
    first = Teacher(FakeBackend(), TeacherCache(tmp_path / "a.sqlite"), progress=False)
    answers = [c[0] for c in first.generate(REQUESTS)]
    data = tmp_path / "data" / "toy"
    rows = [
        {"id": str(i), "text": a.text, "lineage": {"teacher_call": a.key}}
        for i, a in enumerate(answers)
    ]
    write_jsonl(data / "generated.jsonl", rows[:3])
    write_jsonl(data / "teacher_predictions.jsonl", [{"id": "p", "teacher_call": answers[3].key}])
    keys = keys_in_outputs([data])
    assert keys == {a.key for a in answers[:4]}
    # SELF-GUIDE's rows name an input call and a list of answer calls
    guided = {"id": "g", "lineage": {"input_call": "k-in", "answer_calls": ["k-a", "k-b"]}}
    write_jsonl(tmp_path / "sg" / "generate_rejected.jsonl", [guided])
    assert keys_in_outputs([tmp_path / "sg"]) == {"k-in", "k-a", "k-b"}
    out = tmp_path / "replay.jsonl.gz"
    assert export_calls(first.cache, out, keys) == 4
    again = tmp_path / "again.jsonl.gz"
    export_calls(first.cache, again, keys)
    assert out.read_bytes() == again.read_bytes()  # deterministic bytes
    fresh = TeacherCache(tmp_path / "b.sqlite")
    assert import_calls(fresh, out) == (4, 4)
    assert import_calls(fresh, out) == (4, 0)  # idempotent
    backend = FakeBackend(responder=lambda r: "a different model")
    second = Teacher(backend, fresh, progress=False)
    replayed = [c[0].text for c in second.generate(REQUESTS[:4])]
    assert replayed == [a.text for a in answers[:4]] and backend.calls == 0


def test_export_refuses_keys_the_cache_lacks(tmp_path: Path) -> None:
    cache = TeacherCache(tmp_path / "a.sqlite")
    with pytest.raises(DataError, match="not in the cache"):
        export_calls(cache, tmp_path / "x.gz", {"0" * 64})


def test_cli_replay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "cache"))
    teacher = Teacher(FakeBackend(), TeacherCache(), progress=False)
    teacher.generate(REQUESTS)
    teacher.close()
    target = tmp_path / "r.jsonl.gz"
    assert main(["replay", "export", "--all", "--file", str(target)]) == 0
    monkeypatch.setenv("SYNTHDISTILL_CACHE_DIR", str(tmp_path / "other"))
    assert main(["replay", "import", "--file", str(target)]) == 0
    assert len(TeacherCache()) == 5
    assert main(["replay", "import", "--file", str(tmp_path / "missing.gz")]) == 2
