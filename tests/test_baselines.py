"""The teacher-prompting baseline's choice of test rows."""

from synthdistill.baselines import interleave_labels


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
