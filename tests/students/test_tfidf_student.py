import json
from pathlib import Path

import pytest

from synthdistill.params import TrainParams
from synthdistill.students import load_student, train_student

ROWS = [
    {"id": "1", "text": "巨人が阪神に勝ち、首位に立った。", "label": "sports"},
    {"id": "2", "text": "横綱が初日から五連勝した。", "label": "sports"},
    {"id": "3", "text": "サッカー日本代表が試合に勝った。", "label": "sports"},
    {"id": "4", "text": "衆議院が解散され、総選挙が行われる。", "label": "politics"},
    {"id": "5", "text": "首相が国会で法案について答弁した。", "label": "politics"},
    {"id": "6", "text": "与党が選挙の公約を発表した。", "label": "politics"},
]


def test_tfidf_student_uses_mecab_tokens_and_round_trips(tmp_path: Path) -> None:
    out = tmp_path / "student"
    summary = train_student(
        ROWS, ["sports", "politics"], TrainParams(student="tfidf"), out, lang="ja"
    )
    assert summary["n_train"] == 6
    model = load_student(out)
    vocab = model.pipeline.named_steps["tfidf"].vocabulary_  # type: ignore[attr-defined]
    assert "横綱" in vocab and "国会" in vocab  # MeCab words, not whole sentences
    assert model.predict(["横綱が勝った。", "国会で法案が可決された。"]) == ["sports", "politics"]
    assert model.predict_proba(["選挙"]).shape == (1, 2)


def test_tfidf_student_rejects_unknown_labels(tmp_path: Path) -> None:
    rows = [*ROWS, {"id": "7", "text": "株価が上がった。", "label": "economy"}]
    with pytest.raises(ValueError, match="labels not in the task: \\['economy'\\]"):
        train_student(
            rows, ["sports", "politics"], TrainParams(student="tfidf"), tmp_path, lang="ja"
        )


def test_linear_student_logs_train_accuracy_with_dvclive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One dvclive step: metrics.json for ``dvc exp show``, a one-point curve for plots."""
    monkeypatch.chdir(tmp_path)  # dvclive outside any DVC repo
    live = tmp_path / "live"
    summary = train_student(
        ROWS, ["sports", "politics"], TrainParams(student="tfidf"), tmp_path / "m", live, lang="ja"
    )
    metrics = json.loads((live / "metrics.json").read_text())
    assert metrics["train"] == {"accuracy": summary["train_accuracy"]}
    assert metrics["step"] == 0
    curve = (live / "plots" / "metrics" / "train" / "accuracy.tsv").read_text().splitlines()
    assert curve[0].split("\t") == ["step", "accuracy"]
    assert len(curve) == 2 and curve[1].split("\t")[0] == "0"
    assert not (live / "dvc.yaml").exists()
