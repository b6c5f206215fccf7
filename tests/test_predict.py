"""`synthdistill predict`: any student labels a file's field or stdin lines, with the
probability of every label; bad input gets one line and exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

from synthdistill.cli import main
from synthdistill.io import read_jsonl, write_jsonl
from synthdistill.params import TrainParams
from synthdistill.students import train_student

REPO = Path(__file__).resolve().parent.parent
ROWS = [
    {"id": f"{label}{i}", "text": f"{word} {word} story number {i}", "label": label}
    for label, word in (("sport", "football"), ("tech", "software"))
    for i in range(6)
]


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("student") / "student"
    train_student(ROWS, ["sport", "tech"], TrainParams(student="tfidf"), out)
    return out


def test_predict_a_csv_field_to_csv(student: Path, tmp_path: Path) -> None:
    data = tmp_path / "in.csv"
    data.write_text("body\nfootball tonight\nnew software release\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["predict", str(student), str(data), "--field", "body", "--out", str(out)]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "text,label,p_sport,p_tech"
    assert [line.split(",")[1] for line in lines[1:]] == ["sport", "tech"]
    for line in lines[1:]:
        assert abs(sum(map(float, line.split(",")[2:])) - 1) < 1e-3


def test_predict_stdin_lines_to_jsonl(
    student: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("football again\n\nsoftware bugs\n"))
    assert main(["predict", str(student)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["label"] for row in rows] == ["sport", "tech"]
    assert set(rows[0]["probabilities"]) == {"sport", "tech"}


def test_predict_errors_are_one_line(
    student: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "in.jsonl"
    write_jsonl(data, [{"body": "x"}])
    assert main(["predict", str(student), str(data), "--field", "text"]) == 2
    assert "in.jsonl:1: no field 'text' (--field); the record has: body" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("text\n", encoding="utf-8")
    assert main(["predict", str(student), str(empty)]) == 2
    assert "file is empty" in capsys.readouterr().err
    assert main(["predict", str(tmp_path), str(data), "--field", "body"]) == 2
    assert "not a student directory" in capsys.readouterr().err


@pytest.mark.skipif(
    not (REPO / "models/bbc_news/student").exists(), reason="needs the pipeline's outputs"
)
def test_predict_reproduces_the_committed_student_score(tmp_path: Path) -> None:
    out = tmp_path / "pred.jsonl"
    test = REPO / "data/bbc_news/test.jsonl"
    assert (
        main(["predict", str(REPO / "models/bbc_news/student"), str(test), "--out", str(out)]) == 0
    )
    gold = [row["label"] for row in read_jsonl(test)]
    pred = [row["label"] for row in read_jsonl(out)]
    evaluation = json.loads((REPO / "metrics/bbc_news/eval.json").read_text())
    macro = f1_score(gold, pred, average="macro", labels=sorted(set(gold)))
    assert round(macro, 4) == evaluation["student"]["macro_f1"]
