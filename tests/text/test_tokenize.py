"""Tokenisation and shingles."""

from synthdistill.text import MecabTokenizer, shingles, tokenize


def test_japanese_tokens_are_mecab_surfaces() -> None:
    assert tokenize("東京都に住んでいます", "ja") == [
        "東京",
        "都",
        "に",
        "住ん",
        "で",
        "い",
        "ます",
    ]


def test_japanese_tokens_drop_punctuation_and_spaces() -> None:
    assert tokenize("「こんにちは」　と言った。", "ja") == ["こんにちは", "と", "言っ", "た"]


def test_english_regex_tokens_keep_apostrophes_and_drop_punctuation() -> None:
    assert tokenize("Don't stop: the U.S. grew 3%!", "en") == [
        "Don't",
        "stop",
        "the",
        "U",
        "S",
        "grew",
        "3",
    ]


def test_lowercase_option() -> None:
    assert tokenize("The Cat", "en", lowercase=True) == ["the", "cat"]


def test_generic_path_splits_unspaced_cjk_into_characters() -> None:
    assert tokenize("我们 go", "zh") == ["我", "们", "go"]
    assert tokenize("Ça va très bien", "fr") == ["Ça", "va", "très", "bien"]


def test_mecab_tokenizer_for_rouge() -> None:
    assert MecabTokenizer().tokenize("ＡＢＣ社の東京支店") == ["abc", "社", "の", "東京", "支店"]


def test_japanese_shingles_are_character_trigrams_without_spaces() -> None:
    assert shingles("東京 都に住む", "ja") == {"東京都", "京都に", "都に住", "に住む"}


def test_japanese_shingles_fold_width_variants() -> None:
    assert shingles("ﾆｭｰｽＡＢＣ", "ja") == shingles("ニュースabc", "ja")


def test_english_shingles_are_lowercased_word_bigrams() -> None:
    assert shingles("The cat sat, the END", "en") == {"the cat", "cat sat", "sat the", "the end"}


def test_short_text_is_its_own_shingle_and_empty_text_has_none() -> None:
    assert shingles("東京", "ja") == {"東京"}
    assert shingles("Hello", "en") == {"hello"}
    assert shingles("   ", "en") == set()


def test_explicit_shingle_size() -> None:
    assert shingles("a b c", "en", n=1) == {"a", "b", "c"}
