"""Language detection and language share (mixed-language text)."""

import pytest

from synthdistill.text import detect_language, detectable, language_share

JA_WITH_EN_CLAUSE = (
    "東京の会議で the committee decided to postpone the final vote until next month 決定しました"
)
JA_WITH_ZH_SENTENCES = (
    "日本政府は新しい経済対策を発表した。然而，这项政策在国内引起了广泛的争议和讨论。"
    "专家们认为效果有限。"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The central bank raised interest rates on Thursday.", "en"),
        ("今日はとても良い天気ですね。", "ja"),
        # Kanji-heavy Japanese: lingua alone may say Chinese; the kana decides.
        ("東京都知事選挙の投票率は過去最低", "ja"),
        ("中国政府宣布了新的经济政策，以促进国内消费。", "zh"),
        ("Le gouvernement a annoncé un nouveau plan pour l'économie.", "fr"),
    ],
    ids=["en", "ja", "ja-kanji-heavy", "zh", "fr"],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_detect_language_is_none_without_letters() -> None:
    assert detect_language("12345") is None
    assert detect_language("") is None


def test_detect_language_within_a_given_set() -> None:
    assert detect_language("Der Hund läuft schnell über die Straße.", ("en", "de")) == "de"


def test_detectable() -> None:
    assert detectable("ja")
    assert not detectable("xx")


def test_share_is_high_for_japanese_with_product_names() -> None:
    share = language_share("アップルは9月、新型のiPhone 15 Pro Maxを発売した。", "ja")
    assert share is not None and share >= 0.7


def test_share_is_low_for_japanese_carrying_an_english_clause() -> None:
    share = language_share(JA_WITH_EN_CLAUSE, "ja")
    assert share is not None and share < 0.5


def test_share_is_low_for_japanese_drifting_into_chinese_sentences() -> None:
    share = language_share(JA_WITH_ZH_SENTENCES, "ja")
    assert share is not None and share < 0.5


def test_share_is_low_for_english_carrying_japanese() -> None:
    text = "The firm said 新製品の発売は来月になる予定です in a statement"
    share = language_share(text, "en")
    assert share is not None and share < 0.5


def test_share_is_one_for_plain_english_and_none_when_unknown() -> None:
    assert language_share("The striker scored twice in the final.", "en") == 1.0
    assert language_share("12345 !!", "en") is None
    assert language_share("anything", "xx") is None
