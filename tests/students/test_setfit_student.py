"""SetFit as a student kind: names, training on a local body, the saved folder, reload,
prediction in the task's label order, determinism, and the packaged MiniLM body."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from synthdistill.params import ParamsError, SetFitParams, TrainParams
from synthdistill.students import check_student, is_setfit, load_student, train_student
from synthdistill.students.in_loop import StudentTrainer
from synthdistill.students.setfit_student import SetFitStudent, body_of
from tests.students.test_student_classifier import LABELS, TOY, tiny_bert, toy_rows

FAST = SetFitParams(iterations=4, epochs=1, body_lr=1e-3)


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def body(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("models") / "tiny-body", TOY)


def params(student: str) -> TrainParams:
    return TrainParams(student=student, batch_size=8, max_length=16, seed=0)


def test_names() -> None:
    assert is_setfit("setfit") and is_setfit("setfit:minilm-l6")
    assert not is_setfit("setfitter") and not is_setfit("minilm-l6")
    assert body_of("setfit") == "minilm-l6"
    assert body_of("setfit:/models/x") == "/models/x"
    assert check_student("setfit") == "setfit"
    with pytest.raises(ParamsError, match="setfit"):
        check_student("setfit:no-such-encoder")
    with pytest.raises(ParamsError, match="setfit"):  # the choices name the kind
        check_student("sett")


def test_trains_saves_reloads_and_predicts_in_label_order(body: Path, tmp_path: Path) -> None:
    out = tmp_path / "student"
    summary = train_student(
        toy_rows(TOY), LABELS, params(f"setfit:{body}"), out, lang="en", setfit=FAST
    )
    assert summary["n_train"] == 12 and 0 <= summary["train_accuracy"] <= 1
    marker = json.loads((out / "student.json").read_text())
    assert marker["student"] == "setfit"
    assert (out / "model_head.pkl").exists() and not list(tmp_path.glob(".student.*"))
    student = load_student(out)
    assert isinstance(student, SetFitStudent) and student.labels == LABELS
    texts = ["the team won", "sweet cake", "heavy rain"]
    proba = student.predict_proba(texts)
    assert proba.shape == (3, 3) and np.allclose(proba.sum(axis=1), 1.0)
    predicted = student.predict(texts)
    assert predicted == [LABELS[i] for i in proba.argmax(axis=1)]
    assert set(predicted) <= set(LABELS)


def test_same_seed_same_student(body: Path, tmp_path: Path) -> None:
    runs = []
    for name in ("a", "b"):
        train_student(toy_rows(TOY), LABELS, params(f"setfit:{body}"), tmp_path / name, setfit=FAST)
        runs.append(load_student(tmp_path / name).predict_proba(["a goal in the final"]))
    assert np.array_equal(runs[0], runs[1])


def test_one_label_and_unknown_labels_are_refused(body: Path, tmp_path: Path) -> None:
    one = [r for r in toy_rows(TOY) if r["label"] == "food"]
    with pytest.raises(ValueError, match="at least two labels"):
        train_student(one, LABELS, params(f"setfit:{body}"), tmp_path / "x", setfit=FAST)
    bad = [*toy_rows(TOY), {"id": "z", "text": "x", "label": "politics"}]
    with pytest.raises(ValueError, match="politics"):
        train_student(bad, LABELS, params(f"setfit:{body}"), tmp_path / "y", setfit=FAST)


def test_the_in_loop_student_cannot_warm_start_a_setfit_student() -> None:
    trainer = StudentTrainer(LABELS, params("setfit"), setfit=FAST)
    with pytest.raises(ParamsError, match="warm_start"):
        trainer.check_warm_start()


@pytest.mark.integration
def test_the_packaged_minilm_body_learns_the_toy_topics(tmp_path: Path) -> None:
    """The default body (packaged all-MiniLM-L6-v2): held-out toy sentences get their topic."""
    out = tmp_path / "student"
    train_student(toy_rows(TOY), LABELS, params("setfit"), out, setfit=SetFitParams(iterations=5))
    student = load_student(out)
    held_out = {
        "sports": "the striker scored twice",
        "food": "a bowl of noodles",
        "weather": "snow falls in the hills",
    }
    predicted = student.predict(list(held_out.values()))
    assert predicted == list(held_out), predicted


def test_the_train_stage_family_reads_the_setfit_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stage train's classifier family passes params.yaml's ``setfit`` section to a SetFit
    student (and no section to other students)."""
    from synthdistill.params import TaskParams
    from synthdistill.students import families

    params_file = tmp_path / "params.yaml"
    params_file.write_text(
        "train: {student: setfit}\nsetfit: {iterations: 7, epochs: 2, body_lr: 3.0e-05}\n"
    )
    seen: list[object] = []
    monkeypatch.setattr(families, "train_student", lambda *a, **k: seen.append(a[-1]) or {})
    task = TaskParams.model_validate(
        {
            "language": "en",
            "description": "toy topics",
            "labels": {label: f"about {label}" for label in LABELS},
            "data": {"source": "file", "path": "x.csv"},
        }
    )
    family = families.STUDENT_FAMILIES["classification"]
    settings = family.settings(task, params_file)
    family.fit(task, toy_rows(TOY), settings, params_file, tmp_path / "out", None, [])
    assert seen == [SetFitParams(iterations=7, epochs=2, body_lr=3e-5)]
    params_file.write_text("train: {student: tfidf}\n")  # no setfit section needed
    family.fit(
        task, toy_rows(TOY), family.settings(task, params_file), params_file, tmp_path, None, []
    )
    assert seen[-1] is None
