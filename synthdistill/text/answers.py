"""A model's answer, cleaned: format prefixes and markdown cut, a label matched strictly.

Shared by everything that reads a model's answer (the teacher's replies, an LM student's
label answers); no model code here, so students depend on it without the teachers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Leading format labels the teacher sometimes adds ("Example 2:", "Headline:", "Text:").
_PREFIX = re.compile(
    r"^\s*(?:\*\*)?(?:example|text|output|answer|sentence|article|headline|input|例|文|出力|回答)"
    r"\s*\d*\s*(?:\*\*)?\s*[:：]\s*",
    re.IGNORECASE,
)


def clean_text(text: str) -> str:
    """Strip format prefixes, markdown emphasis and wrapping quotes; join paragraphs."""
    text = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", text.strip())
    for _ in range(2):
        text = _PREFIX.sub("", text).strip()
    text = text.replace("**", "")
    text = re.sub(r"\s*\n+\s*", " ", text).strip()
    if len(text) >= 2 and text[0] in "\"'“「『" and text[-1] in "\"'”」』":
        text = text[1:-1].strip()
    return text


def parse_label(answer: str, labels: Iterable[str]) -> str | None:
    """Map a classification answer to exactly one label, or None if ambiguous/absent."""
    labels = list(labels)
    text = clean_text(answer).lower().strip(" .。*")
    for label in labels:
        if text == label.lower():
            return label
    found = [label for label in labels if re.search(rf"\b{re.escape(label.lower())}", text)]
    if len(found) == 1:
        return found[0]
    if len(found) > 1:  # answer names several: take the first one mentioned
        return min(found, key=lambda lab: text.find(lab.lower()))
    return None
