"""Retrievers over the passage corpus (BM25, dense), built once by a stage, saved and reused,
and per-seed retrieval with a similarity band and deterministic sampling.

Text goes through the language layer: BM25 indexes its tokens (MeCab for Japanese).
"""

from __future__ import annotations

import os
import random
import shutil
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from synthdistill.assets import require
from synthdistill.embeddings import DENSE_AUTO, DENSE_MULTILINGUAL, dense_encoder
from synthdistill.io import DataError, read_json, read_jsonl, write_json, write_jsonl
from synthdistill.params import check_choice
from synthdistill.text import normalize, tokenize

Hit = tuple[str, float]  # (passage id, raw score)
KINDS: tuple[str, ...] = ("bm25", "dense")
DENSE_MODELS: tuple[str, ...] = ("auto", "minilm-l6", "e5-small")


class Retriever(ABC):
    """A passage index: ``index`` or ``load``, then ``search``; ``save`` writes it to a dir."""

    kind: ClassVar[str]

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.ids: list[str] = []
        self._texts: dict[str, str] = {}

    @property
    def model(self) -> str:
        """What identifies the scoring model (checked when an index is loaded)."""
        return self.kind

    def index(self, passages: Sequence[dict[str, Any]]) -> None:
        """Index passages ({id, text, ...}); replaces any previous index."""
        if not passages:
            raise DataError(f"{self.kind} retriever: no passages to index")
        self.ids = [str(passage["id"]) for passage in passages]
        self._texts = {str(passage["id"]): str(passage["text"]) for passage in passages}
        if len(self._texts) != len(self.ids):
            raise DataError(f"{self.kind} retriever: passage ids are not unique")
        self._build([self._texts[pid] for pid in self.ids])

    def search(self, query: str, k: int) -> list[Hit]:
        """The top-k passages for a query, best first: [(passage_id, raw score)]."""
        if not self.ids:
            raise DataError(f"{self.kind} retriever: search before index() or load()")
        return self._search(normalize(query, self.lang), min(k, len(self.ids)))

    def text(self, passage_id: str) -> str:
        """A passage's text."""
        return self._texts[passage_id]

    def save(self, directory: str | Path) -> None:
        """Write the index to ``directory`` atomically (a half-written index never appears)."""
        target = Path(directory)
        staging = target.with_name(f".{target.name}.tmp{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            write_json(
                staging / "meta.json",
                {"kind": self.kind, "lang": self.lang, "model": self.model, "count": len(self.ids)},
            )
            write_jsonl(
                staging / "passages.jsonl",
                ({"id": pid, "text": self._texts[pid]} for pid in self.ids),
            )
            self._save(staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def load(self, directory: str | Path) -> None:
        """Load an index written by ``save``; its kind, language and model must match."""
        source = Path(directory)
        meta = read_json(source / "meta.json")
        wanted = {"kind": self.kind, "lang": self.lang, "model": self.model}
        found = {key: meta.get(key) for key in wanted}
        if found != wanted:
            raise DataError(f"{source}: index was built for {found}; asked for {wanted}")
        rows = read_jsonl(source / "passages.jsonl", required=("id", "text"))
        self.ids = [str(row["id"]) for row in rows]
        self._texts = {str(row["id"]): str(row["text"]) for row in rows}
        self._load(source)

    def similarities(self, hits: Sequence[Hit]) -> list[float]:
        """Per-query similarities the band applies to (raw scores unless overridden)."""
        return [score for _, score in hits]

    @abstractmethod
    def _build(self, texts: list[str]) -> None: ...

    @abstractmethod
    def _search(self, query: str, k: int) -> list[Hit]: ...

    @abstractmethod
    def _save(self, directory: Path) -> None: ...

    @abstractmethod
    def _load(self, directory: Path) -> None: ...


class BM25Retriever(Retriever):
    """bm25s over the language layer's lower-cased tokens (MeCab words for Japanese; bm25s's
    own tokenizer would keep a whole Japanese sentence as one token)."""

    kind = "bm25"

    def __init__(self, lang: str) -> None:
        super().__init__(lang)
        self._bm25: Any = None

    def _tokens(self, text: str) -> list[str]:
        return tokenize(text, self.lang, lowercase=True)

    def _build(self, texts: list[str]) -> None:
        bm25s = require("bm25s", "bm25s==0.3.16", "the bm25 retriever")
        self._bm25 = bm25s.BM25()
        self._bm25.index([self._tokens(text) for text in texts], show_progress=False)

    def _search(self, query: str, k: int) -> list[Hit]:
        tokens = [token for token in self._tokens(query) if token in self._bm25.vocab_dict]
        if not tokens:
            return []
        documents, scores = self._bm25.retrieve([tokens], k=k, show_progress=False)
        hits = zip(documents[0].tolist(), scores[0].tolist(), strict=True)
        return [(self.ids[doc], float(score)) for doc, score in hits if score > 0]

    def similarities(self, hits: Sequence[Hit]) -> list[float]:
        """Scores divided by the query's top score (the best hit is 1.0)."""
        top = hits[0][1] if hits else 0.0
        return [score / top if top > 0 else 0.0 for _, score in hits]

    def _save(self, directory: Path) -> None:
        self._bm25.save(str(directory / "bm25"))

    def _load(self, directory: Path) -> None:
        self._bm25 = require("bm25s", "bm25s==0.3.16", "the bm25 retriever").BM25.load(
            str(directory / "bm25")
        )


class DenseRetriever(Retriever):
    """Cosine similarity of normalised embeddings: MiniLM for English, multilingual e5
    otherwise (``model`` overrides)."""

    kind = "dense"

    def __init__(self, lang: str, model: str = "auto") -> None:
        super().__init__(lang)
        check_choice("dense model", model, DENSE_MODELS)
        self._model = DENSE_AUTO.get(lang, DENSE_MULTILINGUAL) if model == "auto" else model
        self._encoder = dense_encoder(self._model)
        self._embeddings = np.zeros((0, 0), dtype=np.float32)

    @property
    def model(self) -> str:
        return self._model

    def _build(self, texts: list[str]) -> None:
        self._embeddings = self._encoder.passages(texts)

    def _search(self, query: str, k: int) -> list[Hit]:
        scores = self._embeddings @ self._encoder.queries([query])[0]
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.ids[i], float(scores[i])) for i in order.tolist()]

    def _save(self, directory: Path) -> None:
        np.save(directory / "embeddings.npy", self._embeddings)

    def _load(self, directory: Path) -> None:
        self._embeddings = np.load(directory / "embeddings.npy")
        if self._embeddings.shape[0] != len(self.ids):
            raise DataError(
                f"{directory}: {self._embeddings.shape[0]} embeddings for {len(self.ids)} passages"
            )


def make_retriever(kind: str, lang: str, dense_model: str = "auto") -> Retriever:
    """A retriever by kind ('bm25' | 'dense') for a language."""
    check_choice("retriever", kind, KINDS)
    if kind == "bm25":
        return BM25Retriever(lang)
    return DenseRetriever(lang, dense_model)


def retrieve_passages(
    retriever: Retriever,
    seeds: Sequence[dict[str, Any]],
    k: int,
    band: tuple[float, float] | None = None,
    n_per_seed: int = 1,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """For each seed example (query = its text): the top-k passages, those whose similarity
    is within ``band`` (inclusive), and ``n_per_seed`` of them sampled under ``seed``.

    Rows: {seed_id, label, passage_id, passage_text, score (the similarity), rank (1 = best)}.
    A seed left without passages gives one row with passage_id None and reason 'no_passages'.
    """
    rows: list[dict[str, Any]] = []
    for example in seeds:
        base = {"seed_id": example["id"], "label": example["label"]}
        hits = retriever.search(example["text"], k)
        ranked = [
            (rank, passage_id, similarity)
            for rank, ((passage_id, _), similarity) in enumerate(
                zip(hits, retriever.similarities(hits), strict=True), start=1
            )
            if band is None or band[0] <= similarity <= band[1]
        ]
        if not ranked:
            detail = f"none of {len(hits)} hits in band {band}" if hits else "no hits"
            rows.append(
                {
                    **base,
                    **dict.fromkeys(("passage_id", "passage_text", "score", "rank")),
                    "reason": "no_passages",
                    "detail": detail,
                }
            )
            continue
        rng = random.Random(f"{seed}:{example['id']}")
        for rank, passage_id, similarity in sorted(
            rng.sample(ranked, min(n_per_seed, len(ranked)))
        ):
            rows.append(
                {
                    **base,
                    "passage_id": passage_id,
                    "passage_text": retriever.text(passage_id),
                    "score": round(similarity, 6),
                    "rank": rank,
                }
            )
    return rows
