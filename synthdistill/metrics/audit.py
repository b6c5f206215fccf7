"""How well the artefact filters do against hand labels (the audit set).

An audit row is a generated example that every other filter kept, labelled ``clean`` or
``dirty`` (with the kinds of artefact) by a person following docs/artefact_audit.md. The
filters' verdict on it is compared with that label: precision (of what the filters drop,
how much is dirty), recall (of what is dirty, how much they drop), and the dirty share of
what they keep, each with a 95% Wilson interval.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from synthdistill.metrics.stats import share
from synthdistill.params import ArtefactParams, TaskParams
from synthdistill.preprocess import (
    Drop,
    Row,
    RowFilter,
    artefact_filters,
    normalized_row,
    task_artefact_context,
)
from synthdistill.text.artefacts import extract_reply

VERDICTS = ("clean", "dirty")
# What a row can be dirty of (docs/artefact_audit.md): one or more per dirty row.
KINDS = (
    "lead_in",
    "label_leak",
    "prompt_echo",
    "multi_example",
    "meta_commentary",
    "foreign_script",
)


def score_filter(rows: Sequence[Row], check: RowFilter) -> dict[str, Any]:
    """Precision, recall and the dirty share of kept rows for one labelled row set."""
    dropped_dirty = dropped_clean = kept_dirty = kept_clean = 0
    reasons: Counter[str] = Counter()
    for row in rows:
        drop = check.check(row)
        dirty = row["verdict"] == "dirty"
        if drop is not None:
            reasons[drop.reason] += 1
            dropped_dirty += dirty
            dropped_clean += not dirty
        else:
            kept_dirty += dirty
            kept_clean += not dirty
    dirty_total = dropped_dirty + kept_dirty
    return {
        "rows": len(rows),
        "dirty_before": share(dirty_total, len(rows)),
        "precision": share(dropped_dirty, dropped_dirty + dropped_clean),
        "recall": share(dropped_dirty, dirty_total),
        "dirty_after": share(kept_dirty, kept_dirty + kept_clean),
        "wrongly_dropped": dropped_clean,
        "dropped_by_reason": dict(sorted(reasons.items())),
    }


def row_key(row: Row) -> tuple[Any, ...]:
    """What identifies an audit row: ids repeat across generation seeds and splits."""
    return (row["task"], row["split"], row["generate_seed"], row["id"])


def agreement(first: Sequence[Row], second: Sequence[Row]) -> dict[str, Any]:
    """Self-consistency: the share of rows (matched by key) given the same verdict twice."""
    verdicts = {row_key(row): row["verdict"] for row in first}
    same = [verdicts[row_key(r)] == r["verdict"] for r in second if row_key(r) in verdicts]
    return share(sum(same), len(same))


def cleaning(task: TaskParams, artefacts: ArtefactParams, real_texts: list[str]) -> RowFilter:
    """Extraction (as stage generate runs it, first item) then the artefact filters (as
    stage preprocess builds them): what the current code does to an audit row."""
    lang = task.language
    filters = artefact_filters(lang, artefacts, task_artefact_context(task, real_texts))

    def check(row: Row) -> Drop | None:
        found = extract_reply(row["text"], lang, task.labels, artefacts, keep_items="first")
        if found.reason is not None:
            return Drop(found.reason, "extraction")
        return filters.check(normalized_row({**row, "text": found.items[0]}, lang))

    return RowFilter(check)
