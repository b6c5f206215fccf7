import json
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from synthdistill.io import DataError
from synthdistill.params import TaskParams
from synthdistill.tasks import load_examples, sample_like, split_examples


def _task(**kw: object) -> TaskParams:
    base: dict[str, object] = {
        "language": "en",
        "source": "file",
        "description": "toy",
        "labels": {"pos": "good", "neg": "bad"},
        "seed_per_label": 2,
        "test_per_label": 3,
    }
    base.update(kw)
    return TaskParams.model_validate(base)


def _rows(n: int) -> list[dict[str, str]]:
    return [
        {"id": f"r{i:03d}", "text": f"text number {i}", "label": "pos" if i % 2 else "neg"}
        for i in range(n)
    ]


def test_split_is_stratified_deterministic_and_disjoint() -> None:
    task = _task()
    rows = _rows(40)
    a = split_examples(rows, task, seed=0)
    b = split_examples(list(reversed(rows)), task, seed=0)
    assert a == b
    assert [len(a[s]) for s in ("seed", "test", "pool")] == [4, 6, 30]
    ids = [set(r["id"] for r in a[s]) for s in ("seed", "test", "pool")]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert sum(r["label"] == "pos" for r in a["test"]) == 3
    assert split_examples(rows, task, seed=1) != a


def test_split_too_small_label() -> None:
    with pytest.raises(DataError, match="label 'pos' has 2 examples"):
        split_examples(_rows(4), _task(), seed=0)


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_file_loader_formats(tmp_path: Path, suffix: str) -> None:
    rows = [{"sentence": f"s {i}", "y": "pos" if i % 2 else "neg"} for i in range(6)]
    path = tmp_path / f"data.{suffix}"
    if suffix == "jsonl":
        path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    elif suffix == "csv":
        pd.DataFrame(rows).to_csv(path, index=False)
    else:
        pd.DataFrame(rows).to_parquet(path)
    task = _task(path=str(path), text_field="sentence", label_field="y")
    loaded = load_examples("toy", task)
    assert [r["label"] for r in loaded] == [r["y"] for r in rows]


def test_file_loader_errors_name_file_line_field(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "a", "label": "pos"}\n{"text": "b", "label": "meh"}\n')
    with pytest.raises(DataError, match=r"data\.jsonl:2: field 'label' has label 'meh'.*pos, neg"):
        load_examples("toy", _task(path=str(path)))
    path.write_text('{"text": "a", "label": "pos"}\n{"label": "neg"}\n')
    with pytest.raises(DataError, match=r"data\.jsonl:2: missing or empty field 'text'"):
        load_examples("toy", _task(path=str(path)))
    csv = tmp_path / "data.csv"
    csv.write_text("text,label\na,pos\nb,oops\n")
    with pytest.raises(DataError, match=r"data\.csv:3: field 'label'"):
        load_examples("toy", _task(path=str(csv)))
    csv.write_bytes(b"text,label\n\xff\xfe,pos\n")
    with pytest.raises(DataError, match="invalid UTF-8"):
        load_examples("toy", _task(path=str(csv)))


def test_label_map_maps_raw_values(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "a", "label": 1}\n{"text": "b", "label": 0}\n')
    task = _task(path=str(path), label_map={"1": "pos", "0": "neg"})
    assert [r["label"] for r in load_examples("toy", task)] == ["pos", "neg"]


def test_label_map_int_keys_and_text_field_list(tmp_path: Path) -> None:
    """YAML int keys (``0: neg``) work; a text_field list joins the fields in order."""
    path = tmp_path / "data.jsonl"
    path.write_text('{"title": "T", "body": "b", "label": 0}\n')
    task = _task(path=str(path), text_field=["title", "body"], label_map={0: "neg", 1: "pos"})
    assert load_examples("toy", task) == [{"id": "toy-000000", "text": "T b", "label": "neg"}]
    with pytest.raises(ValidationError, match="text_field"):
        _task(text_field=[])


def test_bbc_news_source() -> None:
    task = _task(
        source="bbc_news",
        labels={"business": "b", "entertainment": "e", "politics": "p", "sports": "s", "tech": "t"},
        text_max_chars=200,
    )
    rows = load_examples("bbc_news", task)
    assert len(rows) == 2225
    assert {r["label"] for r in rows} == set(task.labels)
    assert max(len(r["text"]) for r in rows) <= 200


def test_sample_like_matches_counts() -> None:
    like = [{"label": "pos"}] * 3 + [{"label": "neg"}]
    sample = sample_like(_rows(20), like, seed=0)
    assert sorted(r["label"] for r in sample) == ["neg", "pos", "pos", "pos"]
    assert sample == sample_like(_rows(20), like, seed=0)
