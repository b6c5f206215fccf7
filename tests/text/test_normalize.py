"""Normalisation and sentence splitting."""

from synthdistill.text import normalize, split_sentences


def test_nfkc_folds_half_width_katakana_full_width_latin_and_digits() -> None:
    assert normalize("ｱｲｳ", "ja") == "アイウ"
    assert normalize("ＡＢＣ", "en") == "ABC"
    assert normalize("１２３", "ja") == "123"
    assert normalize("ﾊﾟﾝ", "ja") == "パン"


def test_half_and_full_width_variants_normalise_to_one_string() -> None:
    assert normalize("ﾆｭｰｽ：ＡＢＣ社が１０月に発表", "ja") == normalize(
        "ニュース:ABC社が10月に発表", "ja"
    )


def test_whitespace_is_collapsed_and_stripped() -> None:
    assert normalize("  a\t b\n\nc\u3000d  ", "en") == "a b c d"


def test_invisible_characters_are_removed() -> None:
    assert normalize("ab\u200bc\ufeff", "en") == "abc"


def test_japanese_drops_spaces_between_japanese_characters_only() -> None:
    text = "東京 に 住んで　います。 iPhone 15 を 買った"
    assert normalize(text, "ja") == "東京に住んでいます。 iPhone 15 を買った"


def test_english_keeps_word_spaces() -> None:
    assert normalize("The  cat sat", "en") == "The cat sat"


def test_japanese_sentences_split_on_terminators_not_inside_quotes() -> None:
    text = "今日は晴れ。「元気？」と聞いた！明日は雨です"
    assert split_sentences(text, "ja") == ["今日は晴れ。", "「元気？」と聞いた！", "明日は雨です"]


def test_english_sentences_respect_abbreviations_and_initials() -> None:
    text = "Mr. Smith met Dr. J. K. Rowling in the U.S. today. Was it fun? Yes! e.g. this."
    assert split_sentences(text, "en") == [
        "Mr. Smith met Dr. J. K. Rowling in the U.S. today.",
        "Was it fun?",
        "Yes! e.g. this.",
    ]


def test_split_sentences_on_empty_text() -> None:
    assert split_sentences("", "en") == []
    assert split_sentences("  ", "ja") == []


def test_other_languages_take_the_generic_splitter() -> None:
    assert split_sentences("Bonjour. Ça va? Oui", "fr") == ["Bonjour.", "Ça va?", "Oui"]
