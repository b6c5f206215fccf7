"""The teacher-prompting baseline's choice of test rows."""

from pathlib import Path

from synthdistill.task_kinds import interleave_labels


def _rows(counts: dict[str, int]) -> list[dict[str, str]]:
    """Rows stored label by label, as test.jsonl is."""
    return [{"id": f"{label}{i}", "label": label} for label, n in counts.items() for i in range(n)]


def test_interleave_labels_alternates_labels() -> None:
    rows = _rows({"a": 3, "b": 3, "c": 3})
    order = interleave_labels(rows, None)
    assert [r["id"] for r in order] == ["a0", "b0", "c0", "a1", "b1", "c1", "a2", "b2", "c2"]


def test_interleave_labels_respects_the_limit() -> None:
    rows = _rows({"a": 4, "b": 4})
    head = interleave_labels(rows, 3)
    assert [r["id"] for r in head] == ["a0", "b0", "a1"]
    assert interleave_labels(rows, 0) == []
    assert len(interleave_labels(rows, 100)) == 8


def test_interleave_labels_none_keeps_every_row_of_uneven_labels() -> None:
    rows = _rows({"a": 1, "b": 3, "c": 2})
    order = interleave_labels(rows, None)
    assert [r["id"] for r in order] == ["a0", "b0", "c0", "b1", "c1", "b2"]
    assert sorted(r["id"] for r in order) == sorted(r["id"] for r in rows)
    assert interleave_labels([], None) == [] and interleave_labels([], 5) == []


def test_fewshot_requests_share_one_prefix_and_constrain_the_answer() -> None:
    from synthdistill.params import TaskDataParams, TaskParams
    from synthdistill.teacher_requests import classify_requests

    task = TaskParams(
        language="en",
        description="d",
        labels={"a": "about a", "b": "about b"},
        data=TaskDataParams(source="file"),
    )
    shots = [{"text": "s1", "label": "a"}, {"text": "s2", "label": "b"}]
    rows = [{"text": "x"}, {"text": "y"}]
    fewshot = classify_requests(task, rows, 16, shots, constrained=True)
    roles = [m.role for m in fewshot[0].messages]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert fewshot[0].messages[:-1] == fewshot[1].messages[:-1]  # one cacheable prefix
    assert [m.content for m in fewshot[0].messages if m.role == "assistant"] == ["a", "b"]
    assert fewshot[0].params.choices == ("a", "b")
    zero = classify_requests(task, rows, 16, (), constrained=False)
    assert [m.role for m in zero[0].messages] == ["system", "user"]
    assert zero[0].params.choices == () and "choices" not in zero[0].params.as_dict()


def test_prompting_uses_one_llamacpp_slot_only_with_a_shared_prefix() -> None:
    from synthdistill.params import TeacherParams
    from synthdistill.teachers import prompting_teacher_params

    local = TeacherParams(backend="llamacpp", parallel=8)
    assert prompting_teacher_params(local, shared_prefix=True).parallel == 1
    assert prompting_teacher_params(local, shared_prefix=False).parallel == 8
    server = TeacherParams(backend="openai", parallel=8)
    assert prompting_teacher_params(server, shared_prefix=True).parallel == 8


def test_fake_teacher_prompting_predicts_only_labels(tmp_path: Path) -> None:
    from synthdistill.params import TaskDataParams, TaskParams
    from synthdistill.teacher_requests import classify_requests, teacher_classify
    from synthdistill.teachers import Teacher, TeacherCache
    from synthdistill.teachers.fake import FakeBackend

    task = TaskParams(
        language="en",
        description="d",
        labels={"a": "A", "b": "B"},
        data=TaskDataParams(source="file"),
    )
    rows = [{"id": str(i), "text": f"row {i}", "label": "a"} for i in range(6)]
    teacher = Teacher(FakeBackend(), TeacherCache(tmp_path / "c.sqlite"), progress=False)
    requests = classify_requests(task, rows, 16, [{"text": "s", "label": "b"}])
    out = teacher_classify(teacher, task, rows, requests)
    assert {r["prediction"] for r in out} <= {"a", "b"} and len(out) == 6
