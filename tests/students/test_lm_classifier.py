"""Classification as generation: the LM student's answers are mapped to labels strictly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synthdistill.students import is_lm
from synthdistill.students.lm_classifier import INVALID, LMClassifier, classify_prompt

LABELS = ["sports", "tech"]


class _Stub:
    """An LM student that answers from a table (no model)."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.prompts: list[str] = []

    def generate(self, prompts: list[str], max_new_tokens: int, batch_size: int = 8) -> list[str]:
        self.prompts += prompts
        return [next(a for t, a in self.answers.items() if t in p) for p in prompts]


def test_answers_map_to_labels_or_invalid() -> None:
    stub = _Stub({"goal": "Sports", "phone": "Category: tech.", "rain": "weather"})
    model = LMClassifier(stub, LABELS, "en")  # type: ignore[arg-type]
    assert model.predict(["a goal", "a phone", "rain"]) == ["sports", "tech", INVALID]
    proba: Any = model.predict_proba(["a goal", "rain"])
    assert np.allclose(proba, [[1.0, 0.0], [0.5, 0.5]])
    assert "- sports\n- tech" in stub.prompts[0] and stub.prompts[0].endswith("Category:")


def test_prompt_lists_every_label_and_the_text() -> None:
    prompt = classify_prompt("Federer wins.", LABELS, "en")
    assert "Federer wins." in prompt and all(f"- {label}" in prompt for label in LABELS)


def test_lm_students_are_recognised() -> None:
    assert is_lm("smollm2-135m-instruct") and is_lm("/models/x.gguf")
    assert not is_lm("minilm-l6") and not is_lm("tfidf")


@pytest.mark.integration
def test_real_lm_classifier_learns_two_labels(tmp_path: Path) -> None:
    """SmolLM2 LoRA-tuned on 12 rows answers with the right label name for new texts."""
    from synthdistill.params import LMParams, TrainParams
    from synthdistill.students import load_student, train_student

    texts = [
        ("Federer wins the final at Wimbledon.", "sports"),
        ("Arsenal beat Chelsea 2-0 in the league.", "sports"),
        ("Apple unveils a faster phone chip.", "tech"),
        ("Google releases a new search tool.", "tech"),
    ] * 3
    rows = [{"id": str(i), "text": t, "label": label} for i, (t, label) in enumerate(texts)]
    params = TrainParams(student="smollm2-135m-instruct")
    train_student(rows, LABELS, params, tmp_path / "m", None, "en", LMParams(lr=2e-3))
    model = load_student(tmp_path / "m")
    new = ["Nadal wins in Paris.", "Microsoft ships a new laptop."]
    assert model.predict(new) == LABELS
    # active generation's view: label probabilities from the answer likelihoods
    from synthdistill.students.in_loop import LikelihoodClassifier, answer_nll

    proba = LikelihoodClassifier(model).predict_proba(new)  # type: ignore[arg-type]
    assert np.allclose(proba.sum(axis=1), 1.0) and list(proba.argmax(axis=1)) == [0, 1]
    prompt = classify_prompt(new[0], LABELS, "en")
    right, wrong = answer_nll(model.student, [(prompt, "sports"), (prompt, "tech")])  # type: ignore[attr-defined]
    assert 0 < right < wrong
