"""Diversity metrics on small known inputs, English and Japanese (real packaged models)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sacrebleu.metrics import BLEU

from synthdistill.metrics.diversity import (
    COSINE_DECIMALS,
    NER_MODELS,
    _cosine_by_label,
    _mauve,
    cosine_by_label,
    dataset_quality,
    distinct_n,
    entity_entropy,
    get_embedder,
    label_preservation,
    mauve_score,
    mean_pairwise_cosine,
    per_label_rows,
    self_bleu,
)

ORDERS = [f"self_bleu_{n}" for n in range(1, 6)]
UNRELATED_EN = [
    "The central bank raised interest rates again.",
    "A young striker scored twice in the cup final.",
    "Heavy snow closed mountain roads overnight.",
    "The new phone ships with a faster chip.",
    "Critics praised the film's haunting soundtrack.",
]


def test_self_bleu_identical_texts_is_100() -> None:
    scores = self_bleu(["The cat sat on the mat today."] * 5, "en")
    assert list(scores) == ORDERS
    assert all(score == pytest.approx(100.0) for score in scores.values())


def test_self_bleu_lower_for_different_texts() -> None:
    scores = self_bleu(UNRELATED_EN, "en")
    assert scores["self_bleu_1"] < 50
    assert all(scores[a] >= scores[b] for a, b in zip(ORDERS, ORDERS[1:], strict=False))


@pytest.mark.parametrize(
    ("texts", "lang", "tokenize"),
    [
        (["The cat sat on the mat.", "A cat sat.", "Dogs bark", *UNRELATED_EN], "en", "13a"),
        (["東京で雨が降った。", "東京で雨が降っている。", "大阪は晴れです。"], "ja", "ja-mecab"),
    ],
)
def test_self_bleu_equals_sacrebleu_sentence_bleu_against_all_others(
    texts: list[str], lang: str, tokenize: str
) -> None:
    scores = self_bleu(texts, lang)
    for n in range(1, 6):
        bleu = BLEU(tokenize=tokenize, max_ngram_order=n, effective_order=True)
        expected = np.mean(
            [bleu.sentence_score(t, texts[:i] + texts[i + 1 :]).score for i, t in enumerate(texts)]
        )
        assert scores[f"self_bleu_{n}"] == pytest.approx(expected)


def test_self_bleu_japanese_near_duplicates_not_zero() -> None:
    texts = ["東京で雨が降った。", "東京で雨が降っている。", "東京で雨が降りました。"]
    scores = self_bleu(texts, "ja")
    assert scores["self_bleu_1"] > 60
    assert scores["self_bleu_4"] > 30  # a whitespace tokenizer would give one token: 0


def test_self_bleu_sampling_is_deterministic() -> None:
    texts = [*UNRELATED_EN, *UNRELATED_EN[:2]]
    assert self_bleu(texts, "en", sample=4, seed=3) == self_bleu(texts, "en", sample=4, seed=3)
    with pytest.raises(ValueError, match="at least 2"):
        self_bleu(["only one"], "en")


def test_distinct_n_exact() -> None:
    assert distinct_n(["The cat sat", "the cat ran"], "en", 1) == pytest.approx(4 / 6)
    assert distinct_n(["The cat sat", "the cat ran"], "en", 2) == pytest.approx(3 / 4)
    assert distinct_n(["猫が好き。", "犬が好き。"], "ja", 1) == pytest.approx(4 / 6)  # 猫|が|好き
    assert distinct_n(["猫が好き。", "犬が好き。"], "ja", 2) == pytest.approx(3 / 4)
    assert distinct_n(["the cat sat on the mat"] * 5, "en", 1) == pytest.approx(5 / 30)
    assert distinct_n([""], "en", 1) == 0.0


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "I live in London.", "Paris is lovely."),
        ("ja", "私は東京に住んでいます。", "大阪に行きました。"),
    ],
)
def test_entity_entropy(lang: str, one: str, two: str) -> None:
    assert entity_entropy([one] * 3, lang) == {
        "entity_entropy": 0.0,
        "n_entities": 3,
        "n_unique_entities": 1,
    }
    result = entity_entropy([one, two, one, two], lang)
    assert result["entity_entropy"] == pytest.approx(1.0)
    assert (result["n_entities"], result["n_unique_entities"]) == (4, 2)


def test_entity_entropy_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="supports: en, ja"):
        entity_entropy(["x"], "qq")
    monkeypatch.setitem(NER_MODELS, "xx", (("no_such_ner_model",), "no-such-ner==1.0"))
    message = r"install no-such-ner to use entity_entropy \(pip install no-such-ner==1.0\)"
    with pytest.raises(Exception, match=message):
        entity_entropy(["x"], "xx")


def test_mean_pairwise_cosine_excludes_diagonal() -> None:
    emb = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]])
    # pairs: (0,1)=0, (0,2)=1, (1,2)=0
    assert mean_pairwise_cosine(emb) == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("lang", "text", "paraphrase", "unrelated"),
    [
        ("en", "The match was cancelled because of rain.", "Rain forced the game to be called off.",
         "The company reported record profits."),
        ("ja", "雨のため試合は中止になった。", "雨で試合が取りやめになりました。",
         "その会社は過去最高の利益を発表した。"),
    ],
)  # fmt: skip
def test_embedding_cosine(lang: str, text: str, paraphrase: str, unrelated: str) -> None:
    emb = get_embedder().encode([text, text, paraphrase, unrelated], lang)
    assert emb.shape[0] == 4
    assert np.linalg.norm(emb, axis=1) == pytest.approx(np.ones(4), abs=1e-5)
    assert mean_pairwise_cosine(emb[[0, 1]]) == pytest.approx(1.0, abs=1e-4)
    assert mean_pairwise_cosine(emb[[0, 2]]) > mean_pairwise_cosine(emb[[0, 3]])
    result = cosine_by_label([text, text, paraphrase], ["a", "a", "b"], lang)
    assert result["per_label"] == {"a": pytest.approx(1.0, abs=1e-4)}  # "b" has one text
    assert 0 < result["overall"] <= 1


SPORT = [
    f"{a} beat {b} {s} in the {c}."
    for a, b in [("Arsenal", "Chelsea"), ("Leeds", "Everton"), ("Celtic", "Rangers"),
                 ("Wales", "France"), ("Spurs", "Fulham")]
    for s in ("2-1", "3-0", "1-0", "4-2")
    for c in ("cup final", "league match")
]  # fmt: skip
COOKING = [
    f"{verb} the {food} with {extra} for {minutes} minutes."
    for verb in ("Bake", "Simmer", "Roast", "Fry", "Steam")
    for food in ("potatoes", "fish", "onions", "rice")
    for extra in ("garlic", "butter")
    for minutes in (10,)
]  # fmt: skip


def test_mauve_same_distribution_scores_higher() -> None:
    same = mauve_score(SPORT[0::2], SPORT[1::2], "en")
    different = mauve_score(SPORT[0::2], COOKING, "en")
    assert 0 <= different < same <= 1
    assert mauve_score(SPORT[0::2], COOKING, "en") == different  # seeded


def test_label_preservation_exact() -> None:
    def predict(texts: list[str]) -> list[str]:
        return ["sport" if "beat" in text else "other" for text in texts]

    texts = ["Leeds beat Everton.", "Bake the fish.", "Wales beat France.", "Fry rice."]
    assert label_preservation(texts, ["sport", "sport", "sport", "other"], predict) == 0.75
    with pytest.raises(ValueError, match="returned 1 labels for 4 texts"):
        label_preservation(texts, ["x"] * 4, lambda batch: ["x"])


def test_dataset_quality_is_json_ready_and_rounded() -> None:
    rows = [{"text": t, "label": "sport"} for t in SPORT[:6]]
    rows += [{"text": t, "label": "food"} for t in COOKING[:6]]
    test_rows = [{"text": t, "label": "sport"} for t in SPORT[20:32]]
    quality = dataset_quality(
        rows, test_rows, "en", predict_fn=lambda texts: ["sport"] * len(texts), sample=10
    )
    assert quality["n_rows"] == 12 and quality["n_sampled"] == 10
    for key in [*ORDERS, "distinct_1", "entity_entropy", "cosine_overall", "mauve"]:
        assert isinstance(quality[key], float) and round(quality[key], 4) == quality[key]
    assert quality["label_preservation"] == 0.5
    assert quality["per_label"]["food"]["label_preservation"] == 0.0
    assert quality["per_label"]["sport"]["label_preservation"] == 1.0
    json.dumps(quality)
    rows_for_plot = per_label_rows(quality)
    assert {"label": "sport", "metric": "label_preservation", "value": 1.0} in rows_for_plot
    assert {row["metric"] for row in rows_for_plot} == {"cosine", "label_preservation"}
    assert dataset_quality(rows, None, "en", sample=10) == {
        key: value
        for key, value in quality.items()
        if key not in ("mauve", "label_preservation", "per_label")
    } | {"per_label": {label: {"cosine": m["cosine"]} for label, m in quality["per_label"].items()}}


def test_dataset_quality_japanese_without_optional_inputs() -> None:
    rows = [{"text": t, "label": "weather"} for t in ["東京で雨が降った。", "大阪は晴れです。"]]
    quality = dataset_quality(rows, None, "ja")
    assert quality["self_bleu_1"] > 0 and quality["n_entities"] == 2
    assert "mauve" not in quality and "label_preservation" not in quality
    assert {"distinct_1", "distinct_2", "distinct_3", "cosine_overall"} <= set(quality)


def test_embedding_metrics_are_stable_to_last_bit_noise_in_the_embeddings() -> None:
    """Issue 24: another CPU's e5 embeddings differ in their last bits (simulated: every
    value scaled by 1 + 1e-6 N(0, 1)); cosines at their reported decimals and MAUVE (a
    function of k-means clusters) must not move. e5-shaped rows: 384 dims, mean cosine ~0.8."""
    rng = np.random.default_rng(24)
    common, centroids = rng.standard_normal(384), rng.standard_normal((4, 384))
    labels = [f"l{i % 4}" for i in range(200)]
    rows = 2.0 * common + 0.4 * centroids[[i % 4 for i in range(200)]]
    p_emb = (rows + 0.9 * rng.standard_normal((200, 384))).astype(np.float32)
    q_emb = (2.0 * common + 0.9 * rng.standard_normal((200, 384))).astype(np.float32)

    def other_cpu(emb: np.ndarray, seed: int) -> np.ndarray:
        noise = np.random.default_rng(seed).standard_normal(emb.shape)
        return (emb * (1 + 1e-6 * noise)).astype(np.float32)

    def reported(emb: np.ndarray) -> dict[str, float]:
        cosine = _cosine_by_label(emb, labels)
        return {k: round(v, COSINE_DECIMALS) for k, v in cosine["per_label"].items()} | {
            "overall": round(cosine["overall"], COSINE_DECIMALS)
        }

    assert COSINE_DECIMALS == 3
    assert 0.7 < _cosine_by_label(p_emb, labels)["overall"] < 0.9
    reference = (reported(p_emb), round(_mauve(p_emb, q_emb, 0), 4))
    for seed in range(4):
        p_other, q_other = other_cpu(p_emb, seed), other_cpu(q_emb, seed + 10)
        assert (reported(p_other), round(_mauve(p_other, q_other, 0), 4)) == reference
