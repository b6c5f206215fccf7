"""The committed students, exported, reproduce the committed macro-F1 of eval.json
(``student``) on the whole test set, through `synthdistill predict` on the exported folder
(ONNX on onnxruntime for the encoder) and through the export's snippet run where
synthdistill cannot be imported; the encoder's ONNX probabilities equal torch's.

The students are DVC outputs (``make repro``): the tests skip when they are absent.
$SYNTHDISTILL_ARTEFACTS names another checkout that holds them (default: this one).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml
from sklearn.metrics import f1_score
from snippet_runner import run_snippet

from synthdistill.cli import main
from synthdistill.export import SHIPPABLE
from synthdistill.export_model import ExportedModel, export_model
from synthdistill.exported import OnnxClassifier
from synthdistill.io import read_jsonl
from synthdistill.params import load_section
from synthdistill.students import load_student

pytestmark = pytest.mark.integration
ROOT = Path(os.environ.get("SYNTHDISTILL_ARTEFACTS", Path(__file__).resolve().parent.parent))
TASKS = {"bbc_news": "hf-encoder+onnx", "ja_news": "e5-linear-head"}


def committed(task: str) -> Path:
    student = ROOT / "models" / task / "student"
    if not (student.exists() and (ROOT / "data" / task / "test.jsonl").exists()):
        pytest.skip(f"needs the pipeline's outputs ({student}; make repro)")
    return student


def macro_f1(task: str, predicted: list[str]) -> float:
    gold = [row["label"] for row in read_jsonl(ROOT / "data" / task / "test.jsonl")]
    return round(f1_score(gold, predicted, average="macro", labels=sorted(set(gold))), 4)


def committed_macro_f1(task: str) -> float:
    evaluation = json.loads((ROOT / "metrics" / task / "eval.json").read_text())
    return float(evaluation["student"]["macro_f1"])


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ExportedModel]:
    """Each task's export, made on first use (the module's tests share them)."""
    return {}


def export_of(
    task: str, exports: dict[str, ExportedModel], factory: pytest.TempPathFactory
) -> ExportedModel:
    if task not in exports:
        exports[task] = export_model(committed(task), factory.mktemp(task) / "export")
    return exports[task]


@pytest.fixture(params=sorted(TASKS))
def exported(
    request: pytest.FixtureRequest,
    exports: dict[str, ExportedModel],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, ExportedModel]:
    task = str(request.param)
    return task, export_of(task, exports, tmp_path_factory)


@pytest.mark.slow  # a fresh export of each committed student (make test-all)
def test_predict_on_the_export_reproduces_eval(
    exported: tuple[str, ExportedModel], tmp_path: Path
) -> None:
    task, model = exported
    assert model.format == TASKS[task] and model.out_dir is not None
    out = tmp_path / "pred.jsonl"
    test = ROOT / "data" / task / "test.jsonl"
    assert main(["predict", str(model.out_dir), str(test), "--out", str(out)]) == 0
    predicted = [row["label"] for row in read_jsonl(out)]
    assert macro_f1(task, predicted) == committed_macro_f1(task)


@pytest.mark.slow  # a fresh export of each committed student (make test-all)
def test_snippet_without_synthdistill_reproduces_eval(
    exported: tuple[str, ExportedModel], tmp_path: Path
) -> None:
    task, model = exported
    texts = [row["text"] for row in read_jsonl(ROOT / "data" / task / "test.jsonl")]
    report = run_snippet(model.snippet, texts, tmp_path / "run")
    assert macro_f1(task, report["labels"]) == committed_macro_f1(task)


@pytest.mark.slow  # a fresh export of each committed student (make test-all)
def test_onnx_equals_torch_on_the_bbc_news_test_set(
    exports: dict[str, ExportedModel], tmp_path_factory: pytest.TempPathFactory
) -> None:
    student_dir = committed("bbc_news")
    model = export_of("bbc_news", exports, tmp_path_factory)
    assert model.out_dir is not None
    texts = [row["text"] for row in read_jsonl(ROOT / "data/bbc_news/test.jsonl")]
    student = load_student(student_dir)
    onnx = OnnxClassifier(model.out_dir / "onnx")
    reference, got = student.predict_proba(texts), onnx.predict_proba(texts)
    assert onnx.labels == student.labels
    assert (got.argmax(axis=1) == reference.argmax(axis=1)).all()
    assert np.abs(got - reference).max() < 1e-4


@pytest.mark.parametrize("task", sorted(TASKS))
def test_the_export_stage_s_model_and_card_match_eval_json(task: str, tmp_path: Path) -> None:
    """exports/<task>/model (stage export): its predictions and its card's numbers are
    eval.json's for the shipped student (export.student)."""
    model_dir = ROOT / "exports" / task / "model"
    if not model_dir.is_dir():
        pytest.skip("needs stage export's output (make repro)")
    key = SHIPPABLE[load_section("export", ROOT / "params.yaml").student][1]
    scores = json.loads((ROOT / "metrics" / task / "eval.json").read_text())[key]
    out = tmp_path / "pred.jsonl"
    test = ROOT / "data" / task / "test.jsonl"
    assert main(["predict", str(model_dir), str(test), "--out", str(out)]) == 0
    assert macro_f1(task, [row["label"] for row in read_jsonl(out)]) == scores["macro_f1"]
    texts = [row["text"] for row in read_jsonl(test)]
    snippet = (model_dir / "snippet.py").read_text(encoding="utf-8")
    snippet = snippet.replace(repr(f"exports/{task}/model"), repr(str(model_dir)))
    report = run_snippet(snippet, texts, tmp_path / "run")
    assert macro_f1(task, report["labels"]) == scores["macro_f1"]
    card = (model_dir / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(card.split("---\n")[1])
    reported = meta["model-index"][0]["results"][0]["metrics"][0]["value"]
    assert reported == scores["macro_f1"]
    low, high = scores["macro_f1_ci_low"], scores["macro_f1_ci_high"]
    assert f"{scores['macro_f1']:.3f} [{low:.3f}, {high:.3f}]" in card
