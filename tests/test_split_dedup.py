"""Copies are removed before the split (no text in two splits, none twice in test), and a
split that leaves no pool fails in stage prepare, naming the setting, before any teacher
call."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthdistill.errors import DataError
from synthdistill.params import TaskParams, load_raw, load_task
from synthdistill.tasks import (
    check_pool,
    deduplicate,
    gold_shortfall,
    load_examples,
    split_examples,
)
from synthdistill.text import normalize

REPO = Path(__file__).resolve().parent.parent
LOCAL_SOURCES = ("bbc_news", "bbc_headline", "ja_news")  # packaged data, no network


def _task(**data: int) -> TaskParams:
    return TaskParams.model_validate(
        {
            "language": "en",
            "description": "tickets",
            "labels": {"a": "first", "b": "second"},
            "data": {"source": "file", **data},
        }
    )


def test_exact_and_near_copies_are_removed_and_counted() -> None:
    base = "The committee met on Tuesday to discuss the new budget for the city schools"
    rows = [
        {"id": "3", "text": base + ".", "label": "a"},
        {"id": "1", "text": base.upper() + ".", "label": "a"},  # exact after case folding
        {"id": "2", "text": base + " again.", "label": "b"},  # near copy, other label
        {"id": "4", "text": "A different sentence about football results today.", "label": "b"},
    ]
    kept, report = deduplicate(rows, "en", threshold=0.7)
    assert [r["id"] for r in kept] == ["1", "4"]  # the first id of a group, source order
    assert report["dropped"] == {"duplicate": 1, "near_duplicate": 1}
    assert report["conflicting"] == 1 and report["input"] == 4 and report["kept"] == 2
    exact_only, report = deduplicate(rows, "en", threshold=None)
    assert [r["id"] for r in exact_only] == ["1", "2", "4"]
    assert report["dropped"] == {"duplicate": 1, "near_duplicate": 0}


def test_a_split_without_pool_fails_naming_the_setting() -> None:
    rows = [
        {"id": f"{label}{i}", "text": f"text {label} {i}", "label": label}
        for label in "ab"
        for i in range(6)
    ]
    task = _task(seed_per_label=2, test_per_label=4)
    splits = split_examples(rows, task, seed=0)
    with pytest.raises(DataError, match=r"label 'a' has no pool rows left \(2 seeds \+ 4 test"):
        check_pool("tickets", task, splits)
    with pytest.raises(DataError, match=r"lower tasks\.tickets\.data\.test_per_label"):
        check_pool("tickets", task, splits)
    check_pool(
        "tickets",
        _task(seed_per_label=2, test_per_label=3),
        split_examples(rows, _task(seed_per_label=2, test_per_label=3), seed=0),
    )


@pytest.mark.parametrize("name", LOCAL_SOURCES)
def test_packaged_splits_hold_no_text_twice(name: str) -> None:
    raw = load_raw(REPO / "params.yaml")
    task = load_task(name, REPO / "params.yaml")
    threshold = raw["prepare"]["dedup_threshold"]
    rows, _ = deduplicate(load_examples(name, task), task.language, threshold)
    splits = split_examples(rows, task, raw["prepare"]["seed"])
    check_pool(name, task, splits)
    keys = {
        split: [normalize(r["text"], task.language).casefold() for r in split_rows]
        for split, split_rows in splits.items()
    }
    assert len(set(keys["test"])) == len(keys["test"])  # no test text counted twice
    assert not set(keys["test"]) & set(keys["pool"])
    assert not set(keys["test"]) & set(keys["seed"])
    assert not set(keys["seed"]) & set(keys["pool"])


def test_a_pool_smaller_than_the_synthetic_set_is_warned_before_any_teacher_call() -> None:
    rows = [
        {"id": f"{label}{i}", "text": f"text {label} {i}", "label": label}
        for label in "ab"
        for i in range(12)
    ]
    task = _task(seed_per_label=2, test_per_label=4)
    splits = split_examples(rows, task, seed=0)  # 6 pool rows a label
    warnings = gold_shortfall(task, splits, budget=80)  # up to 40 synthetic rows a label
    assert len(warnings) == 2
    assert "label 'a' has 6 pool rows, fewer than the up to 40 synthetic rows" in warnings[0]
    assert "lower data.test_per_label or the budget" in warnings[0]
    assert gold_shortfall(task, splits, budget=12) == []
