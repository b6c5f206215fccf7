"""Language-aware text-overlap metrics (BLEU, chrF, ROUGE), all on a 0-100 scale.

The tokenizer is chosen by language: sacrebleu's default ``13a`` and rouge-score's
default tokenizer score every Japanese pair 0.0, so Japanese goes through MeCab. Texts
are normalised by the language layer first, so width variants (ＡＢＣ/ABC) are no errors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Protocol

from rouge_score.rouge_scorer import RougeScorer
from rouge_score.tokenizers import DefaultTokenizer
from sacrebleu.metrics import BLEU, CHRF

from synthdistill.text import MecabTokenizer, normalize, tokenize
from synthdistill.text.scripts import LANGUAGE_SCRIPTS, script_of

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
# sacrebleu tokenizer per language; every other language uses "13a".
SACREBLEU_TOKENIZERS: dict[str, str] = {"ja": "ja-mecab", "zh": "zh"}


class Tokenizer(Protocol):
    """What rouge-score calls: ``tokenize(text) -> tokens``."""

    def tokenize(self, text: str) -> list[str]: ...


class TokenizationError(ValueError):
    """A metric's tokenizer found no tokens in text written in the language's script."""


def sacrebleu_tokenizer(lang: str) -> str:
    """The sacrebleu tokenizer name for a language."""
    return SACREBLEU_TOKENIZERS.get(lang, "13a")


def _has_own_letters(text: str, lang: str) -> bool:
    """Whether the text has letters in the language's script (any letter if unknown)."""
    scripts = LANGUAGE_SCRIPTS.get(lang)
    return any(char.isalpha() and (scripts is None or script_of(char) in scripts) for char in text)


def _check_tokens(texts: Sequence[str], split: Callable[[str], list[str]], lang: str) -> None:
    """Raise when text in the language's own script tokenizes to nothing: the metric would
    report 0.0 for a tokenizer reason, not a quality one. (Text in another script scoring
    0.0 is a real result and passes.)"""
    for text in texts:
        if _has_own_letters(text, lang) and not split(text):
            raise TokenizationError(
                f"the {lang!r} tokenizer produced no tokens for {text[:40]!r}; "
                "the metric would be 0.0 for a tokenization reason, not a quality one"
            )


def _normalized_pairs(
    hyps: Sequence[str], refs: Sequence[str], lang: str
) -> tuple[list[str], list[str]]:
    """Check one reference per hypothesis; return both lists normalised."""
    if isinstance(hyps, str) or isinstance(refs, str):
        raise TypeError("hyps and refs are lists of strings, one reference per hypothesis")
    if len(hyps) != len(refs):
        raise ValueError(f"got {len(hyps)} hypotheses but {len(refs)} references")
    return [normalize(hyp, lang) for hyp in hyps], [normalize(ref, lang) for ref in refs]


@cache
def _bleu(lang: str) -> BLEU:
    return BLEU(tokenize=sacrebleu_tokenizer(lang))


def bleu(hyps: Sequence[str], refs: Sequence[str], lang: str) -> float:
    """Corpus BLEU (sacrebleu, one reference per hypothesis, tokenizer by language)."""
    hyps, refs = _normalized_pairs(hyps, refs, lang)
    metric = _bleu(lang)
    _check_tokens([*hyps, *refs], lambda text: metric.tokenizer(text).split(), lang)
    return float(metric.corpus_score(hyps, [refs]).score)


def chrf(hyps: Sequence[str], refs: Sequence[str], lang: str) -> float:
    """Corpus chrF (sacrebleu; character n-grams need no word tokenizer, any language)."""
    hyps, refs = _normalized_pairs(hyps, refs, lang)
    return float(CHRF().corpus_score(hyps, [refs]).score)


class _WordTokenizer:
    """rouge-score tokenizer over the language layer (lower-cased word tokens)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def tokenize(self, text: str) -> list[str]:
        return tokenize(text, self.lang, lowercase=True)


def rouge_tokenizer(lang: str) -> Tokenizer:
    """MeCab for Japanese; rouge-score's own tokenizer for English (scores comparable with
    published ROUGE); the language layer's word tokenizer for every other language."""
    if lang == "ja":
        return MecabTokenizer()
    if lang == "en":
        return DefaultTokenizer()
    return _WordTokenizer(lang)


@cache
def _rouge(lang: str) -> tuple[RougeScorer, Tokenizer]:
    tokenizer = rouge_tokenizer(lang)
    return RougeScorer(list(ROUGE_TYPES), tokenizer=tokenizer), tokenizer


def rouge(hyp: str, ref: str, lang: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measures (0-100) of one hypothesis against one reference."""
    hyp, ref = normalize(hyp, lang), normalize(ref, lang)
    scorer, tokenizer = _rouge(lang)
    _check_tokens([hyp, ref], tokenizer.tokenize, lang)
    scores = scorer.score(ref, hyp)  # rouge-score takes (target, prediction)
    return {name: 100 * scores[name].fmeasure for name in ROUGE_TYPES}
