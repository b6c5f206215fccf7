"""Overlap with a reference set: near-duplicate shingle index and the one test-overlap check.

:class:`TestMatcher` is the single contamination check of the project: the retrieval
corpus (stage retrieve_index) and the cleaned training set (stage preprocess) both drop
a text that equals a test example, contains one, lies inside one, or near-duplicates one.
"""

from __future__ import annotations

from typing import Any

from datasketch import MinHash, MinHashLSH

from synthdistill.text import normalize, shingles

# The LSH index proposes candidates with at least this probability at the threshold
# Jaccard; the exact Jaccard of each candidate then decides.
LSH_RECALL = 0.99
# A test text this long (or longer) found inside a passage, or vice versa, is a leak.
MIN_CONTAINED_CHARS = 40
# MinHash seed of the test-overlap index (its permutations; results do not depend on it).
MINHASH_SEED = 0


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


class TestMatcher:
    """Finds the test example a text equals, contains, is contained in, or near-duplicates
    (shingle Jaccard >= threshold, MinHash LSH candidates confirmed exactly)."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        test_rows: list[dict[str, Any]],
        lang: str,
        threshold: float,
        num_perm: int = 128,
    ) -> None:
        self.lang = lang
        self._index = ShingleIndex(lang, threshold, num_perm, MINHASH_SEED)
        self._texts: dict[str, str] = {}  # case-folded normalised text -> test id
        for row in test_rows:
            text = normalize(str(row.get("text") or ""), lang)
            if text:
                self._texts.setdefault(text.casefold(), str(row.get("id")))
                self._index.add(str(row.get("id")), text)
        self._containable = [
            (text, test_id)
            for text, test_id in self._texts.items()
            if len(text) >= MIN_CONTAINED_CHARS
        ]

    def match(self, text: str) -> tuple[str, str] | None:
        """(test id, how) for a leaking text, else None; ``how`` says which check hit."""
        folded = normalize(text, self.lang).casefold()
        if folded in self._texts:
            return self._texts[folded], "exact"
        for test_text, test_id in self._containable:
            if test_text in folded:
                return test_id, "test_in_passage"
            if len(folded) >= MIN_CONTAINED_CHARS and folded in test_text:
                return test_id, "passage_in_test"
        near = self._index.match(text)
        return (near, "near_duplicate") if near is not None else None
