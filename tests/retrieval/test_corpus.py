"""The retrieval corpus: labels stripped, every drop counted, and never a test example."""

from typing import Any

import pytest

from synthdistill.io import DataError
from synthdistill.params import ParamsError, RetrievalParams, TaskDataParams, TaskParams
from synthdistill.retrieval.corpus import (
    REASONS,
    TestLeakError,
    assert_no_test_leak,
    build_corpus,
    truncate_passage,
    wiki_paragraphs,
)

EN_TASK = TaskParams(
    language="en",
    description="news",
    labels={"economy": "e", "sport": "s"},
    data=TaskDataParams(source="file"),
)
JA_TASK = EN_TASK.model_copy(update={"language": "ja"})

TEST_TEXT = (
    "The central bank raised interest rates by a quarter point on Thursday, citing "
    "persistent inflation and a tight labour market."
)
# The same test example with small edits: still a leak.
TEST_TEXT_EDITED = (
    "The central bank raised interest rates by a quarter point on Thursday, citing "
    "stubborn inflation and a tight jobs market."
)
POOL_TEXTS = [
    "The striker scored twice as the home side won the cup final in extra time.",
    "Shares in the carmaker fell sharply after it warned that profits would halve this year.",
    "The government announced a new budget with higher spending on schools and hospitals.",
    "The tennis champion withdrew from the tournament with a shoulder injury on Monday.",
]
JA_POOL_TEXTS = [
    "日本銀行は木曜日、根強いインフレを理由に政策金利を引き上げた。",
    "エースが二得点を挙げ、地元チームが延長戦の末に決勝を制した。",
    "政府は来年度の予算案を閣議決定し、防衛費を大幅に増やした。",
]


def rows(texts: list[str], prefix: str = "p", label: str = "economy") -> list[dict[str, Any]]:
    return [{"id": f"{prefix}{i}", "text": text, "label": label} for i, text in enumerate(texts)]


TEST_ROWS = [{"id": "t0", "text": TEST_TEXT, "label": "economy"}]


def corpus(pool: list[dict[str, Any]], task: TaskParams = EN_TASK, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"extra_sources": [], "max_passage_chars": 1000} | kwargs
    return build_corpus("demo", task, pool, TEST_ROWS, **options)


def test_pool_becomes_passages_without_labels() -> None:
    result = corpus(rows(POOL_TEXTS))
    assert [p["id"] for p in result.passages] == ["p0", "p1", "p2", "p3"]
    assert all(
        set(p) == {"id", "text", "source"} and p["source"] == "pool" for p in result.passages
    )
    assert result.counts["input"] == result.counts["kept"] == 4
    assert set(result.report()) >= {"input", "kept", "truncated", *REASONS, "by_source"}


def test_test_examples_and_near_duplicates_never_enter_the_corpus() -> None:
    leaks = [
        TEST_TEXT,  # verbatim
        "  " + TEST_TEXT.upper().replace(" ", "  "),  # same after normalisation/case folding
        TEST_TEXT_EDITED,  # small edits: shingle Jaccard >= 0.5
        f"Markets. {TEST_TEXT} Analysts expect more rises.",  # embedded in a longer passage
    ]
    result = corpus(rows(POOL_TEXTS + leaks))
    assert [p["id"] for p in result.passages] == ["p0", "p1", "p2", "p3"]
    assert result.counts["test_overlap"] == 4
    details = {r["id"]: r["detail"] for r in result.rejected}
    assert details == {
        "p4": "exact of test t0",
        "p5": "exact of test t0",
        "p6": "near_duplicate of test t0",
        "p7": "test_in_passage of test t0",
    }
    assert_no_test_leak(result.passages, TEST_ROWS, "en")  # the clean corpus passes


def test_assert_no_test_leak_raises_on_a_slipped_in_example() -> None:
    passages = [{"id": "x", "text": text, "source": "pool"} for text in POOL_TEXTS]
    passages.append({"id": "slipped", "text": TEST_TEXT_EDITED, "source": "pool"})
    with pytest.raises(TestLeakError, match="slipped .*near_duplicate of test t0"):
        assert_no_test_leak(passages, TEST_ROWS, "en")


def test_japanese_near_duplicate_of_a_test_example_is_removed() -> None:
    test = [
        {"id": "jt", "text": "日本銀行は木曜日、根強いインフレを理由に政策金利を引き上げました。"}
    ]
    result = build_corpus("demo", JA_TASK, rows(JA_POOL_TEXTS), test, [], 1000)
    assert [p["id"] for p in result.passages] == ["p1", "p2"]
    assert result.rejected[0]["detail"] == "near_duplicate of test jt"


def test_drops_and_truncation_are_counted() -> None:
    long_text = " ".join(["The market rallied after the announcement."] * 10)
    pool = rows([*POOL_TEXTS, "", "!!! ...", "Too short.", long_text, POOL_TEXTS[0].upper()])
    result = corpus(pool, max_passage_chars=100, min_passage_words=3)
    counts = result.counts
    assert counts["empty"] == 2 and counts["too_short"] == 1 and counts["duplicate"] == 1
    assert counts["truncated"] == 1 and counts["kept"] == 5
    assert counts["input"] == counts["kept"] + sum(counts[reason] for reason in REASONS)
    truncated = next(p for p in result.passages if p["id"] == "p7")["text"]
    assert len(truncated) <= 100 and truncated.endswith("announcement.")  # whole sentences


def test_truncate_passage_without_sentence_boundary() -> None:
    assert truncate_passage("word " * 30, "en", 22) == "word word word word"
    assert truncate_passage("あ" * 50, "ja", 10) == "あ" * 10


def test_a_few_wrong_language_passages_are_dropped_and_reported() -> None:
    pool = rows([*POOL_TEXTS, "日本銀行は木曜日、根強いインフレを理由に政策金利を引き上げた。"])
    result = corpus(pool)
    assert result.counts["wrong_language"] == 1
    assert result.rejected[0]["detail"] == "ja"


def test_corpus_mostly_in_the_wrong_language_is_an_error_naming_the_source() -> None:
    with pytest.raises(DataError, match="corpus source 'pool': 3 of 3 passages are not 'en'"):
        corpus(rows(JA_POOL_TEXTS))
    with pytest.raises(DataError, match="source 'pool'.* not 'ja' \\(en 4\\)"):
        corpus(rows(POOL_TEXTS), task=JA_TASK)


def test_packaged_english_source_is_added_to_english_tasks_only() -> None:
    en = corpus(rows(POOL_TEXTS), extra_sources=["gensim_lee"])
    lee = en.by_source["gensim_lee"]
    assert lee["input"] == 300 and lee["kept"] > 280 and lee["truncated"] > 0
    assert any(p["id"].startswith("gensim_lee-") for p in en.passages)
    ja = corpus(rows(JA_POOL_TEXTS), task=JA_TASK, extra_sources=["gensim_lee"])
    assert "gensim_lee" not in ja.by_source
    assert "'en' corpus" in ja.skipped_sources["gensim_lee"]


def test_unknown_extra_source_lists_the_choices() -> None:
    with pytest.raises(ParamsError, match="Unknown corpus source 'lee'; choose one of: gensim_lee"):
        corpus(rows(POOL_TEXTS), extra_sources=["lee"])


def test_wiki_paragraphs_keep_prose_only() -> None:
    markup = (
        "'''Anarchism''' is a [[political philosophy]] that rejects rulers.\n\n"
        "==History==\n\n* a list item\n* another\n\n"
        "The ''first'' anarchist was [[Pierre-Joseph Proudhon|Proudhon]].\n"
    )
    assert wiki_paragraphs(markup) == [
        "Anarchism is a political philosophy that rejects rulers.",
        "The first anarchist was Proudhon.",
    ]


def test_retrieval_params_reject_an_inverted_band() -> None:
    with pytest.raises(ValueError, match="band_low"):
        RetrievalParams(band_low=0.9, band_high=0.2)
