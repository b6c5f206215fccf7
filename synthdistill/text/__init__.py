"""The language layer: every stage that touches text calls these, passing a language code.

'en' and 'ja' are first-class; any other code takes a generic path. Callers never
special-case a language.
"""

from synthdistill.text.language import (
    DETECTION_LANGUAGES,
    detect_language,
    detectable,
    detection_languages,
    language_share,
)
from synthdistill.text.normalize import normalize, split_sentences
from synthdistill.text.tokenize import MecabTokenizer, shingles, tokenize

__all__ = [
    "DETECTION_LANGUAGES",
    "MecabTokenizer",
    "detect_language",
    "detectable",
    "detection_languages",
    "language_share",
    "normalize",
    "shingles",
    "split_sentences",
    "tokenize",
]
