"""Chinese words written in characters Japanese also uses (``居民``, ``双高``).

A small teacher writing Japanese slips into Chinese: simplified characters (caught by the
character-set check in :mod:`synthdistill.text.artefacts`) and Chinese *words* in characters
both languages share, which no character check can see. The signal here is lexical: a
compound that MeCab (unidic) can only cut into single characters, that neither Japanese
dictionary (unidic, ipadic) holds as a word, and that jieba's Chinese dictionary lists as a
common word. Counter compounds after a number (``3回目``, ``10年前``) and place-name
suffixes (``札幌市北区``) are skipped: those split into single characters in real news too.
"""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

from synthdistill.text.scripts import SCRIPT_RANGES
from synthdistill.text.tokenize import mecab_words

# One Han character (a MeCab token of exactly this is a single-character piece).
_ONE_HAN = re.compile(f"^[{SCRIPT_RANGES['han']}]$")
# Numerals: a compound holding one, or following a number, is a counter (3回目, 数万).
NUMERALS = frozenset("0123456789〇一二三四五六七八九十百千万億兆数何")
# Place-name suffixes: a compound starting with one continues a name (札幌市|北|区).
PLACE_SUFFIXES = frozenset("市区町村県府都州郡道省")
# Longest candidate compound, in single-character pieces.
MAX_PIECES = 3


@cache
def chinese_lexicon() -> dict[str, int]:
    """jieba's Chinese dictionary (349k words): word -> corpus frequency."""
    spec = importlib.util.find_spec("jieba")  # its data file only: the package is not run
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("jieba (its dictionary) is not installed: make install")
    words: dict[str, int] = {}
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    with path.open(encoding="utf-8") as f:
        for line in f:
            word, freq, *_ = line.split()
            words[word] = int(freq)
    return words


@cache
def _ipadic() -> Any:
    import fugashi
    import ipadic

    return fugashi.GenericTagger(ipadic.MECAB_ARGS)


@cache
def is_japanese_word(word: str) -> bool:
    """Whether a Japanese dictionary knows ``word``: one known unidic token, one ipadic
    token (ipadic keeps longer compounds: 市内, 法案), or a name inside (ipadic 固有名詞:
    a name is no evidence of Chinese)."""
    pieces = mecab_words(word)
    if len(pieces) == 1 and not pieces[0].is_unk:
        return True
    tokens = _ipadic()(word)
    if len(tokens) == 1 and not tokens[0].is_unk:
        return True
    return any(token.feature[1] == "固有名詞" for token in tokens)


def chinese_words(text: str, min_freq: int) -> list[str]:
    """The Chinese words in Japanese ``text``: runs of 2-3 single-Han-character MeCab
    pieces that form a word of jieba's dictionary with frequency >= ``min_freq`` and of
    no Japanese dictionary. ``min_freq`` 0 turns the check off."""
    if min_freq <= 0:
        return []
    lexicon = chinese_lexicon()
    pieces = [word.surface for word in mecab_words(text)]
    found: list[str] = []
    for start, piece in enumerate(pieces):
        before = pieces[start - 1] if start else ""
        if not _ONE_HAN.match(piece) or piece in PLACE_SUFFIXES:
            continue
        if before and before[-1] in NUMERALS:
            continue
        word = piece
        for nxt in pieces[start + 1 : start + MAX_PIECES]:
            if not _ONE_HAN.match(nxt):
                break
            word += nxt
            if NUMERALS & set(word):
                break
            if lexicon.get(word, 0) >= min_freq and not is_japanese_word(word):
                found.append(word)
    return found
