"""Language-aware BLEU / chrF / ROUGE (synthdistill.metrics.text)."""

from collections.abc import Iterator

import pytest
from rouge_score.rouge_scorer import RougeScorer
from rouge_score.tokenizers import DefaultTokenizer
from sacrebleu.metrics import BLEU

from synthdistill.metrics import text as text_metrics
from synthdistill.metrics.text import TokenizationError, bleu, chrf, rouge

REF = "東京都に住んでいます"
PARAPHRASE = "東京に住んでいます"
UNRELATED = "猫が好きです"


def test_identical_japanese_sentence_scores_bleu_100() -> None:
    assert bleu([REF], [REF], "ja") == pytest.approx(100.0)


def test_japanese_bleu_pinned_value() -> None:
    # ja-mecab: 東京 に 住ん で い ます vs 東京 都 に 住ん で い ます
    assert bleu([PARAPHRASE], [REF], "ja") == pytest.approx(67.318, abs=1e-3)


def test_default_13a_tokenizer_would_score_japanese_0() -> None:
    raw = BLEU(tokenize="13a").corpus_score([PARAPHRASE], [[REF]]).score
    assert raw == 0.0
    assert bleu([PARAPHRASE], [REF], "ja") > 50


def test_paraphrase_far_above_unrelated_on_every_metric() -> None:
    assert bleu([PARAPHRASE], [REF], "ja") > bleu([UNRELATED], [REF], "ja") + 50
    assert chrf([PARAPHRASE], [REF], "ja") > chrf([UNRELATED], [REF], "ja") + 50
    near, far = rouge(PARAPHRASE, REF, "ja"), rouge(UNRELATED, REF, "ja")
    assert near["rougeL"] > far["rougeL"] + 50
    assert near["rouge1"] == pytest.approx(2 * 6 / 13 * 100)  # 6 shared of 6 and 7 tokens


def test_default_rouge_tokenizer_gives_0_on_japanese_and_ours_does_not() -> None:
    default = RougeScorer(["rougeL"]).score(REF, PARAPHRASE)["rougeL"].fmeasure
    assert default == 0.0
    assert rouge(PARAPHRASE, REF, "ja")["rougeL"] > 80


def test_width_variants_are_not_errors() -> None:
    assert bleu(["ＡＢＣ社の東京支店"], ["ABC社の東京支店"], "ja") == pytest.approx(100.0)
    assert rouge("ＡＢＣ社", "abc社", "ja")["rouge1"] == pytest.approx(100.0)


def test_english_metrics() -> None:
    ref = "the cat sat on the mat"
    assert bleu([ref], [ref], "en") == pytest.approx(100.0)
    assert rouge("The cat sat", ref, "en")["rouge1"] == pytest.approx(2 * 3 / 9 * 100)
    assert chrf(["the cat sat on a mat"], [ref], "en") > chrf(["dogs bark"], [ref], "en")


def test_other_languages_use_a_unicode_word_tokenizer() -> None:
    assert rouge("le café est bon", "le café est très bon", "fr")["rouge1"] > 80
    assert rouge("我住在东京", "我住在东京", "zh")["rouge1"] == pytest.approx(100.0)


def test_text_in_another_script_scores_0_without_raising() -> None:
    assert rouge("東京", "the cat", "en")["rouge1"] == 0.0


@pytest.fixture
def ascii_only_rouge(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Swap in rouge-score's ASCII-only tokenizer, as a careless config would."""
    monkeypatch.setattr(text_metrics, "rouge_tokenizer", lambda lang: DefaultTokenizer())
    text_metrics._rouge.cache_clear()
    yield
    text_metrics._rouge.cache_clear()


def test_japanese_that_tokenizes_to_nothing_raises(ascii_only_rouge: None) -> None:
    with pytest.raises(TokenizationError, match="no tokens"):
        rouge(PARAPHRASE, REF, "ja")


def test_mismatched_lengths_raise() -> None:
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        bleu(["a", "b"], ["a"], "en")
    with pytest.raises(TypeError):
        chrf("a", "a", "en")
