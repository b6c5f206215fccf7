"""Teacher replies made of junk never reach train.jsonl; each drop names its reason."""

from __future__ import annotations

import pytest

from synthdistill.params import PreprocessParams
from synthdistill.preprocess import clean_dataset

FILLER = " the company reported higher profits for the third quarter this year"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("\x00\x07 NUL and BEL" + FILLER, "control_chars"),
        ("\x1b[31mred alert\x1b[0m" + FILLER, "control_chars"),
        ("broken \ufffd\ufffd bytes" + FILLER, "replacement_char"),
        ("reversed \u202e text" + FILLER, "bidi_control"),
        ("isolate \u2066 text \u2069" + FILLER, "bidi_control"),
        ("1234 5678 9012 3456 7890 1234 5678 9012 3456 7890 12 ab", "too_few_letters"),
        ("$$$ %%% &&& *** ((( ))) ### @@@ !!! ??? +++ === ~~~ ab", "too_few_letters"),
    ],
)
def test_junk_is_dropped_with_its_reason(text: str, reason: str) -> None:
    result = clean_dataset(
        [{"id": "j", "text": text, "label": "x"}], [], "en", ["x"], PreprocessParams()
    )
    assert not result.kept
    assert result.rejected[0]["reason"] == reason
    assert result.counts["dropped"][reason] == 1


def test_clean_english_and_japanese_pass() -> None:
    rows = [
        {
            "id": "en",
            "text": "Shares rose 3% after the bank's results beat forecasts in 2024.",
            "label": "x",
        },
        {
            "id": "ja",
            "text": "東京証券取引所で日経平均株価が3日続けて値上がりし、2万円台を回復した。",
            "label": "x",
        },
    ]
    en = clean_dataset(rows[:1], [], "en", ["x"], PreprocessParams())
    ja = clean_dataset(rows[1:], [], "ja", ["x"], PreprocessParams(min_chars=10))
    assert [r["id"] for r in en.kept] == ["en"] and [r["id"] for r in ja.kept] == ["ja"]
