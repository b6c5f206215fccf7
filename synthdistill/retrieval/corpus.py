"""The passage corpus SynthesizRR retrieves from: the task's unlabelled pool plus packaged
corpora, normalised, length-capped, language-checked and purged of test examples.

Every dropped passage has a reason; text handling goes through the language layer.
"""

from __future__ import annotations

import bz2
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from synthdistill.io import DataError
from synthdistill.overlap import TestMatcher
from synthdistill.params import TaskParams, check_choice
from synthdistill.text import (
    detect_language,
    detection_languages,
    normalize,
    split_sentences,
    tokenize,
)

log = logging.getLogger("synthdistill")

Passage = dict[str, Any]  # {"id", "text", "source"}

# Drop reasons, in the order the checks run ('truncated' is counted but keeps the passage).
REASONS: tuple[str, ...] = ("empty", "too_short", "wrong_language", "duplicate", "test_overlap")
# A source with more than this share of wrong-language passages is an error, not noise.
MAX_WRONG_LANGUAGE_SHARE = 0.5
# Language detection reads this many leading characters (lingua's time grows with length;
# on the Wikipedia passages 300 characters gave the same answers as 1000, 5x faster).
DETECT_CHARS = 300
# Defaults of the near-duplicate test: shingle Jaccard, MinHash permutations and seed.
LEAK_THRESHOLD = 0.5
NUM_PERM = 128


class TestLeakError(DataError):
    """The corpus holds a test example (or a near-duplicate of one)."""

    __test__ = False  # not a pytest test class


@dataclass(frozen=True)
class ExtraSource:
    """A packaged unlabelled corpus: its language and a reader yielding (id, text)."""

    language: str
    description: str
    read: Callable[[], Iterator[tuple[str, str]]]


def _gensim_data(name: str) -> str:
    """Path of a file in gensim's bundled test data."""
    logging.getLogger("gensim").setLevel(logging.WARNING)  # its test utils log on import
    try:
        from gensim.test.utils import datapath
    except ImportError:
        raise DataError(
            "install gensim to use its packaged corpora (pip install gensim==4.4.0)"
        ) from None
    return str(datapath(name))


def _read_lee() -> Iterator[tuple[str, str]]:
    """gensim's lee_background.cor: 300 Australian news articles, one per line."""
    with open(_gensim_data("lee_background.cor"), encoding="utf-8") as handle:
        for lineno, line in enumerate(handle, start=1):
            yield f"gensim_lee-{lineno:03d}", line


WIKI_DUMP = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
_WIKI_EMPHASIS = re.compile(r"'{2,}")
_WIKI_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
# Lines that are headings, lists, tables or templates rather than prose.
_WIKI_NON_PROSE = ("=", "*", "#", ":", ";", "|", "{", "}", "!")


def wiki_paragraphs(markup: str) -> list[str]:
    """Prose paragraphs of one article: filter_wiki, then drop headings/lists/tables and
    bold/italic quotes."""
    from gensim.corpora.wikicorpus import filter_wiki

    paragraphs = []
    for block in _WIKI_PARAGRAPH_BREAK.split(filter_wiki(markup)):
        lines = [line.strip() for line in block.splitlines()]
        prose = [line for line in lines if line and not line.startswith(_WIKI_NON_PROSE)]
        if prose:
            paragraphs.append(_WIKI_EMPHASIS.sub("", " ".join(prose)))
    return paragraphs


def _read_wiki() -> Iterator[tuple[str, str]]:
    """gensim's short English Wikipedia dump: one passage per prose paragraph."""
    from gensim.corpora.wikicorpus import extract_pages

    with bz2.open(_gensim_data(WIKI_DUMP), "rb") as handle:
        for _title, markup, page_id in extract_pages(handle):
            if markup.lstrip()[:9].lower() == "#redirect":
                continue
            for number, paragraph in enumerate(wiki_paragraphs(markup)):
                yield f"gensim_wiki-{page_id}-{number:03d}", paragraph


EXTRA_SOURCES: dict[str, ExtraSource] = {
    "gensim_lee": ExtraSource("en", "300 Australian news articles (gensim test data)", _read_lee),
    "gensim_wiki": ExtraSource(
        "en", "~100 English Wikipedia articles (gensim test data)", _read_wiki
    ),
}


@dataclass
class CorpusResult:
    """Kept passages, rejected ones (with reason/detail), and counts per reason and source."""

    passages: list[Passage] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # input, kept, truncated, <reason>
    by_source: dict[str, dict[str, int]] = field(default_factory=dict)
    skipped_sources: dict[str, str] = field(default_factory=dict)  # name -> why

    def report(self) -> dict[str, Any]:
        """The corpus_report.json contents."""
        return {
            **self.counts,
            "by_source": self.by_source,
            "skipped_sources": self.skipped_sources,
        }

    def summary(self) -> str:
        """ "kept 9800 of 12000 passages (312 truncated); dropped: 2100 too_short, ..."."""
        dropped = ", ".join(f"{self.counts[r]} {r}" for r in REASONS if self.counts.get(r))
        kept = f"kept {self.counts['kept']} of {self.counts['input']} passages"
        return f"{kept} ({self.counts['truncated']} truncated); dropped: {dropped or 'none'}"


def truncate_passage(text: str, lang: str, max_chars: int) -> str:
    """Cut to at most ``max_chars``: whole sentences when the first one fits, else at the
    last space (a hard cut for unspaced text such as Japanese)."""
    if len(text) <= max_chars:
        return text
    end = 0
    for sentence in split_sentences(text, lang):
        stop = text.find(sentence, end) + len(sentence)
        if stop > max_chars:
            break
        end = stop
    if end:
        return text[:end]
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut


def assert_no_test_leak(
    passages: Iterable[Passage],
    test_rows: list[dict[str, Any]],
    lang: str,
    threshold: float = LEAK_THRESHOLD,
) -> None:
    """Raise TestLeakError naming the passages that equal or near-duplicate a test example."""
    matcher = TestMatcher(test_rows, lang, threshold)
    leaks = []
    for passage in passages:
        found = matcher.match(passage["text"])
        if found is not None:
            leaks.append(f"{passage['id']} ({found[1]} of test {found[0]})")
    if leaks:
        shown = ", ".join(leaks[:5]) + (f" and {len(leaks) - 5} more" if len(leaks) > 5 else "")
        raise TestLeakError(f"{len(leaks)} corpus passage(s) leak test examples: {shown}")


def _sources(
    task_name: str, task: TaskParams, pool_rows: list[dict[str, Any]], extra_sources: list[str]
) -> tuple[dict[str, Iterable[tuple[str, str]]], dict[str, str]]:
    """Readers per source name (the pool first), and the extra sources skipped and why."""
    readers: dict[str, Iterable[tuple[str, str]]] = {
        "pool": ((str(row["id"]), str(row.get("text") or "")) for row in pool_rows)
    }
    skipped: dict[str, str] = {}
    for name in extra_sources:
        check_choice("corpus source", name, list(EXTRA_SOURCES))
        source = EXTRA_SOURCES[name]
        if source.language != task.language:
            skipped[name] = f"'{source.language}' corpus, task '{task_name}' is '{task.language}'"
        else:
            readers[name] = source.read()
    return readers, skipped


def build_corpus(
    task_name: str,
    task: TaskParams,
    pool_rows: list[dict[str, Any]],
    test_rows: list[dict[str, Any]],
    extra_sources: list[str],
    max_passage_chars: int,
    *,
    min_passage_words: int = 1,
    leak_threshold: float = LEAK_THRESHOLD,
    num_perm: int = NUM_PERM,
) -> CorpusResult:
    """Passages {id, text, source} from the pool (labels stripped) and the extra sources
    in the task's language.

    Per passage, in order: normalise; drop 'empty', 'too_short' (fewer than
    ``min_passage_words`` of the language layer's words); truncate (counted);
    drop 'wrong_language', exact 'duplicate', 'test_overlap'. Raises DataError when more
    than half of a source is in another language.
    """
    lang = task.language
    readers, skipped = _sources(task_name, task, pool_rows, extra_sources)
    for name, why in skipped.items():
        log.info("corpus %s: skipping source '%s' (%s)", task_name, name, why)
    candidates = detection_languages(lang)
    matcher = TestMatcher(test_rows, lang, leak_threshold, num_perm)
    seen: dict[str, str] = {}  # case-folded text -> passage id
    ids: set[str] = set()
    result = CorpusResult(skipped_sources=skipped)
    for name, reader in readers.items():
        counts: Counter[str] = Counter()
        detected: Counter[str] = Counter()
        for passage_id, raw in reader:
            if passage_id in ids:
                raise DataError(f"corpus source '{name}': duplicate passage id '{passage_id}'")
            ids.add(passage_id)
            counts["input"] += 1
            text = normalize(raw, lang)
            reason: str | None = None
            detail: str | None = None
            if not any(char.isalnum() for char in text):
                reason = "empty"
            elif (words := len(tokenize(text, lang))) < min_passage_words:
                reason, detail = "too_short", f"{words} words"
            else:
                if len(text) > max_passage_chars:
                    text = truncate_passage(text, lang, max_passage_chars)
                    counts["truncated"] += 1
                language = detect_language(text[:DETECT_CHARS], candidates) if candidates else None
                if language is not None and language != lang:
                    reason, detail = "wrong_language", language
                    detected[language] += 1
                elif text.casefold() in seen:
                    reason, detail = "duplicate", seen[text.casefold()]
                elif (leak := matcher.match(text)) is not None:
                    reason, detail = "test_overlap", f"{leak[1]} of test {leak[0]}"
            if reason is None:
                seen[text.casefold()] = passage_id
                result.passages.append({"id": passage_id, "text": text, "source": name})
                counts["kept"] += 1
            else:
                counts[reason] += 1
                result.rejected.append(
                    {
                        "id": passage_id,
                        "source": name,
                        "reason": reason,
                        "detail": detail,
                        "text": raw,
                    }
                )
        _check_language(name, lang, counts, detected)
        result.by_source[name] = {
            key: counts[key] for key in ("input", "kept", "truncated", *REASONS)
        }
    result.counts = {
        key: sum(source[key] for source in result.by_source.values())
        for key in ("input", "kept", "truncated", *REASONS)
    }
    if not result.passages:
        raise DataError(f"corpus for task '{task_name}' is empty: {result.summary()}")
    return result


def _check_language(name: str, lang: str, counts: Counter[str], detected: Counter[str]) -> None:
    """Report wrong-language passages of a source; raise when they are more than half."""
    wrong = counts["wrong_language"]
    if not wrong:
        return
    checked = counts["input"] - counts["empty"] - counts["too_short"]
    found = ", ".join(f"{code} {n}" for code, n in detected.most_common())
    message = f"corpus source '{name}': {wrong} of {checked} passages are not '{lang}' ({found})"
    if wrong > MAX_WRONG_LANGUAGE_SHARE * checked:
        raise DataError(f"{message}; is this source in the task's language?")
    log.warning("%s; dropped as wrong_language", message)
