"""Normalisation and sentence splitting, chosen by language code."""

from __future__ import annotations

import re
import unicodedata

from synthdistill.text.scripts import UNSPACED_CHARS, UNSPACED_LANGUAGES

# Invisible characters that NFKC keeps: zero-width space/joiners, BOM, soft hyphen.
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_WHITESPACE = re.compile(r"\s+")
# CJK letters and punctuation between which a space is a typing accident, not a word gap.
_CJK_CHARS = UNSPACED_CHARS + "\u3000-\u303f"
_CJK_INNER_SPACE = re.compile(f"(?<=[{_CJK_CHARS}]) (?=[{_CJK_CHARS}])")

# A terminator inside quotes/brackets (followed by a closer) does not end the sentence.
_CJK_BOUNDARY = re.compile(r"[。！？!?]+(?![」』）)】〕\"'”’])|\n")
_SPACED_BOUNDARY = re.compile(r"[.!?。！？]+[\"'”’)\]]*(?=\s+\S)|\n")
# Lower-cased words that end with a period without ending a sentence (English).
_EN_ABBREVIATIONS = (
    "mr mrs ms dr prof sr jr st mt vs etc e.g i.e u.s u.k u.n inc ltd co corp no fig approx "
    "dept est gen gov lt col sgt rep sen jan feb mar apr jun jul aug sep sept oct nov dec"
)
ABBREVIATIONS: dict[str, frozenset[str]] = {"en": frozenset(_EN_ABBREVIATIONS.split())}


def normalize(text: str, lang: str) -> str:
    """NFKC (folds half-/full-width variants), drop invisible characters, collapse whitespace.

    For Japanese (and Chinese), also remove spaces between CJK characters, which NFKC leaves.
    """
    text = unicodedata.normalize("NFKC", text)
    text = _WHITESPACE.sub(" ", _INVISIBLE.sub("", text)).strip()
    if lang in UNSPACED_LANGUAGES:
        text = _CJK_INNER_SPACE.sub("", text)
    return text


def split_sentences(text: str, lang: str) -> list[str]:
    """Split text into sentences: on 。！？ for Japanese/Chinese, on .!? plus whitespace
    otherwise (English skips known abbreviations and initials such as "J. K.")."""
    if lang in UNSPACED_LANGUAGES:
        return _split_at(text, [match.end() for match in _CJK_BOUNDARY.finditer(text)])
    abbreviations = ABBREVIATIONS.get(lang, frozenset())
    ends = [
        match.end()
        for match in _SPACED_BOUNDARY.finditer(text)
        if match.group() == "\n" or _ends_sentence(text, match.end(), abbreviations)
    ]
    return _split_at(text, ends)


def _split_at(text: str, ends: list[int]) -> list[str]:
    """Cut text at the given offsets; strip pieces and drop empty ones."""
    pieces = (
        text[start:end].strip() for start, end in zip([0, *ends], [*ends, len(text)], strict=True)
    )
    return [piece for piece in pieces if piece]


def _ends_sentence(text: str, end: int, abbreviations: frozenset[str]) -> bool:
    """Whether the terminator ending at ``end`` closes a sentence: not before a lower-case
    word, not after an abbreviation or a single-letter initial."""
    if text[end:].lstrip()[:1].islower():
        return False
    last_word = text[:end].split()[-1].rstrip("\"'”’)]")
    if not last_word.endswith("."):
        return True
    stem = last_word.rstrip(".").lstrip("\"'“‘([").casefold()
    return not (stem in abbreviations or (len(stem) == 1 and stem.isalpha()))
