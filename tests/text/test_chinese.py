"""Chinese words in Japanese text, found by lexicon (jieba's dictionary vs unidic + ipadic)."""

import pytest

from synthdistill.text.artefacts import foreign_share
from synthdistill.text.chinese import chinese_words, is_japanese_word


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("地震で近30万の居民が避難した。", ["居民"]),  # Chinese for 住民
        ("株価は16000円の双高を守った。", ["双高"]),
        ("住民が避難した。", []),  # the Japanese word
        ("市内で新しい法案が審議された。", []),  # unidic splits them, ipadic knows them
        ("札幌市北区で火災があった。", []),  # a place name's suffix, not Chinese 市北
        ("3回目の挑戦で3打差をつけて優勝し、10年前の記録を破った。", []),  # counters
        ("港区の政府庁舎で会見した。", []),  # a name inside: no evidence
    ],
)
def test_chinese_words(text: str, words: list[str]) -> None:
    assert chinese_words(text, min_freq=5) == words


def test_min_freq_zero_turns_the_check_off_and_a_high_one_keeps_only_common_words() -> None:
    assert chinese_words("近30万の居民が避難した。", min_freq=0) == []
    assert chinese_words("株価は16000円の双高を守った。", min_freq=1000) == []  # jieba: 16
    assert chinese_words("近30万の居民が避難した。", min_freq=1000) == ["居民"]  # jieba: 6948


def test_japanese_words_by_either_dictionary() -> None:
    assert is_japanese_word("住民") and is_japanese_word("法案")
    assert not is_japanese_word("居民")


def test_foreign_share_counts_chinese_words_only_when_asked() -> None:
    text = "地震で近30万の居民が避難した。"
    assert foreign_share(text, "ja", [])[1] == []
    share, units = foreign_share(text, "ja", [], chinese_min_freq=5)
    assert units == ["居民"] and share > 0
