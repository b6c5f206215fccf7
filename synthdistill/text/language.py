"""Language identification (lingua) and the share of a text that is in a given language."""

from __future__ import annotations

from functools import cache
from typing import Any

from synthdistill.text.normalize import split_sentences
from synthdistill.text.scripts import LANGUAGE_SCRIPTS, has_kana, script_of
from synthdistill.text.tokenize import tokenize

# Languages the detector chooses among (more languages = slower first call, finer answers).
DETECTION_LANGUAGES: tuple[str, ...] = (
    "en", "ja", "zh", "ko", "fr", "de", "es", "it", "pt", "nl", "ru",
)  # fmt: skip
# Below this lingua confidence (0..1, summed over candidates) detect_language says None.
MIN_CONFIDENCE = 0.5
# language_share runs detection only on sentences with at least this many words.
MIN_DETECT_WORDS = 4


def _iso_code(lang: str) -> Any:
    """lingua's IsoCode639_1 for a code, or None when lingua does not know the language."""
    from lingua import IsoCode639_1

    try:
        return IsoCode639_1.from_str(lang)
    except ValueError:
        return None


def detectable(lang: str) -> bool:
    """Whether lingua can recognise this language at all."""
    return _iso_code(lang) is not None


@cache
def _detector(languages: tuple[str, ...]) -> Any:
    """One lingua detector per language set, built on first use (models load lazily)."""
    from lingua import LanguageDetectorBuilder

    codes = [_iso_code(lang) for lang in languages]
    unknown = [lang for lang, code in zip(languages, codes, strict=True) if code is None]
    if unknown:
        raise ValueError(f"lingua cannot detect {unknown}; drop them from the language set")
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).build()


def detect_language(
    text: str,
    languages: tuple[str, ...] = DETECTION_LANGUAGES,
    min_confidence: float = MIN_CONFIDENCE,
) -> str | None:
    """The ISO 639-1 code of the text's language among ``languages``, or None if unsure.

    Text with kana is Japanese even when lingua prefers Chinese (kanji-heavy Japanese).
    """
    values = _detector(tuple(sorted(set(languages)))).compute_language_confidence_values(text)
    if not values:
        return None
    best = values[0]
    code = best.language.iso_code_639_1.name.lower()
    if code in ("ja", "zh") and has_kana(text):
        return "ja"
    return code if best.value >= min_confidence else None


def detection_languages(lang: str) -> tuple[str, ...] | None:
    """DETECTION_LANGUAGES plus ``lang``; None when lingua cannot detect ``lang``."""
    return tuple(sorted({*DETECTION_LANGUAGES, lang})) if detectable(lang) else None


def language_share(text: str, lang: str) -> float | None:
    """Share (0..1) of the text's word tokens that are in ``lang``: written in its
    script(s), in a sentence not confidently detected as another language.

    Low for a Japanese sentence carrying a long English clause (script) and for Japanese
    text drifting into Chinese sentences (detection). Sentences shorter than
    MIN_DETECT_WORDS are judged by script alone. None when the language's script is
    unknown or the text has no word with letters.
    """
    scripts = LANGUAGE_SCRIPTS.get(lang)
    if scripts is None:
        return None
    candidates = detection_languages(lang)
    native = total = 0
    for sentence in split_sentences(text, lang):
        words = [token for token in tokenize(sentence, lang) if any(c.isalpha() for c in token)]
        total += len(words)
        foreign = (
            candidates is not None
            and len(words) >= MIN_DETECT_WORDS
            and detect_language(sentence, candidates) not in (lang, None)
        )
        if not foreign:
            native += sum(_majority_script(word) in scripts for word in words)
    return native / total if total else None


def _majority_script(word: str) -> str | None:
    """The script most of a word's letters belong to."""
    counts: dict[str | None, int] = {}
    for char in word:
        if char.isalpha():
            script = script_of(char)
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda script: counts[script])
