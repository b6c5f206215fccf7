"""The one test-overlap check, as preprocessing and the retrieval corpus both use it."""

from __future__ import annotations

import pytest

from synthdistill.methods import SPECS
from synthdistill.params import PreprocessParams
from synthdistill.preprocess import clean_dataset
from synthdistill.retrieval.corpus import TestLeakError, assert_no_test_leak

TEST = [
    {
        "id": "t1",
        "text": "The central bank raised interest rates by half a point on Thursday.",
        "label": "business",
    },
    {
        "id": "t2",
        "text": "東京証券取引所で日経平均株価が三日続けて値上がりした。",
        "label": "economy",
    },
]
LABELS = ["business", "sports", "economy"]


def _row(i: int, text: str, label: str = "business") -> dict[str, str]:
    return {"id": f"g{i}", "text": text, "label": label}


def test_generated_example_embedding_a_test_sentence_is_dropped_as_contaminated() -> None:
    embedded = (
        "Markets were calm in the morning. The central bank raised interest rates by half a "
        "point on Thursday. Analysts had expected a smaller move after weak retail sales."
    )
    clean = "A football club signed a new striker from a rival team for a record fee."
    result = clean_dataset(
        [_row(0, embedded), _row(1, clean, "sports")], TEST[:1], "en", LABELS, PreprocessParams()
    )
    assert [row["id"] for row in result.kept] == ["g1"]
    assert result.rejected[0]["reason"] == "test_contamination"
    assert "t1" in str(result.rejected[0]["detail"])
    assert result.counts["dropped"]["test_contamination"] == 1


def test_japanese_containment_is_caught_too() -> None:
    embedded = "週明けの市場では、東京証券取引所で日経平均株価が三日続けて値上がりした。"
    params = PreprocessParams(min_chars=10)
    result = clean_dataset([_row(0, embedded, "economy")], TEST[1:], "ja", LABELS, params)
    assert not result.kept and result.rejected[0]["reason"] == "test_contamination"


def test_corpus_and_preprocess_share_the_check() -> None:
    passage = {"id": "p", "text": "Intro. " + TEST[0]["text"] + " More text follows here."}
    with pytest.raises(TestLeakError, match="test_in_passage of test t1"):
        assert_no_test_leak([passage], TEST[:1], "en")


def test_retrieval_methods_exist() -> None:
    assert [name for (name, _), spec in SPECS.items() if spec.retrieval] == ["synthesizrr"]
