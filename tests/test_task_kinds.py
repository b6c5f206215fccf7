"""Task kinds: the one place that knows what a kind's rows hold, how it splits, and how
its generated rows are cleaned (both kinds are decontaminated against the test set)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synthdistill.errors import ParamsError
from synthdistill.params import PreprocessParams, TaskParams
from synthdistill.preprocess import clean_pairs
from synthdistill.task_kinds import KINDS, task_kind
from synthdistill.tasks import with_gold_fraction

REPO = Path(__file__).resolve().parent.parent

GEN_TASK = TaskParams.model_validate(
    {
        "language": "en",
        "kind": "generation",
        "data": {"source": "file"},
        "description": "headlines",
        "instruction": "Write the headline of this article.",
    }
)


def test_each_kind_names_its_answer_field() -> None:
    assert task_kind("classification").fields == ("id", "text", "label")
    assert task_kind(GEN_TASK).fields == ("id", "text", "output")
    assert set(KINDS) == {"classification", "generation"}


def test_an_unknown_kind_lists_the_valid_ones() -> None:
    with pytest.raises(ParamsError, match="classification, generation"):
        task_kind("regression")


def test_gold_fraction_is_refused_for_generation() -> None:
    splits: dict[str, list[dict[str, str]]] = {"seed": [], "test": [], "pool": []}
    with pytest.raises(ParamsError, match="not for generation tasks"):
        with_gold_fraction(splits, GEN_TASK, 0.5, seed=0)


def test_generated_pairs_that_leak_the_test_set_are_dropped_with_a_reason() -> None:
    test = [
        {
            "id": "t1",
            "text": "The central bank raised interest rates by half a point on Tuesday.",
            "output": "Bank raises rates",
        },
        {
            "id": "t2",
            "text": "A storm closed every school in the north of the country today.",
            "output": "Storm shuts northern schools",
        },
    ]
    rows = [
        {
            "id": "g1",
            "text": "the central bank raised interest rates by half a point on tuesday.",
            "output": "Rates go up",
        },  # input = a test input (case folded)
        {
            "id": "g2",
            "text": "Farmers expect a record wheat harvest after a mild spring.",
            "output": "Storm shuts northern schools",
        },  # output = a test output
        {
            "id": "g3",
            "text": "A new museum of modern art opened its doors in the capital.",
            "output": "Museum opens",
        },
        {
            "id": "g4",
            "text": "A new museum of modern art opened its doors in the capital.",
            "output": "Capital gets a museum",
        },  # duplicate input
        {
            "id": "g5",
            "text": "Shares in the carmaker fell after it cut its sales forecast.",
            "output": "",
        },  # no output
    ]
    result = clean_pairs(rows, test, "en", PreprocessParams())
    assert [row["id"] for row in result.kept] == ["g3"]
    reasons = {row["id"]: (row["reason"], row.get("detail")) for row in result.rejected}
    assert reasons["g1"] == ("test_contamination", "exact of t1")
    assert reasons["g2"] == ("test_contamination", "output exact of t2")
    assert reasons["g4"] == ("duplicate", "g3")
    assert reasons["g5"][0] == "empty"
    assert result.counts["input"] == 5 and result.counts["kept"] == 1


def test_no_stage_or_method_branches_on_the_task_kind() -> None:
    """Stages and methods ask the task's kind; only params validation (what each kind's
    block must hold) names kinds outside synthdistill/task_kinds.py."""
    branch = re.compile(
        r"\btask\.kind\s*(?:==|!=)|\.kind\s*(?:==|!=)\s*\"(?:classification|generation)\""
    )
    found = [
        f"{path.relative_to(REPO)}:{lineno}"
        for folder in ("synthdistill", "stages")
        for path in sorted((REPO / folder).rglob("*.py"))
        if path.name != "task_kinds.py"
        for lineno, line in enumerate(path.read_text().splitlines(), start=1)
        if branch.search(line)
    ]
    assert all(where.startswith("synthdistill/params.py") for where in found), found
    assert len(found) <= 3, found
