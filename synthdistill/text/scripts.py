"""Unicode scripts as character classes, and the script(s) each language is written in."""

from __future__ import annotations

import re
from functools import cache

# Character ranges per script (letters only are ever classified; see ``script_of``).
SCRIPT_RANGES: dict[str, str] = {
    "hiragana": "\u3040-\u309f",
    "katakana": "\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f",
    "han": "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff",
    "hangul": "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af",
    "latin": "A-Za-z\u00c0-\u024f\u1e00-\u1eff",
    "cyrillic": "\u0400-\u052f",
    "greek": "\u0370-\u03ff\u1f00-\u1fff",
    "arabic": "\u0600-\u06ff\u0750-\u077f",
    "hebrew": "\u0590-\u05ff",
    "devanagari": "\u0900-\u097f",
    "thai": "\u0e00-\u0e7f",
}
SCRIPT_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(f"[{ranges}]") for name, ranges in SCRIPT_RANGES.items()
}

# Characters written without spaces between words: one character is one unit.
UNSPACED_CHARS = SCRIPT_RANGES["hiragana"] + SCRIPT_RANGES["katakana"] + SCRIPT_RANGES["han"]
# Languages written in those characters, without spaces between words.
UNSPACED_LANGUAGES = frozenset({"ja", "zh"})
KANA = re.compile(f"[{SCRIPT_RANGES['hiragana']}{SCRIPT_RANGES['katakana']}]")

_LATIN = (
    "en fr de es it pt nl sv da no nb nn fi is pl cs sk sl hr bs ro hu tr az id ms vi et lv lt "
    "ca eu gl ga cy sq af sw tl so yo zu xh la eo mt"
)
LANGUAGE_SCRIPTS: dict[str, tuple[str, ...]] = {
    **{code: ("latin",) for code in _LATIN.split()},
    "ja": ("hiragana", "katakana", "han"),
    "zh": ("han",),
    "ko": ("hangul", "han"),
    **{code: ("cyrillic",) for code in ("ru", "uk", "be", "bg", "mk", "kk", "mn")},
    "sr": ("cyrillic", "latin"),
    "el": ("greek",),
    **{code: ("arabic",) for code in ("ar", "fa", "ur")},
    "he": ("hebrew",),
    **{code: ("devanagari",) for code in ("hi", "mr", "ne")},
    "th": ("thai",),
}


@cache
def script_of(char: str) -> str | None:
    """The script of one letter ('latin', 'han', ...); None for non-letters or unlisted scripts."""
    if not char.isalpha():
        return None
    for name, pattern in SCRIPT_PATTERNS.items():
        if pattern.match(char):
            return name
    return None


def has_kana(text: str) -> bool:
    """True when the text holds hiragana or katakana (used only by Japanese)."""
    return KANA.search(text) is not None
