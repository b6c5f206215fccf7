"""The hand-labelled artefact audit (data/annotations/artefact_audit.jsonl).

Its rows are well formed, and the cleaning (extraction + artefact filters, as the
pipeline runs them) keeps the recall it had on the held-out rows when it was committed:
a change to the filters, phrase lists or extraction that lets more dirty rows through
fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from synthdistill.io import read_jsonl
from synthdistill.metrics.audit import KINDS, VERDICTS, cleaning, row_key, score_filter
from synthdistill.params import load_section, load_task
from synthdistill.preprocess import normalized_row
from synthdistill.tasks import load_examples, split_examples

REPO = Path(__file__).resolve().parents[1]
AUDIT = REPO / "data" / "annotations" / "artefact_audit.jsonl"
RELABEL = REPO / "data" / "annotations" / "artefact_audit_relabel.jsonl"
SPLITS = ("before", "tune", "heldout")
# Recall on the rows the current prompts produced (tune + held-out), as committed
# (metrics/artefacts/audit.json). "before" rows are older output: extraction reshapes them.
RECALL_FLOOR = {"bbc_news": 0.5, "ja_news": 0.86}


def _rows() -> list[dict[str, object]]:
    return read_jsonl(
        AUDIT, required=("id", "task", "split", "generate_seed", "text", "verdict", "kinds")
    )


def test_audit_rows_are_well_formed() -> None:
    rows = _rows()
    assert len({row_key(r) for r in rows}) == len(rows)
    for row in rows:
        assert row["split"] in SPLITS and row["verdict"] in VERDICTS, row["id"]
        kinds = row["kinds"]
        assert isinstance(kinds, list) and set(kinds) <= set(KINDS), row["id"]
        assert (row["verdict"] == "dirty") == bool(kinds), row["id"]
    relabelled = read_jsonl(RELABEL, required=("task", "split", "generate_seed", "id", "verdict"))
    assert len(relabelled) >= 30
    assert {row_key(r) for r in relabelled} <= {row_key(r) for r in rows}


@pytest.mark.parametrize("task_name", sorted(RECALL_FLOOR))
def test_recall_on_the_audit_set_does_not_drop(task_name: str) -> None:
    task = load_task(task_name, REPO / "params.yaml")
    # The splits prepare writes, built here: a clean clone has no DVC outputs yet.
    splits = split_examples(
        load_examples(task_name, task), task, load_section("prepare", REPO / "params.yaml").seed
    )
    real = [row["text"] for part in ("pool", "seed") for row in splits[part]]
    check = cleaning(task, load_section("artefacts", REPO / "params.yaml"), real)
    rows = [
        normalized_row(row, task.language)
        for row in _rows()
        if row["task"] == task_name and row["split"] in ("tune", "heldout")
    ]
    recall = score_filter(rows, check)["recall"]
    assert recall["n"] > 0, f"no dirty audit rows for {task_name}: the test would be vacuous"
    assert recall["value"] >= RECALL_FLOOR[task_name], recall
