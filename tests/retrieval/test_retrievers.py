"""Retrievers (BM25 with the language layer's tokens, dense MiniLM / e5) and per-seed
retrieval: relevance, save/load, similarity band, deterministic sampling, empty results."""

import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from synthdistill.io import DataError
from synthdistill.params import ParamsError
from synthdistill.retrieval.retrievers import (
    BM25Retriever,
    DenseRetriever,
    Hit,
    Retriever,
    make_retriever,
    retrieve_passages,
)


def passages(texts: list[str]) -> list[dict[str, Any]]:
    return [{"id": f"p{i}", "text": text, "source": "pool"} for i, text in enumerate(texts)]


EN = passages(
    [
        "Interest rates were raised by the central bank to fight inflation.",
        "The football club won the league title after a dramatic final match.",
        "A new smartphone with a foldable screen goes on sale next month.",
        "The prime minister called an early general election for June.",
    ]
)
JA = passages(
    [
        "日本銀行は物価上昇を抑えるため政策金利を引き上げた。",
        "地元のサッカーチームが決勝戦で勝利し、リーグ優勝を果たした。",
        "折りたためる画面の新しいスマートフォンが来月発売される。",
        "首相は六月に衆議院を解散し、総選挙を行うと表明した。",
    ]
)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test (models must load from disk)."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    ("lang", "corpus", "query"),
    [
        ("en", EN, "Which team won the league final?"),
        ("ja", JA, "サッカーの決勝で勝ったチームは？"),
    ],
    ids=["en", "ja"],
)
def test_bm25_ranks_the_relevant_passage_first(
    lang: str, corpus: list[dict[str, Any]], query: str
) -> None:
    retriever = make_retriever("bm25", lang)
    retriever.index(corpus)
    hits = retriever.search(query, k=3)
    assert hits[0][0] == "p1"
    assert retriever.similarities(hits)[0] == 1.0  # scores are relative to the top hit
    assert all(0 < s <= 1 for s in retriever.similarities(hits))


def test_bm25_japanese_needs_mecab_tokens() -> None:
    """bm25s's own tokenizer keeps each Japanese sentence as one token: nothing matches."""
    import bm25s

    plain = bm25s.BM25()
    plain.index(bm25s.tokenize([p["text"] for p in JA], stopwords=None, show_progress=False))
    query = bm25s.tokenize(
        ["サッカーの決勝で勝ったチームは？"], stopwords=None, show_progress=False
    )
    assert len(query.vocab) == 1  # the whole question is one "word"
    _, scores = plain.retrieve(query, k=2, show_progress=False)
    assert scores.max() == 0.0
    ours = BM25Retriever("ja")
    ours.index(JA)
    assert ours.search("サッカーの決勝で勝ったチームは？", k=2)[0][0] == "p1"


@pytest.mark.parametrize(
    ("lang", "model", "paraphrase", "unrelated", "query"),
    [
        (
            "en",
            "minilm-l6",
            "The soccer side claimed the championship by winning the decisive game.",
            "Shares of the chip maker dropped after weak quarterly earnings.",
            "Football club wins the league title in the final match.",
        ),
        (
            "ja",
            "e5-small",
            "地元のサッカーチームが決勝で勝ち、リーグの頂点に立った。",
            "半導体メーカーの株価が決算発表を受けて下落した。",
            "サッカーのチームがリーグ優勝を決めた。",
        ),
    ],
    ids=["en-minilm", "ja-e5"],
)
def test_dense_ranks_a_paraphrase_above_an_unrelated_passage(
    no_network: None, lang: str, model: str, paraphrase: str, unrelated: str, query: str
) -> None:
    retriever = make_retriever("dense", lang)
    assert retriever.model == model
    retriever.index(passages([unrelated, paraphrase]))
    hits = retriever.search(query, k=2)
    assert [pid for pid, _ in hits] == ["p1", "p0"]
    assert -1.0 <= hits[1][1] < hits[0][1] <= 1.0  # cosine similarities


QUERIES = {
    "en": ["Who won the final?", "rates and inflation", "a new phone"],
    "ja": ["サッカーの決勝", "金利の引き上げ", "新しいスマートフォン"],
}


@pytest.mark.parametrize("kind", ["bm25", "dense"])
@pytest.mark.parametrize(("lang", "corpus"), [("en", EN), ("ja", JA)], ids=["en", "ja"])
def test_save_load_round_trip_gives_the_same_results(
    tmp_path: Path, kind: str, lang: str, corpus: list[dict[str, Any]]
) -> None:
    built = make_retriever(kind, lang)
    built.index(corpus)
    built.save(tmp_path / "index")
    loaded = make_retriever(kind, lang)
    loaded.load(tmp_path / "index")
    for query in QUERIES[lang]:
        assert loaded.search(query, k=4) == built.search(query, k=4)
    assert loaded.text("p1") == corpus[1]["text"]
    built.save(tmp_path / "index")  # overwriting an existing index works
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_loading_an_index_of_another_kind_or_language_fails(tmp_path: Path) -> None:
    built = BM25Retriever("ja")
    built.index(JA)
    built.save(tmp_path / "index")
    with pytest.raises(DataError, match="index was built for .*'bm25'.*asked for .*'dense'"):
        DenseRetriever("ja").load(tmp_path / "index")
    with pytest.raises(DataError, match="'lang': 'ja'.*'lang': 'en'"):
        BM25Retriever("en").load(tmp_path / "index")


class FixedRetriever(Retriever):
    """Scores set by the test: passage i scores SCORES[i]; the query 'nothing' finds none."""

    kind = "fixed"
    SCORES = (0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2)

    def _build(self, texts: list[str]) -> None:
        pass

    def _search(self, query: str, k: int) -> list[Hit]:
        return [] if query == "nothing" else list(zip(self.ids, self.SCORES, strict=False))[:k]

    def _save(self, directory: Path) -> None:
        pass

    def _load(self, directory: Path) -> None:
        pass


def fixed() -> FixedRetriever:
    retriever = FixedRetriever("en")
    retriever.index(passages([f"passage {i}" for i in range(8)]))
    return retriever


SEEDS = [{"id": "s1", "text": "a seed", "label": "sport"}]


def test_band_keeps_only_passages_within_it() -> None:
    rows = retrieve_passages(fixed(), SEEDS, k=8, band=(0.35, 0.75), n_per_seed=10)
    assert [(r["passage_id"], r["rank"], r["score"]) for r in rows] == [
        ("p2", 3, 0.7),
        ("p3", 4, 0.6),
        ("p4", 5, 0.5),
        ("p5", 6, 0.4),
    ]
    assert rows[0] == {
        "seed_id": "s1",
        "label": "sport",
        "passage_id": "p2",
        "passage_text": "passage 2",
        "score": 0.7,
        "rank": 3,
    }


def test_top_k_limits_the_candidates() -> None:
    rows = retrieve_passages(fixed(), SEEDS, k=3, band=None, n_per_seed=10)
    assert [r["passage_id"] for r in rows] == ["p0", "p1", "p2"]


def test_sampling_is_deterministic_under_the_seed() -> None:
    retriever = fixed()

    def picks(seed: int) -> list[str]:
        rows = retrieve_passages(retriever, SEEDS, k=8, band=(0.35, 0.75), n_per_seed=2, seed=seed)
        return [r["passage_id"] for r in rows]

    assert picks(0) == picks(0)
    assert all(len(picks(s)) == 2 and set(picks(s)) <= {"p2", "p3", "p4", "p5"} for s in range(10))
    assert len({tuple(picks(s)) for s in range(10)}) > 1  # the seed matters
    ranks = [r["rank"] for r in retrieve_passages(retriever, SEEDS, 8, None, 3, seed=5)]
    assert ranks == sorted(ranks)  # sampled rows stay in rank order


def no_passage_rows(rows: Sequence[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(r["seed_id"], r["passage_id"], r["reason"]) for r in rows]


def test_empty_retrieval_is_a_record_not_a_crash() -> None:
    seeds = [{"id": "s0", "text": "nothing", "label": "sport"}, *SEEDS]
    rows = retrieve_passages(fixed(), seeds, k=8, band=(0.95, 1.0), n_per_seed=2)
    assert no_passage_rows(rows) == [("s0", None, "no_passages"), ("s1", None, "no_passages")]
    assert rows[0]["detail"] == "no hits"
    assert rows[1]["detail"] == "none of 8 hits in band (0.95, 1.0)"


def test_bm25_query_sharing_no_word_with_the_corpus_finds_nothing() -> None:
    retriever = make_retriever("bm25", "en")
    retriever.index(EN)
    seeds = [{"id": "s0", "text": "zebra xylophone", "label": "sport"}]
    assert retriever.search("zebra xylophone", k=3) == []
    assert no_passage_rows(retrieve_passages(retriever, seeds, k=3)) == [
        ("s0", None, "no_passages")
    ]


def test_unknown_kind_or_model_lists_the_choices() -> None:
    with pytest.raises(ParamsError, match="Unknown retriever 'faiss'; choose one of: bm25, dense"):
        make_retriever("faiss", "en")
    with pytest.raises(ParamsError, match="Unknown dense model 'bge'; choose one of: auto, "):
        make_retriever("dense", "en", dense_model="bge")


def test_search_before_index_is_an_error() -> None:
    with pytest.raises(DataError, match="search before index"):
        BM25Retriever("en").search("anything", k=3)
