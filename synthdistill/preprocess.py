"""Cleaning of generated data: every filter keeps a row or drops it with a reason.

Filters run in a fixed order and the first one that drops a row names the reason, so
``input == kept + sum(dropped)`` always holds. Text handling goes through the language
layer (``synthdistill.text``); nothing here special-cases a language.
"""

from __future__ import annotations

import math
import random
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from synthdistill.overlap import ShingleIndex, TestMatcher
from synthdistill.params import ArtefactParams, PreprocessParams, TaskParams
from synthdistill.task_kinds import CLASSIFICATION, GENERATION
from synthdistill.templates import instruction_text
from synthdistill.text import (
    detect_language,
    detection_languages,
    language_share,
    normalize,
)
from synthdistill.text.artefacts import (
    description_items,
    echo_share,
    find_list,
    find_phrase,
    foreign_share,
    has_cjk,
    label_terms,
    ngrams,
    term_in,
    term_share,
)
from synthdistill.text.scripts import UNSPACED_LANGUAGES

Row = dict[str, Any]


# What the teacher wrote around an example (artefact_filters), in the order they run.
ARTEFACT_REASONS: tuple[str, ...] = (
    "label_leak",
    "prompt_echo",
    "multi_example",
    "meta_commentary",
    "foreign_script",
)
# Every drop reason, in the order the filters run.
REASONS: tuple[str, ...] = (
    "empty",
    "control_chars",
    "replacement_char",
    "bidi_control",
    "too_few_letters",
    "unknown_label",
    *ARTEFACT_REASONS,
    "too_short",
    "too_long",
    "wrong_language",
    "mixed_language",
    "duplicate",
    "near_duplicate",
    "seed_copy",
    "test_contamination",
    "balance",
)


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
    settings: dict[str, Any] = field(default_factory=dict)  # e.g. the length bounds used

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


def empty_filter(field: str = "text") -> RowFilter:
    """Drop rows whose ``field`` is missing, not a string, or has no letter or digit."""
    where = "" if field == "text" else f" in {field}"

    def check(row: Row) -> Drop | None:
        text = row.get(field)
        if not isinstance(text, str):
            return Drop(
                "empty", f"no {field}" if text is None else f"{field} is {type(text).__name__}"
            )
        if not any(char.isalnum() for char in text):
            return Drop("empty", f"no letters or digits{where}" if text else None)
        return None

    return RowFilter(check)


# Bidirectional embeddings/overrides/isolates: they reorder what a reader sees (Trojan Source).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Below this share of letters among non-space characters a text is not prose.
MIN_LETTER_SHARE = 0.5


def _is_tag(char: str) -> bool:
    """A Unicode tag character (U+E0000-U+E007F): invisible, can smuggle text."""
    return 0xE0000 <= ord(char) <= 0xE007F


def sanity_filter() -> RowFilter:
    """Drop text no clean example holds: control characters (NUL, BEL, terminal escapes)
    and Unicode tag characters,
    U+FFFD (bytes lost in decoding), bidi controls, or too few letters (all languages:
    kana and kanji are letters too)."""

    def check(row: Row) -> Drop | None:
        text: str = row["text"]
        controls = sorted(
            {f"U+{ord(c):04X}" for c in text if unicodedata.category(c) == "Cc" or _is_tag(c)}
        )
        if controls:
            return Drop("control_chars", ", ".join(controls[:5]))
        if "\ufffd" in text:
            return Drop("replacement_char", f"{text.count(chr(0xFFFD))} x U+FFFD")
        bidi = sorted({f"U+{ord(c):04X}" for c in text if c in _BIDI_CONTROLS})
        if bidi:
            return Drop("bidi_control", ", ".join(bidi))
        visible = [c for c in text if not c.isspace()]
        share = sum(c.isalpha() for c in visible) / len(visible)
        if share < MIN_LETTER_SHARE:
            return Drop("too_few_letters", f"{share:.0%} letters")
        return None

    return RowFilter(check)


def label_filter(labels: Iterable[str]) -> RowFilter:
    """Drop rows whose label is not one of the task's labels."""
    known = frozenset(labels)

    def check(row: Row) -> Drop | None:
        label = row.get("label")
        return None if label in known else Drop("unknown_label", repr(label))

    return RowFilter(check)


@dataclass(frozen=True)
class ArtefactContext:
    """What the artefact filters compare a row with: the task's labels, the prompts'
    instruction text, and real texts of the task (to tell leaks from ordinary words)."""

    labels: dict[str, str]
    instructions: str
    real_texts: list[str]


def task_artefact_context(task: TaskParams, real_texts: list[str]) -> ArtefactContext:
    """The artefact filters' context for a task: its labels and generation prompts."""
    instructions = instruction_text(task.language, task.description, task.labels)
    return ArtefactContext(task.labels, instructions, real_texts)


def leak_terms(
    labels: dict[str, str],
    real_texts: list[str],
    lang: str,
    max_real_share: float,
    nouns: list[str] | None = None,
) -> dict[str, float]:
    """Label-naming terms -> their share of real texts, for the terms that name a label
    *as a label*: quoted label keys and description heads (``"tech"``, ``「政治」``),
    identifier-like keys (``conflict_terrorism``), and, in unspaced scripts, keys in
    another script (``economy`` in Japanese) and compound description heads
    (``経済・ビジネス``). Plain words (``politics``, ``政治``) are not leaks even when a
    small real sample happens to lack them. With ``nouns`` (spaced scripts), a label
    term next to a word that names it as a label is a leak too: "negative sentiment",
    "category: sports", "topic is tech". Terms above ``max_real_share`` are dropped.
    """
    keys = {key: key for key in labels} | {
        key.replace("_", " ").replace("-", " "): key for key in labels
    }
    terms = label_terms(labels, lang)
    heads = [term for term in terms if term not in keys]
    quotes = ("「{}」", "『{}』", '"{}"', "'{}'") if lang == "ja" else ('"{}"', "'{}'", "“{}”")
    candidates = {q.format(term) for term in terms for q in quotes}
    candidates |= {key for key in labels if "_" in key or "-" in key}
    if lang in UNSPACED_LANGUAGES:
        candidates |= {key for key in keys if not has_cjk(key)}
        candidates |= {head for head in heads if "・" in head}
    else:
        for noun in nouns or []:
            for term in terms:
                candidates |= {f"{term} {noun}", f"{noun}: {term}", f"{noun} is {term}"}
    shares = {term: term_share(term, real_texts) for term in sorted(candidates)}
    return {term: share for term, share in shares.items() if share <= max_real_share}


def artefact_filters(lang: str, params: ArtefactParams, context: ArtefactContext) -> RowFilter:
    """Drop what the teacher wrote around an example and extraction left in: a label
    named in the text (label_leak), the prompt's own words (prompt_echo), several
    examples in one row (multi_example), talk about the task (meta_commentary), and
    another language's script or words (foreign_script)."""
    real = [normalize(text, lang) for text in context.real_texts]
    nouns = params.words("label_nouns", lang)
    terms = leak_terms(context.labels, real, lang, params.leak_max_real_share, nouns)
    prompt_grams = ngrams(context.instructions, lang, params.echo_ngram)
    items = {label: description_items(d, lang) for label, d in context.labels.items()}
    meta = params.words("meta_phrases", lang)
    function_words = params.words("foreign_words", lang)

    def check(row: Row) -> Drop | None:
        text: str = row["text"]
        leak = next((term for term in terms if term_in(term, text)), None)
        if leak is not None:
            return Drop("label_leak", leak)
        echo = echo_share(text, prompt_grams, lang, params.echo_ngram)
        if echo > params.echo_max_share:
            return Drop("prompt_echo", f"{echo:.2f} of {params.echo_ngram}-grams in the prompt")
        for label, listed in items.items():
            found = [item for item in listed if term_in(item, text)]
            if len(found) > params.echo_max_items:
                return Drop("prompt_echo", f"{len(found)} items of {label}'s description")
        several = find_list(text, lang)
        if several is not None:
            return Drop("multi_example", several)
        phrase = find_phrase(text, meta)
        if phrase is not None:
            return Drop("meta_commentary", phrase)
        share, units = foreign_share(text, lang, function_words, params.chinese_min_freq)
        if share > params.foreign_max_share:
            return Drop("foreign_script", f"{share:.2f} per token: {''.join(units[:8])}")
        return None

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


def near_dup_filter(lang: str, params: PreprocessParams) -> RowFilter:
    """Drop rows that near-duplicate an earlier kept row (detail: its id)."""
    index = ShingleIndex(lang, params.near_dup_threshold, params.num_perm, params.seed)

    def check(row: Row) -> Drop | None:
        match = index.match(row["text"])
        return None if match is None else Drop("near_duplicate", match)

    return RowFilter(check, keep=lambda row: index.add(_row_id(row), row["text"]))


def contamination_filter(
    test_rows: list[Row],
    lang: str,
    params: PreprocessParams,
    field: str = "text",
    reason: str = "test_contamination",
) -> RowFilter:
    """Drop rows whose ``field`` equals, contains, sits inside or near-duplicates a test
    example's text (detail: how, and the test row's id): the same check the retrieval
    corpus gets. ``test_rows`` hold the compared texts under ``text``; with the seeds
    instead and ``reason`` seed_copy, it drops a seed the teacher copied back."""
    matcher = TestMatcher(test_rows, lang, params.contamination_threshold, params.num_perm)
    where = "" if field == "text" else f"{field} "

    def check(row: Row) -> Drop | None:
        found = matcher.match(str(row[field]))
        if found is None:
            return None
        return Drop(reason, f"{where}{found[1]} of {found[0]}")

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


def normalized_row(row: Row, lang: str) -> Row:
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


# Derived length bounds: (share of the 5th percentile, multiple of the 95th percentile)
# of the real texts' lengths, when preprocess.min_chars / max_chars are null.
LENGTH_BOUNDS = (0.5, 1.5)
NO_MAX_CHARS = 10**9


def length_bounds(real_texts: list[str], lang: str) -> tuple[int, int]:
    """(min, max) characters for generated examples from the task's own real texts
    (no real texts: no bounds)."""
    lengths = sorted(len(normalize(text, lang)) for text in real_texts)
    if not lengths:
        return 0, NO_MAX_CHARS
    low, high = (lengths[min(len(lengths) - 1, int(q * len(lengths)))] for q in (0.05, 0.95))
    return int(low * LENGTH_BOUNDS[0]), math.ceil(high * LENGTH_BOUNDS[1])


def clean_dataset(
    rows: list[Row],
    test_rows: list[Row],
    lang: str,
    labels: list[str],
    params: PreprocessParams,
    artefacts: tuple[ArtefactParams, ArtefactContext] | None = None,
    seed_rows: list[Row] | None = None,
) -> CleanResult:
    """Normalise and filter generated rows ('id', 'text', 'label' + any other keys).

    Steps: empty, junk text (control/replacement/bidi characters, too few letters),
    unknown label, teacher artefacts (when ``artefacts`` is given), length, language,
    exact dedup, near-dup, copies of a seed (``seed_rows``), test contamination, then
    optional class balancing. Output keeps input order. Length bounds left unset
    (None) are derived from the artefact context's real texts.
    """
    extra = [artefact_filters(lang, *artefacts)] if artefacts else []
    low, high = params.min_chars, params.max_chars
    if low is None or high is None:
        derived = length_bounds(artefacts[1].real_texts if artefacts else [], lang)
        low, high = low if low is not None else derived[0], high if high is not None else derived[1]
    filters = [
        empty_filter(),
        sanity_filter(),
        label_filter(labels),
        *extra,
        length_filter(low, high),
        language_filter(lang, params.min_language_share),
        exact_dedup_filter(),
        near_dup_filter(lang, params),
        contamination_filter(seed_rows or [], lang, params, reason="seed_copy"),
        contamination_filter(test_rows, lang, params),
    ]
    result = _apply(rows, filters, lang, params.seed if params.balance else None)
    result.settings["length_bounds"] = [low, high]
    return result


def clean_pairs(
    rows: list[Row],
    test_rows: list[Row],
    lang: str,
    params: PreprocessParams,
    seed_rows: list[Row] | None = None,
) -> CleanResult:
    """Normalise and filter generated input -> output pairs ('id', 'text', 'output').

    Steps: empty input or output, junk text, exact dedup and near-dup of inputs, then test
    contamination: an input that equals, contains, sits inside or near-duplicates a test
    input, or an output that does so with a test output. No length, language or label
    filter: an input's length and language are the task's, not the teacher's choice.
    """
    outputs = [{"id": row["id"], "text": row.get("output")} for row in test_rows]
    filters = [
        empty_filter(),
        empty_filter("output"),
        sanity_filter(),
        exact_dedup_filter(),
        near_dup_filter(lang, params),
        contamination_filter(seed_rows or [], lang, params, reason="seed_copy"),
        contamination_filter(test_rows, lang, params),
        contamination_filter(outputs, lang, params, "output"),
    ]
    return _apply(rows, filters, lang, None)


def _apply(
    rows: list[Row], filters: list[RowFilter], lang: str, balance: int | None
) -> CleanResult:
    """Normalise every row, run ``filters`` in order, then downsample the labels with
    seed ``balance`` (None: no balancing)."""
    cleaned = [normalized_row(row, lang) for row in rows]
    drops: dict[int, Drop] = {}
    for position, row in enumerate(cleaned):
        drop = _run_filters(row, filters)
        if drop is not None:
            drops[position] = drop
    if balance is not None:
        survivors = [position for position in range(len(rows)) if position not in drops]
        balanced = balance_drops([cleaned[position] for position in survivors], balance)
        drops.update({survivors[index]: drop for index, drop in balanced.items()})
    return CleanResult(
        kept=[row for position, row in enumerate(cleaned) if position not in drops],
        rejected=[_rejected_row(rows[position], drop) for position, drop in sorted(drops.items())],
        counts=_clean_counts(len(rows), drops.values()),
    )


def clean_task_rows(
    task: TaskParams,
    rows: list[Row],
    test_rows: list[Row],
    real_texts: list[str],
    params: PreprocessParams,
    artefacts: ArtefactParams,
    seed_rows: list[Row] | None = None,
) -> CleanResult:
    """Clean a task's generated rows as its kind is cleaned (both drop copies of a seed
    and are decontaminated against the test set)."""
    clean = CLEANERS[task.kind]
    return clean(task, rows, test_rows, real_texts, params, artefacts, seed_rows or [])


def _clean_classification(
    task: TaskParams,
    rows: list[Row],
    test_rows: list[Row],
    real_texts: list[str],
    params: PreprocessParams,
    artefacts: ArtefactParams,
    seed_rows: list[Row],
) -> CleanResult:
    context = task_artefact_context(task, real_texts)
    labels = list(task.labels)
    return clean_dataset(
        rows, test_rows, task.language, labels, params, (artefacts, context), seed_rows
    )


def _clean_generation(
    task: TaskParams,
    rows: list[Row],
    test_rows: list[Row],
    real_texts: list[str],
    params: PreprocessParams,
    artefacts: ArtefactParams,
    seed_rows: list[Row],
) -> CleanResult:
    return clean_pairs(rows, test_rows, task.language, params, seed_rows)


# How each task kind's generated rows are cleaned.
CLEANERS: dict[str, Callable[..., CleanResult]] = {
    CLASSIFICATION: _clean_classification,
    GENERATION: _clean_generation,
}


def _clean_counts(total: int, drops: Iterable[Drop]) -> dict[str, Any]:
    """{"input": N, "kept": K, "dropped": {reason: count}} with every reason present."""
    dropped = dict.fromkeys(REASONS, 0)
    for drop in drops:
        dropped[drop.reason] += 1
    return {"input": total, "kept": total - sum(dropped.values()), "dropped": dropped}
