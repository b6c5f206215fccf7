"""Turn a teacher's raw output into one example, or reject it with a reason."""

from __future__ import annotations

import re
from dataclasses import dataclass

from synthdistill.params import ArtefactParams
from synthdistill.teachers.base import Completion
from synthdistill.text.answers import clean_text as clean_text
from synthdistill.text.answers import parse_label as parse_label
from synthdistill.text.artefacts import extract_reply

REFUSALS = {
    "en": (
        "i'm sorry",
        "i am sorry",
        "i cannot",
        "i can't",
        "as an ai",
        "i am unable",
        "i'm unable",
    ),
    "ja": ("申し訳", "できません", "お答えできません", "書き換えできません"),
}
# What a SynthesizRR prompt tells the teacher to answer when a passage does not fit.
REJECTION_STRING = "UNABLE TO REWRITE"
# Outputs shaped as data or code, not prose: JSON, code fences, markup (e.g. a teacher
# obeying an instruction injected into a SynthesizRR passage).
_STRUCTURED = re.compile(r"^\s*(?:[{\[]|```|<[a-zA-Z/!?])")
_LABEL_TAG = re.compile(r"(?:label|category|topic|ラベル|カテゴリ)\s*[:：]\s*([^\n.,;]+)", re.I)


@dataclass(frozen=True)
class Parsed:
    """The examples one reply gave (``reason`` "ok"), or none and why; ``cut`` names what
    extraction removed around them (lead_in, list, commentary)."""

    texts: list[str]
    reason: str
    cut: tuple[str, ...] = ()


def parse_generated(
    completion: Completion,
    label: str,
    labels: dict[str, str],
    lang: str,
    artefacts: ArtefactParams,
) -> Parsed:
    """The example(s) in one teacher reply, extracted (see :func:`extract`), or a reason."""
    raw = completion.text or ""
    if not raw.strip():
        return Parsed([], "empty")
    if completion.finish_reason == "length":
        return Parsed([], "truncated")
    lowered = raw.lower()
    if REJECTION_STRING.lower() in lowered:
        return Parsed([], "unable_to_rewrite")
    for phrase in REFUSALS.get(lang, ()) + REFUSALS["en"]:
        if phrase in lowered[:200]:
            return Parsed([], "refused")
    if _STRUCTURED.match(raw):
        return Parsed([], "structured_output")
    others = {other.lower() for other in labels if other != label}
    tag = _LABEL_TAG.search(raw)
    if tag and tag.group(1).strip().lower() in others:
        return Parsed([], "mislabelled")
    # Drop a trailing "Label: x" line that matches the target, then extract and clean.
    text = _LABEL_TAG.sub("", raw) if tag else raw
    found = extract_reply(text, lang, labels, artefacts)
    if found.reason is not None:
        return Parsed([], found.reason, tuple(found.cut))
    texts = [t for t in (clean_text(item) for item in found.items) if t]
    return Parsed(texts, "ok" if texts else "empty", tuple(found.cut))
