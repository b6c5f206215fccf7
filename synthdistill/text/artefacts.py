"""What a teacher writes around an example, and how to find it.

Small teachers rarely answer with only the example: they add a lead-in heading ("Here's a
new example of the category "sports":"), write a bulleted list of several examples,
comment on what they wrote ("この文は…に当てはまる"), name the label, echo the prompt, or
slip into another language. Generation *extracts* the example (:func:`extract`), the
preprocess filters then *detect* what extraction could not remove (the ``find_*``
functions). Phrase lists come from params (``artefacts.*``), per language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from synthdistill.params import ArtefactParams
from synthdistill.text.chinese import chinese_words
from synthdistill.text.normalize import normalize
from synthdistill.text.scripts import SCRIPT_RANGES, UNSPACED_CHARS
from synthdistill.text.tokenize import tokenize

# A list item at the start of a line: "- x", "* x", "• x", "・x", "1. x", "2) x", "(3) x".
_LINE_ITEM = re.compile(r"^\s*(?:[-*•・]|\d{1,2}\s*[.)、．]|[(（]\d{1,2}[)）])\s*(?=\S)")
# Item markers inside a line: bullets and "2." after a space or sentence end (strong), or
# those and a spaced dash (any).
_STRONG_MARKER = re.compile(r"(?:(?<=\s)|(?<=[:：。.!?！？]))(?:[•・]|[1-9][.)])\s+(?=\S)")
_ANY_MARKER = re.compile(r"(?:(?<=\s)|(?<=[:：。.!?！？]))(?:[-•・]|[1-9][.)])\s+(?=\S)")
# A heading line: short, ending with a colon.
_HEADING_END = re.compile(r"[:：]\s*$")
# A list inside a flattened row: a bullet, a dash after a colon or at the start, or (in
# unspaced scripts, where a spaced dash is no punctuation) any spaced dash.
_ROW_BULLET = re.compile(r"(?:^|(?<=[:：]))\s*-\s|[•・]\s")
_SPACED_DASH = re.compile(r"\s-\s")
# Numbered items: "1." ... "2." (or "1)" ... "2)") at item positions.
_NUMBERED_ITEM = re.compile(r"(?:^|(?<=[\s:：。]))([1-9])[.)]\s")
# "Example 2:" / "例2：" inside a text: a second example began.
_NUMBERED_EXAMPLE = re.compile(r"(?:example|例)\s*\d+\s*[:：]", re.IGNORECASE)
# Shortest lower-case Latin word counted as English inside Japanese.
MIN_FOREIGN_WORD = 6
# Longest lead-in heading considered (characters before its colon).
MAX_LEAD_IN_CHARS = 160
_HAN = re.compile(f"[{SCRIPT_RANGES['han']}]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
_CJK = re.compile(f"[{UNSPACED_CHARS}]")


@dataclass(frozen=True)
class Extraction:
    """The examples found in one reply, what was cut to find them, or why there are none."""

    items: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)  # "lead_in", "list", "commentary"
    reason: str | None = None  # why nothing is left ("meta_commentary", "empty")


def fold(text: str) -> str:
    """NFKC + lower case: phrases match raw replies and normalised rows alike."""
    return unicodedata.normalize("NFKC", text).lower()


def _contains_any(text: str, phrases: Iterable[str]) -> str | None:
    """The first phrase that ``text`` contains (both folded), or None."""
    folded = fold(text)
    return next((p for p in phrases if fold(p) in folded), None)


def _strip_lead_in(text: str, cues: Sequence[str]) -> tuple[str, bool]:
    """Drop a heading before the example: the text up to a colon (within the first
    ``MAX_LEAD_IN_CHARS``) when that part holds a lead-in cue ("example", "例", a label)."""
    for match in re.finditer(r"[:：]", text[: MAX_LEAD_IN_CHARS + 1]):
        head, rest = text[: match.start()], text[match.end() :].strip()
        if rest and _contains_any(head, cues):
            return rest, True
    return text, False


def _item_markers(flat: str, lang: str) -> re.Pattern[str]:
    """The item separators of a one-line list: any dash once the text starts with a
    bullet; else bullets and numbers, plus spaced dashes where they are no punctuation."""
    if _LINE_ITEM.match(flat) or lang == "ja":
        return _ANY_MARKER
    return _STRONG_MARKER


def _list_items(text: str, lang: str) -> list[str] | None:
    """The items of a bulleted/numbered list (None when the text is not a list)."""
    lines = [line for line in text.splitlines() if line.strip()]
    marked = [i for i, line in enumerate(lines) if _LINE_ITEM.match(line)]
    if len(lines) > 1 and marked:
        items: list[str] = []
        for i, line in enumerate(lines[marked[0] :], start=marked[0]):
            if i in marked:
                items.append(_LINE_ITEM.sub("", line, count=1).strip())
            else:  # a continuation line of the previous item
                items[-1] = f"{items[-1]} {line.strip()}"
        return items
    flat = " ".join(line.strip() for line in lines)
    starts_with_item = bool(_LINE_ITEM.match(flat))
    markers = _item_markers(flat, lang)
    if starts_with_item or len(markers.findall(flat)) >= 2:
        parts = [p.strip() for p in markers.split(_LINE_ITEM.sub("", flat, count=1))]
        parts = [p for p in parts if p]
        return parts if len(parts) > 1 or starts_with_item else None
    return None


def _cut_commentary(text: str, phrases: Sequence[str]) -> tuple[str, bool]:
    """Cut the text at the first commentary opener ("This example...", "この文は...")."""
    text = unicodedata.normalize("NFKC", text)  # the row is normalised later anyway
    folded = text.lower()
    cuts = []
    for phrase in phrases:
        for match in re.finditer(re.escape(fold(phrase)), folded):
            start = match.start()
            if start == 0 or not folded[start - 1].isalnum() or _CJK.match(phrase):
                cuts.append(start)
                break
    if not cuts:
        return text, False
    return text[: min(cuts)].strip(), True


def extract(
    raw: str,
    lang: str,
    lead_in: Sequence[str],
    commentary: Sequence[str],
    keep_items: str = "first",
) -> Extraction:
    """Pull the example(s) out of a teacher reply.

    Steps: drop a lead-in heading; split a list into items (``keep_items``: "first" or
    "each"); cut each item at its first commentary opener (``commentary``). A reply
    that is only commentary gives ``reason="meta_commentary"``.
    """
    text, cut = raw.strip(), []
    text, stripped = _strip_lead_in(text, lead_in)
    if stripped:
        cut.append("lead_in")
    items = _list_items(text, lang)
    if items is None:
        items = [text]
    else:
        cut.append("list")
        items = items[:1] if keep_items == "first" else items
    kept: list[str] = []
    commented = False
    for item in items:
        item, _ = _strip_lead_in(item, lead_in)
        flat = re.sub(r"\s*\n+\s*", " ", item).strip()
        clean, was_cut = _cut_commentary(flat, commentary)
        commented |= was_cut
        if clean:
            kept.append(clean)
    if commented:
        cut.append("commentary")
    if not kept:
        return Extraction(cut=cut, reason="meta_commentary" if commented else "empty")
    return Extraction(items=kept, cut=cut)


def extract_reply(
    raw: str,
    lang: str,
    labels: dict[str, str],
    params: ArtefactParams,
    keep_items: str | None = None,
) -> Extraction:
    """:func:`extract` with a task's cues: the lead-in phrases of ``params`` plus the label
    names (``Sports: ...``), and its commentary openers; ``keep_items`` defaults to
    ``params.list_items``."""
    cues = params.words("lead_in", lang) + list(label_terms(labels, lang))
    commentary = params.words("commentary", lang)
    return extract(raw, lang, cues, commentary, keep_items or params.list_items)


# --- detectors for the preprocess filters ------------------------------------------------


def find_phrase(text: str, phrases: Sequence[str]) -> str | None:
    """The first of ``phrases`` in ``text`` (case-folded), e.g. a commentary phrase."""
    return _contains_any(text, phrases)


def find_list(text: str, lang: str) -> str | None:
    """Why ``text`` holds several examples (else None): "Example 2:", items numbered 1 and
    2, or 2+ bullets (a spaced dash counts in Japanese only: English uses it as a dash)."""
    numbered = _NUMBERED_EXAMPLE.search(text)
    if numbered:
        return numbered.group(0)
    numbers = {match.group(1) for match in _NUMBERED_ITEM.finditer(text)}
    if {"1", "2"} <= numbers:
        return "items numbered 1 and 2"
    bullets = len(_ROW_BULLET.findall(text))
    if lang == "ja":
        bullets = max(bullets, len(_SPACED_DASH.findall(text)))
    if bullets >= 2:
        return f"{bullets} bullets"
    return None


def label_terms(labels: dict[str, str], lang: str) -> dict[str, str]:
    """Term -> label for the words that name a label: its key (``conflict_terrorism`` and
    ``conflict terrorism``) and its description's head (before ``：``/``:``/``,``)."""
    terms: dict[str, str] = {}
    for key, description in labels.items():
        terms[key] = key
        terms[key.replace("_", " ").replace("-", " ")] = key
        head = re.split(r"[:：,、（(]", normalize(description, lang), maxsplit=1)[0].strip()
        if len(head) >= 2:
            terms[head] = key
    return terms


def has_cjk(text: str) -> bool:
    """Whether ``text`` has a Han, hiragana or katakana character."""
    return _CJK.search(text) is not None


def description_items(description: str, lang: str) -> list[str]:
    """The items a label description lists ("試合・成績・記録", "companies, markets")."""
    parts = re.split(r"[・、,:：;（）()]|\band\b", normalize(description, lang))
    return [part.strip() for part in parts if len(part.strip()) >= 2]


def term_in(term: str, text: str) -> bool:
    """Whether ``term`` occurs in ``text``: a whole word in spaced scripts, a substring
    where a term has CJK characters."""
    if has_cjk(term):
        return term in text
    return re.search(rf"(?<![\w]){re.escape(term)}(?![\w])", text, re.IGNORECASE) is not None


def term_share(term: str, texts: Sequence[str]) -> float:
    """Share of ``texts`` that contain ``term`` (0.0 for no texts)."""
    if not texts:
        return 0.0
    return sum(term_in(term, t) for t in texts) / len(texts)


def ngrams(text: str, lang: str, n: int) -> set[tuple[str, ...]]:
    """Token n-grams (MeCab tokens for Japanese), lower-cased."""
    tokens = tokenize(text, lang, lowercase=True)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def echo_share(text: str, prompt_ngrams: set[tuple[str, ...]], lang: str, n: int) -> float:
    """Share of the text's token n-grams that appear in the prompt's instructions."""
    grams = ngrams(text, lang, n)
    return len(grams & prompt_ngrams) / len(grams) if grams else 0.0


def _japanese_han(char: str) -> bool:
    """A Han character of the Japanese character set (JIS X 0213)."""
    try:
        char.encode("euc_jis_2004")
    except UnicodeEncodeError:
        return False
    return True


def foreign_units(
    text: str, lang: str, function_words: Sequence[str], chinese_min_freq: int = 0
) -> list[str]:
    """What does not belong in a ``lang`` text: in Japanese, Han characters outside the
    Japanese character set, Chinese function words, Chinese words in shared characters
    (:func:`~synthdistill.text.chinese.chinese_words`, at ``chinese_min_freq``), and
    lower-case Latin words of ``MIN_FOREIGN_WORD``+ letters (proper nouns and acronyms are
    capitalised; real news has short brand names such as "toto"); in other languages, CJK
    characters."""
    if lang == "ja":
        found = [c for c in _HAN.findall(text) if not _japanese_han(c)]
        found += [w for w in function_words if w in text]
        found += chinese_words(text, chinese_min_freq)
        found += [
            w for w in _LATIN_WORD.findall(text) if len(w) >= MIN_FOREIGN_WORD and w.islower()
        ]
        return found
    return _CJK.findall(text)


def foreign_share(
    text: str, lang: str, function_words: Sequence[str], chinese_min_freq: int = 0
) -> tuple[float, list[str]]:
    """Foreign units per token of ``text`` and the units found."""
    units = foreign_units(text, lang, function_words, chinese_min_freq)
    tokens = tokenize(text, lang)
    return (len(units) / len(tokens) if tokens else 0.0), units
