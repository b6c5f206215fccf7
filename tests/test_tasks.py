import json
import math
import random
from pathlib import Path

import pandas as pd
import pytest
from pydantic import ValidationError

from synthdistill.io import DataError
from synthdistill.params import ParamsError, TaskDataParams, TaskParams
from synthdistill.sampling import sample_like
from synthdistill.tasks import article_runs, load_examples, split_examples, with_gold_fraction


def _task(**kw: object) -> TaskParams:
    """A toy task; keyword arguments that are data fields go to ``tasks.<name>.data``."""
    data: dict[str, object] = {"source": "file", "seed_per_label": 2, "test_per_label": 3}
    base: dict[str, object] = {
        "language": "en",
        "description": "toy",
        "labels": {"pos": "good", "neg": "bad"},
    }
    for key, value in kw.items():
        (data if key in TaskDataParams.model_fields else base)[key] = value
    return TaskParams.model_validate({**base, "data": data})


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


def test_split_without_groups_is_a_plain_shuffle() -> None:
    """Without a ``group`` key the split is the per-label seeded shuffle it always was."""
    task = _task()
    rows = _rows(40)
    expected: dict[str, list[dict[str, str]]] = {"seed": [], "test": [], "pool": []}
    for label in task.labels:
        items = sorted((r for r in rows if r["label"] == label), key=lambda r: r["id"])
        random.Random(f"7:{label}").shuffle(items)
        expected["seed"] += items[:2]
        expected["test"] += items[2:5]
        expected["pool"] += items[5:]
    assert split_examples(rows, task, seed=7) == expected


def _grouped_rows() -> list[dict[str, str]]:
    """Per label, groups ("articles") of 1 to 4 rows: 3 x 10 = 30 rows in 12 groups."""
    rows = []
    for label in ("pos", "neg"):
        for g, size in enumerate([1, 2, 3, 4, 1, 2, 3, 4, 3, 4, 1, 2]):
            for k in range(size):
                rows.append(
                    {
                        "id": f"{label}-{g:02d}-{k}",
                        "text": f"{label} article {g} sentence {k}",
                        "label": label,
                        "group": f"{label}-article-{g}",
                    }
                )
    return rows


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_split_keeps_groups_out_of_test_and_pool(seed: int) -> None:
    task = _task(seed_per_label=3, test_per_label=5)
    rows = _grouped_rows()
    splits = split_examples(rows, task, seed=seed)
    groups = {name: {r["group"] for r in splits[name]} for name in splits}
    assert not groups["test"] & groups["pool"]
    assert not groups["test"] & groups["seed"]
    ids = [r["id"] for name in ("seed", "test", "pool") for r in splits[name]]
    assert sorted(ids) == sorted(r["id"] for r in rows)  # every row once
    for label in task.labels:
        assert sum(r["label"] == label for r in splits["seed"]) == 3
        # test takes whole groups, so it may hold a few more than test_per_label
        assert 5 <= sum(r["label"] == label for r in splits["test"]) < 5 + 4
    assert splits == split_examples(list(reversed(rows)), task, seed=seed)
    assert splits == split_examples(rows, task, seed=seed)


def test_split_groups_change_with_the_seed() -> None:
    task = _task(seed_per_label=3, test_per_label=5)
    rows = _grouped_rows()
    tests = {
        frozenset(r["id"] for r in split_examples(rows, task, seed=seed)["test"])
        for seed in range(5)
    }
    assert len(tests) > 1


def test_split_needs_enough_whole_groups_for_test() -> None:
    """One big group per label: the seeds take a slice, the rest cannot go to test."""
    task = _task()
    rows = [{**r, "group": r["label"]} for r in _rows(20)]
    with pytest.raises(DataError, match="label 'pos': 2 seeds and 0 test examples"):
        split_examples(rows, task, seed=0)


def test_seeds_spread_over_groups() -> None:
    """Seeds come from several groups (not four sentences of one article)."""
    rows = [
        {
            "id": f"r{i:03d}",
            "text": f"t{i}",
            "label": "pos" if i < 60 else "neg",
            "group": f"g{i // 5}",
        }
        for i in range(120)
    ]
    split = split_examples(rows, _task(seed_per_label=4, test_per_label=10), seed=0)
    for label in ("pos", "neg"):
        seeds = [r for r in split["seed"] if r["label"] == label]
        assert len({r["group"] for r in seeds}) == 4
    test_groups = {r["group"] for r in split["test"]}
    assert not test_groups & {r["group"] for r in split["pool"] + split["seed"]}


def test_article_runs_group_consecutive_rows_of_one_label() -> None:
    labels = ["a", "a", "b", "a", "a", "a", "c"]
    rows = [{"id": f"x{i}", "label": label} for i, label in enumerate(labels)]
    assert article_runs(rows) == [
        "run-x0",
        "run-x0",
        "run-x2",
        "run-x3",
        "run-x3",
        "run-x3",
        "run-x6",
    ]
    assert article_runs([]) == []


def test_ja_news_rows_carry_their_article_run(tmp_path: Path) -> None:
    path = tmp_path / "ja_news.jsonl"
    records = [
        {"id": "n1", "text": "試合に勝った。", "label": "pos"},
        {"id": "n2", "text": "選手が活躍した。", "label": "pos"},
        {"id": "n3", "text": "除外された文。", "label": "neg", "excluded": True},
        {"id": "n4", "text": "株価が下がった。", "label": "neg"},
        {"id": "n5", "text": "ラベルなし。", "label": None},
        {"id": "n6", "text": "再び試合の話。", "label": "pos"},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    rows = load_examples("ja_news", _task(source="ja_news", path=str(path)))
    assert [(r["id"], r["group"]) for r in rows] == [
        ("n1", "run-n1"),
        ("n2", "run-n1"),
        ("n4", "run-n4"),
        ("n6", "run-n6"),
    ]


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
    path.write_text('{"text": "a", "label": "pos"}\n{"label": "neg", "body": "b"}\n')
    with pytest.raises(
        DataError, match=r"data\.jsonl:2: no field 'text'; the record has: label, body"
    ):
        load_examples("toy", _task(path=str(path)))
    path.write_text('{"text": "a", "label": "pos"}\n{"text": "  ", "label": "neg"}\n')
    with pytest.raises(DataError, match=r"data\.jsonl:2: field 'text' is empty"):
        load_examples("toy", _task(path=str(path)))
    csv = tmp_path / "data.csv"
    csv.write_text("text,label\na,pos\nb,oops\n")
    with pytest.raises(DataError, match=r"data\.csv:3: field 'label'"):
        load_examples("toy", _task(path=str(csv)))
    csv.write_bytes(b"text,label\na,pos\n\xff\xfe,pos\n")
    with pytest.raises(DataError, match=r"data\.csv:3: invalid UTF-8 at byte 0 of the line"):
        load_examples("toy", _task(path=str(csv)))


def test_csv_with_excel_bom_and_quoted_newlines(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts with a BOM; a quoted field may span lines."""
    csv = tmp_path / "data.csv"
    csv.write_bytes('text,label\n"two\nlines",pos\nété,neg\n'.encode("utf-8-sig"))
    rows = load_examples("toy", _task(path=str(csv)))
    assert [(r["text"], r["label"]) for r in rows] == [("two lines", "pos"), ("été", "neg")]
    csv.write_bytes('text,label\n"two\nlines",pos\nb,meh\n'.encode("utf-8-sig"))
    with pytest.raises(DataError, match=r"data\.csv:4: field 'label' has label 'meh'"):
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


def test_gold_fractions_are_nested_and_never_take_a_test_row() -> None:
    """prepare.gold_fraction (the fine-tuned teacher's data-fraction grid): each label's
    seed set grows to the fraction of its non-test rows, a larger fraction's set contains
    a smaller one's, and the test set is the same for every fraction."""
    task = _task()
    rows = _rows(200)
    base = split_examples(rows, task, seed=0)
    test_ids = {r["id"] for r in base["test"]}
    previous: set[str] = {r["id"] for r in base["seed"]}
    for fraction in (0.05, 0.1, 0.25, 1.0):
        grown = with_gold_fraction(base, task, fraction, seed=0)
        gold = {r["id"] for r in grown["seed"]}
        assert grown["test"] == base["test"]
        assert not gold & test_ids  # no test leak
        assert previous <= gold  # nested
        assert not gold & {r["id"] for r in grown["pool"]}
        assert len(gold) + len(grown["pool"]) + len(test_ids) == len(rows)  # nothing lost
        for label in task.labels:
            non_test = sum(r["label"] == label for r in rows) - task.data.test_per_label
            mine = sum(r["label"] == label for r in grown["seed"])
            assert mine == max(task.data.seed_per_label, math.ceil(fraction * non_test))
        previous = gold
    assert with_gold_fraction(base, task, 0.1, seed=0) == with_gold_fraction(base, task, 0.1, 0)
    assert with_gold_fraction(base, task, None, seed=0) is base


def test_gold_fraction_is_for_classification_only() -> None:
    task = _task(kind="generation", labels={}, instruction="Write.", seed_count=2, test_count=3)
    with pytest.raises(ParamsError, match="gold_fraction"):
        with_gold_fraction({"seed": [], "test": [], "pool": []}, task, 0.1, seed=0)
