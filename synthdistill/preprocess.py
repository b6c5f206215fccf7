"""Cleaning of generated data: every filter keeps a row or drops it with a reason.

Filters run in a fixed order and the first one that drops a row names the reason, so
``input == kept + sum(dropped)`` always holds. Text handling goes through the language
layer (``synthdistill.text``); nothing here special-cases a language.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from datasketch import MinHash, MinHashLSH

from synthdistill.params import PreprocessParams
from synthdistill.text import (
    detect_language,
    detection_languages,
    language_share,
    normalize,
    shingles,
)

Row = dict[str, Any]

# Every drop reason, in the order the filters run.
REASONS: tuple[str, ...] = (
    "empty",
    "unknown_label",
    "too_short",
    "too_long",
    "wrong_language",
    "mixed_language",
    "duplicate",
    "near_duplicate",
    "test_contamination",
    "balance",
)
# The LSH index proposes candidates with at least this probability at the threshold
# Jaccard; the exact Jaccard of each candidate then decides.
LSH_RECALL = 0.99


@dataclass(frozen=True)
class Drop:
    """A filter's verdict to drop a row; ``detail`` says why (e.g. the id it duplicates)."""

    reason: str
    detail: str | None = None


def _remember_nothing(row: Row) -> None:
    """``keep`` of a filter that holds no state."""


@dataclass(frozen=True)
class RowFilter:
    """``check`` keeps a row (None) or drops it. ``keep`` is called with every row that
    passed all filters, so stateful filters (dedup) remember kept rows only."""

    check: Callable[[Row], Drop | None]
    keep: Callable[[Row], None] = _remember_nothing


@dataclass
class CleanResult:
    """Kept rows (text normalised), rejected rows (original + reason/detail), counts."""

    kept: list[Row]
    rejected: list[Row]
    counts: dict[str, Any]

    def summary(self) -> str:
        """One line for a stage to print: "kept 500 of 537; dropped 37: 21 duplicate, ..."."""
        dropped = {reason: n for reason, n in self.counts["dropped"].items() if n}
        parts = ", ".join(f"{n} {reason}" for reason, n in dropped.items())
        total = sum(dropped.values())
        kept = f"kept {self.counts['kept']} of {self.counts['input']}"
        return f"{kept}; dropped {total}" + (f": {parts}" if parts else "")


def _row_id(row: Row) -> str:
    """A row's id as text, for details and index keys."""
    return str(row.get("id"))


def empty_filter() -> RowFilter:
    """Drop rows whose text is missing, not a string, or has no letter or digit."""

    def check(row: Row) -> Drop | None:
        text = row.get("text")
        if not isinstance(text, str):
            return Drop("empty", "no text" if text is None else f"text is {type(text).__name__}")
        if not any(char.isalnum() for char in text):
            return Drop("empty", "no letters or digits" if text else None)
        return None

    return RowFilter(check)


def label_filter(labels: Iterable[str]) -> RowFilter:
    """Drop rows whose label is not one of the task's labels."""
    known = frozenset(labels)

    def check(row: Row) -> Drop | None:
        label = row.get("label")
        return None if label in known else Drop("unknown_label", repr(label))

    return RowFilter(check)


def length_filter(min_chars: int, max_chars: int) -> RowFilter:
    """Drop rows whose (normalised) text is outside [min_chars, max_chars] characters."""

    def check(row: Row) -> Drop | None:
        length = len(row["text"])
        if length < min_chars:
            return Drop("too_short", f"{length} < {min_chars} chars")
        if length > max_chars:
            return Drop("too_long", f"{length} > {max_chars} chars")
        return None

    return RowFilter(check)


def language_filter(lang: str, min_share: float) -> RowFilter:
    """Drop text detected as another language, or with too few words in the language's script.

    Detection is skipped for languages lingua does not know; the script check is skipped
    for languages whose script is not listed in the language layer.
    """
    candidates = detection_languages(lang)

    def check(row: Row) -> Drop | None:
        text = row["text"]
        detected = detect_language(text, candidates) if candidates else None
        if detected is not None and detected != lang:
            return Drop("wrong_language", detected)
        share = language_share(text, lang)
        if share is not None and share < min_share:
            return Drop("mixed_language", f"{share:.2f} of words in {lang}")
        return None

    return RowFilter(check)


def exact_dedup_filter() -> RowFilter:
    """Drop rows whose case-folded text equals an earlier kept row's."""
    seen: dict[str, str] = {}

    def check(row: Row) -> Drop | None:
        key = row["text"].casefold()
        return Drop("duplicate", seen[key]) if key in seen else None

    def keep(row: Row) -> None:
        seen[row["text"].casefold()] = _row_id(row)

    return RowFilter(check, keep)


def lsh_bands(threshold: float, num_perm: int, recall: float = LSH_RECALL) -> tuple[int, int]:
    """(bands, rows) with the most rows per band whose candidate probability at Jaccard
    ``threshold`` is at least ``recall`` (exact Jaccard confirms candidates later)."""
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


def jaccard(a: set[str], b: set[str]) -> float:
    """Exact Jaccard similarity of two shingle sets (0.0 when both are empty)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


class ShingleIndex:
    """MinHash LSH over the language layer's shingles; matches are confirmed by exact Jaccard."""

    def __init__(self, lang: str, threshold: float, num_perm: int, seed: int) -> None:
        self.lang = lang
        self.threshold = threshold
        self.num_perm = num_perm
        self._lsh = MinHashLSH(num_perm=num_perm, params=lsh_bands(threshold, num_perm))
        self._template = MinHash(num_perm=num_perm, seed=seed)  # permutations built once
        self._entries: list[tuple[str, set[str]]] = []  # (id, shingles), position = LSH key
        self._last: tuple[str, set[str], MinHash] | None = None

    def _sketch(self, text: str) -> tuple[set[str], MinHash]:
        """Shingles and MinHash of a text; the last one is reused (match, then add)."""
        if self._last is None or self._last[0] != text:
            grams = shingles(text, self.lang)
            template = self._template
            minhash = MinHash(
                num_perm=self.num_perm, permutations=template.permutations, scheme=template.scheme
            )
            minhash.update_batch([gram.encode("utf-8") for gram in grams])
            self._last = (text, grams, minhash)
        return self._last[1], self._last[2]

    def add(self, key: str, text: str) -> None:
        """Index a text under ``key`` (texts without shingles are not indexed)."""
        grams, minhash = self._sketch(text)
        if grams:
            self._lsh.insert(len(self._entries), minhash)
            self._entries.append((key, grams))

    def match(self, text: str) -> str | None:
        """The key of the earliest indexed text with Jaccard >= threshold, else None."""
        grams, minhash = self._sketch(text)
        if not grams:
            return None
        for position in sorted(self._lsh.query(minhash)):
            key, other = self._entries[position]
            if jaccard(grams, other) >= self.threshold:
                return key
        return None


def near_dup_filter(lang: str, params: PreprocessParams) -> RowFilter:
    """Drop rows that near-duplicate an earlier kept row (detail: its id)."""
    index = ShingleIndex(lang, params.near_dup_threshold, params.num_perm, params.seed)

    def check(row: Row) -> Drop | None:
        match = index.match(row["text"])
        return None if match is None else Drop("near_duplicate", match)

    return RowFilter(check, keep=lambda row: index.add(_row_id(row), row["text"]))


def contamination_filter(test_rows: list[Row], lang: str, params: PreprocessParams) -> RowFilter:
    """Drop rows that near-duplicate a test example (detail: the test row's id)."""
    index = ShingleIndex(lang, params.contamination_threshold, params.num_perm, params.seed)
    for test_row in test_rows:
        text = test_row.get("text")
        if isinstance(text, str):
            index.add(_row_id(test_row), normalize(text, lang))

    def check(row: Row) -> Drop | None:
        match = index.match(row["text"])
        return None if match is None else Drop("test_contamination", match)

    return RowFilter(check)


def balance_drops(rows: list[Row], seed: int) -> dict[int, Drop]:
    """Downsample every label to the smallest label's count (labels with no rows ignored);
    returns drops by position in ``rows``. Deterministic given the seed."""
    positions: dict[Any, list[int]] = {}
    for position, row in enumerate(rows):
        positions.setdefault(row["label"], []).append(position)
    if not positions:
        return {}
    smallest = min(len(group) for group in positions.values())
    rng = random.Random(seed)
    drops: dict[int, Drop] = {}
    for label, group in positions.items():
        kept = set(rng.sample(group, smallest))
        detail = f"{label!r} downsampled to {smallest}"
        drops.update(
            {position: Drop("balance", detail) for position in group if position not in kept}
        )
    return drops


def _normalized(row: Row, lang: str) -> Row:
    """A copy of the row with its text normalised (non-string text left as it is)."""
    text = row.get("text")
    return {**row, "text": normalize(text, lang)} if isinstance(text, str) else dict(row)


def _rejected_row(row: Row, drop: Drop) -> Row:
    """The original row plus 'reason' (and 'detail' when there is one)."""
    extra = {"reason": drop.reason} | ({"detail": drop.detail} if drop.detail is not None else {})
    return {**row, **extra}


def _run_filters(row: Row, filters: list[RowFilter]) -> Drop | None:
    """Run filters in order; the first drop wins. A kept row is passed to every ``keep``."""
    for row_filter in filters:
        drop = row_filter.check(row)
        if drop is not None:
            return drop
    for row_filter in filters:
        row_filter.keep(row)
    return None


def clean_dataset(
    rows: list[Row],
    test_rows: list[Row],
    lang: str,
    labels: list[str],
    params: PreprocessParams,
) -> CleanResult:
    """Normalise and filter generated rows ('id', 'text', 'label' + any other keys).

    Steps: empty, unknown label, length, language, exact dedup, near-dup, test
    contamination, then optional class balancing. Output keeps input order.
    """
    filters = [
        empty_filter(),
        label_filter(labels),
        length_filter(params.min_chars, params.max_chars),
        language_filter(lang, params.min_language_share),
        exact_dedup_filter(),
        near_dup_filter(lang, params),
        contamination_filter(test_rows, lang, params),
    ]
    cleaned = [_normalized(row, lang) for row in rows]
    drops: dict[int, Drop] = {}
    for position, row in enumerate(cleaned):
        drop = _run_filters(row, filters)
        if drop is not None:
            drops[position] = drop
    if params.balance:
        survivors = [position for position in range(len(rows)) if position not in drops]
        balanced = balance_drops([cleaned[position] for position in survivors], params.seed)
        drops.update({survivors[index]: drop for index, drop in balanced.items()})
    return CleanResult(
        kept=[row for position, row in enumerate(cleaned) if position not in drops],
        rejected=[_rejected_row(rows[position], drop) for position, drop in sorted(drops.items())],
        counts=_clean_counts(len(rows), drops.values()),
    )


def _clean_counts(total: int, drops: Iterable[Drop]) -> dict[str, Any]:
    """{"input": N, "kept": K, "dropped": {reason: count}} with every reason present."""
    dropped = dict.fromkeys(REASONS, 0)
    for drop in drops:
        dropped[drop.reason] += 1
    return {"input": total, "kept": total - sum(dropped.values()), "dropped": dropped}
