"""Student classifier: validation, training, atomic save, reload and prediction."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from transformers import BertConfig, BertJapaneseTokenizer, BertModel, BertTokenizer

from synthdistill.params import ParamsError, TrainParams
from synthdistill.students.classifier import load_classifier, train_classifier
from synthdistill.students.in_loop import StudentTrainer

LABELS = ["sports", "food", "weather"]
TOY = {
    "sports": [
        "the team won the match",
        "a goal in the final",
        "the match ended in a draw",
        "the team scored a late goal",
    ],
    "food": [
        "the cake tastes sweet",
        "fresh bread and soup",
        "a sweet cake for dinner",
        "hot soup with bread",
    ],
    "weather": [
        "rain and wind today",
        "a sunny sky this morning",
        "heavy rain tonight",
        "wind and a grey sky",
    ],
}
TOY_JA = {
    "sports": ["試合 に 勝っ た", "決勝 で ゴール", "試合 は 引き分け"],
    "food": ["ケーキ は 甘い", "パン と スープ", "甘い ケーキ"],
    "weather": ["今日 は 雨", "晴れ の 空", "雨 と 風"],
}
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def toy_rows(examples: dict[str, list[str]]) -> list[dict[str, str]]:
    return [
        {"id": f"{label}-{i}", "text": text, "label": label}
        for label, texts in examples.items()
        for i, text in enumerate(texts)
    ]


def tiny_bert(directory: Path, examples: dict[str, list[str]], japanese: bool = False) -> Path:
    """A randomly initialised 2-layer BERT with a vocab of the toy words, saved locally."""
    directory.mkdir()
    words = sorted({w for texts in examples.values() for t in texts for w in t.split()})
    vocab = directory / "vocab.txt"
    vocab.write_text("\n".join(SPECIALS + words) + "\n", encoding="utf-8")
    if japanese:  # the tokenizer of Japanese BERTs: MeCab (fugashi) words, then WordPiece
        tokenizer: BertTokenizer | BertJapaneseTokenizer = BertJapaneseTokenizer(
            vocab_file=str(vocab),
            word_tokenizer_type="mecab",
            mecab_kwargs={"mecab_dic": "unidic_lite"},
        )
    else:
        tokenizer = BertTokenizer(vocab=str(vocab))
    tokenizer.save_pretrained(directory)
    config = BertConfig(
        vocab_size=len(SPECIALS) + len(words),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(directory)
    return directory


@pytest.fixture(autouse=True)
def one_thread(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Train on one thread: tiny models are fastest so, and 2 OpenMP threads crawl (10x)
    when other processes share the 2 cores, as when several test runs overlap."""
    threads = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # train_classifier then keeps torch's setting
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny_en(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("models") / "tiny-en", TOY)


def tiny_params(student: Path, **overrides: object) -> TrainParams:
    values: dict[str, object] = {
        "student": str(student),
        "lr": 3e-3,
        "epochs": 50,
        "batch_size": 4,
        "max_length": 16,
        "seed": 0,
    }
    return TrainParams.model_validate({**values, **overrides})


def test_empty_rows_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="training set is empty"):
        train_classifier([], LABELS, TrainParams(), tmp_path / "model")


def test_unknown_label_names_row_label_and_choices(tmp_path: Path) -> None:
    rows = toy_rows(TOY) + [{"id": "gen-00042", "text": "hm", "label": "Sport"}]
    with pytest.raises(ValueError) as err:
        train_classifier(rows, LABELS, TrainParams(), tmp_path / "model")
    message = str(err.value)
    assert "gen-00042" in message and "'Sport'" in message
    assert "sports, food, weather" in message
    assert not (tmp_path / "model").exists()


def test_gguf_student_is_rejected_before_loading(tmp_path: Path) -> None:
    params = TrainParams(student="smollm2-135m-instruct")
    with pytest.raises(ValueError, match="not an encoder; choose one of: minilm-l6"):
        train_classifier(toy_rows(TOY), LABELS, params, tmp_path / "model")


def test_tiny_local_bert_trains_saves_and_predicts(tiny_en: Path, tmp_path: Path) -> None:
    rows = toy_rows(TOY)
    out = tmp_path / "model"
    summary = train_classifier(rows, LABELS, tiny_params(tiny_en), out)

    assert summary["n_train"] == 12
    assert summary["per_label"] == {"sports": 4, "food": 4, "weather": 4}
    assert summary["final_loss"] < summary["epoch_losses"][0]
    assert json.loads((out / "labels.json").read_text()) == LABELS
    classifier = load_classifier(out)
    assert classifier.labels == LABELS
    assert classifier.max_length == 16
    assert not classifier.model.training
    predictions = classifier.predict([row["text"] for row in rows], batch_size=5)
    assert sum(p == row["label"] for p, row in zip(predictions, rows, strict=True)) >= 11
    probs = classifier.predict_proba(["the team won", "rain tonight"])
    assert probs.shape == (2, 3)
    assert probs.sum(axis=1) == pytest.approx([1.0, 1.0], abs=1e-5)
    assert classifier.predict([]) == []


def test_same_seed_same_model_and_old_dir_replaced(tiny_en: Path, tmp_path: Path) -> None:
    out = tmp_path / "model"
    params = tiny_params(tiny_en, epochs=2)
    first = train_classifier(toy_rows(TOY), LABELS, params, out)
    (out / "stale.txt").write_text("from an older run")
    second = train_classifier(toy_rows(TOY), LABELS, params, out)

    assert first["epoch_losses"] == second["epoch_losses"]
    assert not (out / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no temp dirs left
    other = train_classifier(toy_rows(TOY), LABELS, tiny_params(tiny_en, epochs=2, seed=1), out)
    assert other["epoch_losses"] != first["epoch_losses"]


def test_japanese_mecab_tokenizer_round_trips(tmp_path: Path) -> None:
    student = tiny_bert(tmp_path / "tiny-ja", TOY_JA, japanese=True)
    out = tmp_path / "model"
    rows = [{**row, "text": row["text"].replace(" ", "")} for row in toy_rows(TOY_JA)]
    train_classifier(rows, LABELS, tiny_params(student, epochs=2), out)
    classifier = load_classifier(out)
    assert type(classifier.tokenizer).__name__ == "BertJapaneseTokenizer"
    assert set(classifier.predict(["今日は雨", "甘いケーキ"])) <= set(LABELS)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_dvclive_in_dvc_repro_neither_commits_nor_saves_experiments(
    tiny_en: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], check=True)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("DVC_ROOT", str(repo))  # what `dvc repro` sets for a stage
    live = repo / "dvclive" / "train"

    train_classifier(toy_rows(TOY), LABELS, tiny_params(tiny_en, epochs=2), repo / "m", live)

    assert (live / "metrics.json").exists()
    assert len((live / "plots" / "metrics" / "train" / "loss.tsv").read_text().splitlines()) == 3
    assert not (live / "dvc.yaml").exists() and not (repo / "dvc.yaml").exists()
    log = subprocess.run([*git, "rev-list", "--all"], capture_output=True, text=True, check=True)
    assert len(log.stdout.split()) == 1  # still only the initial commit, no exp refs
    assert os.listdir(repo / "m")


@pytest.mark.integration
def test_minilm_learns_toy_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # outside any DVC repo
    rows = toy_rows(TOY)
    params = TrainParams(
        student="minilm-l6", lr=1e-4, epochs=4, batch_size=4, max_length=32, seed=0
    )
    out, live = tmp_path / "model", tmp_path / "live"
    summary = train_classifier(rows, LABELS, params, out, live)

    assert summary["final_loss"] < summary["epoch_losses"][0]
    for name in ("config.json", "model.safetensors", "tokenizer_config.json", "labels.json"):
        assert (out / name).exists(), name
    assert json.loads((live / "metrics.json").read_text())["step"] == 3
    assert (live / "plots" / "metrics" / "train" / "loss.tsv").exists()
    classifier = load_classifier(out)
    predictions = classifier.predict([row["text"] for row in rows])
    accuracy = sum(p == row["label"] for p, row in zip(predictions, rows, strict=True)) / 12
    assert accuracy > 0.5  # chance is 1/3


def test_in_loop_trainer_warm_start_continues_from_the_saved_student(
    tiny_en: Path, tmp_path: Path
) -> None:
    """active.warm_start: a round's student starts from the previous round's weights and
    head. With a negligible learning rate it answers as the saved student does; a cold
    start (a fresh head) does not."""
    rows = toy_rows(TOY)
    texts = [r["text"] for r in rows]
    fit = TrainParams(student=str(tiny_en), epochs=4, lr=1e-2, batch_size=4)
    first = StudentTrainer(LABELS, fit)(rows, tmp_path / "round-1")
    frozen = StudentTrainer(LABELS, fit.model_copy(update={"lr": 1e-12, "epochs": 1}))
    warm = frozen(rows, tmp_path / "warm", init=tmp_path / "round-1")
    cold = frozen(rows, tmp_path / "cold")
    saved = first.predict_proba(texts)
    assert np.allclose(warm.predict_proba(texts), saved, atol=1e-4)
    assert not np.allclose(cold.predict_proba(texts), saved, atol=1e-2)


@pytest.mark.parametrize("student", ["tfidf", "e5-linear", "smollm2-135m-instruct"])
def test_warm_start_refuses_students_that_cannot_continue(student: str) -> None:
    with pytest.raises(ParamsError, match=f"warm_start.*'{student}'.*minilm-l6"):
        StudentTrainer(LABELS, TrainParams(student=student)).check_warm_start()
