import json
from pathlib import Path

import numpy as np
import pytest

from synthdistill.params import ParamsError, TrainParams
from synthdistill.students import load_student, train_student

# Sports vs. politics, Japanese and English mixed: e5 is multilingual.
ROWS = [
    {"id": "1", "text": "巨人が阪神に勝ち、首位に立った。", "label": "sports"},
    {"id": "2", "text": "横綱が初日から五連勝した。", "label": "sports"},
    {"id": "3", "text": "サッカー日本代表がワールドカップ予選で勝った。", "label": "sports"},
    {"id": "4", "text": "The striker scored twice as United won the cup final.", "label": "sports"},
    {"id": "5", "text": "衆議院が解散され、総選挙が行われる。", "label": "politics"},
    {"id": "6", "text": "首相が国会で法案について答弁した。", "label": "politics"},
    {"id": "7", "text": "与党が選挙の公約を発表した。", "label": "politics"},
    {"id": "8", "text": "Parliament passed the bill after a long debate.", "label": "politics"},
]
UNSEEN = [
    "大関が優勝決定戦を制した。",
    "野党は内閣不信任案を提出した。",
    "The tennis champion won in straight sets.",
    "The minister resigned before the election.",
]


def test_e5_linear_student_round_trips_and_separates_topics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # dvclive outside any DVC repo
    out, live = tmp_path / "student", tmp_path / "live"
    summary = train_student(
        ROWS, ["sports", "politics"], TrainParams(student="e5-linear"), out, live, lang="ja"
    )
    assert summary["student"] == "e5-linear" and summary["n_train"] == 8
    metrics = json.loads((live / "metrics.json").read_text())  # written by dvclive
    assert metrics["train"]["accuracy"] == summary["train_accuracy"]
    assert (live / "plots" / "metrics" / "train" / "accuracy.tsv").exists()

    model = load_student(out)
    assert model.labels == ["sports", "politics"]
    assert model.predict(UNSEEN) == ["sports", "politics", "sports", "politics"]
    proba = model.predict_proba(UNSEEN)
    assert proba.shape == (4, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert (proba.argmax(axis=1) == [0, 1, 0, 1]).all()  # columns follow model.labels

    again = train_student(
        ROWS, ["sports", "politics"], TrainParams(student="e5-linear"), tmp_path / "b"
    )
    assert again["train_accuracy"] == summary["train_accuracy"]
    assert np.allclose(load_student(tmp_path / "b").predict_proba(UNSEEN), proba, atol=1e-6)


def test_unknown_student_lists_the_choices(tmp_path: Path) -> None:
    with pytest.raises(
        ParamsError,
        match=(
            r"Unknown student 'e5-lineer' \(did you mean 'e5-linear'\?\); "
            "choose one of: e5-linear, minilm-l6, setfit, tfidf, a local"
        ),
    ):
        train_student(ROWS, ["sports", "politics"], TrainParams(student="e5-lineer"), tmp_path)
