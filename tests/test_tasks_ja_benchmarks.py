"""The MARC-ja and livedoor news tasks of params.yaml, loaded offline from fixture files
that keep the public datasets' field names and ClassLabel ints."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import datasets
import pytest

from synthdistill.io import DataError
from synthdistill.params import TaskParams, load_task
from synthdistill.tasks import SPLITS, load_examples, split_examples
from synthdistill.text import normalize

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# ClassLabel names of shunk031/JGLUE (MARC-ja) and shunk031/livedoor-news-corpus, by int.
MARC_JA_NAMES = ["positive", "negative", "neutral"]
LIVEDOOR_NAMES = [
    "movie-enter",
    "it-life-hack",
    "kaden-channel",
    "topic-news",
    "livedoor-homme",
    "peachy",
    "sports-watch",
    "dokujo-tsushin",
    "smax",
]
BENCHMARKS = {
    "marc_ja": (FIXTURES / "marc_ja.jsonl", MARC_JA_NAMES),
    "livedoor_news": (FIXTURES / "livedoor_news.jsonl", LIVEDOOR_NAMES),
}


@pytest.fixture(autouse=True)
def _datasets_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the Arrow files ``datasets`` builds from the fixtures out of ~/.cache."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf_cache")


def _fixture_rows(name: str) -> list[dict[str, Any]]:
    path, _ = BENCHMARKS[name]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _task(name: str, path: Path) -> TaskParams:
    """The task exactly as params.yaml defines it, reading ``path`` instead of the hub."""
    return _with_data(load_task(name, REPO / "params.yaml"), path=str(path))


def _with_data(task: TaskParams, **update: object) -> TaskParams:
    """``task`` with some of its ``data`` fields replaced."""
    return task.model_copy(update={"data": task.data.model_copy(update=update)})


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_fixture_loads_with_labels_mapped(name: str) -> None:
    path, names = BENCHMARKS[name]
    task = _task(name, path)
    assert task.data.source == "hf" and task.language == "ja"
    rows = load_examples(name, task)
    raw = _fixture_rows(name)
    label_field = task.data.label_field
    assert [r["label"] for r in rows] == [names[r[label_field]] for r in raw]
    assert set(Counter(r["label"] for r in rows)) == set(task.labels)
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(r["text"] and len(r["text"]) <= task.data.text_max_chars for r in rows)


def test_marc_ja_text_is_the_review() -> None:
    task = _task("marc_ja", FIXTURES / "marc_ja.jsonl")
    rows = load_examples("marc_ja", task)
    assert [r["text"] for r in rows] == [r["sentence"] for r in _fixture_rows("marc_ja")]


def test_livedoor_text_is_title_then_content() -> None:
    task = _task("livedoor_news", FIXTURES / "livedoor_news.jsonl")
    rows = load_examples("livedoor_news", task)
    for row, raw in zip(rows, _fixture_rows("livedoor_news"), strict=True):
        assert row["text"] == f"{raw['title']} {raw['content']}"[: task.data.text_max_chars]


def test_text_keeps_raw_width_variants_for_nfkc() -> None:
    """The loader passes the text through; the pipeline's NFKC folds its width variants."""
    rows = load_examples("marc_ja", _task("marc_ja", FIXTURES / "marc_ja.jsonl"))
    texts = {r["text"] for r in rows}
    half_width = next(t for t in texts if "ｻｲｽﾞ" in t)
    assert normalize(half_width, "ja").startswith("サイズ表記どおりに")
    full_width = next(t for t in texts if "ＬＥＤ" in t)
    assert "LEDライト" in normalize(full_width, "ja")


@pytest.mark.parametrize("name", list(BENCHMARKS))
def test_split_is_stratified_and_disjoint(name: str) -> None:
    path, _ = BENCHMARKS[name]
    # The fixtures hold 3-6 rows per label, fewer than params.yaml's per-label counts.
    task = _with_data(_task(name, path), seed_per_label=1, test_per_label=1)
    rows = load_examples(name, task)
    splits = split_examples(rows, task, seed=0)
    ids = {split: {r["id"] for r in splits[split]} for split in SPLITS}
    assert not (ids["seed"] & ids["test"] or ids["seed"] & ids["pool"] or ids["test"] & ids["pool"])
    assert set().union(*ids.values()) == {r["id"] for r in rows}
    for split in ("seed", "test"):
        assert Counter(r["label"] for r in splits[split]) == Counter(dict.fromkeys(task.labels, 1))
    assert splits == split_examples(list(reversed(rows)), task, seed=0)


@pytest.mark.parametrize(
    ("name", "update", "field", "key"),
    [
        ("marc_ja", {"text_field": "sentense"}, "sentense", "text_field"),
        ("marc_ja", {"label_field": "labels"}, "labels", "label_field"),
        ("livedoor_news", {"text_field": ["title", "contents"]}, "contents", "text_field"),
    ],
)
def test_wrong_field_name_is_named(
    name: str, update: dict[str, object], field: str, key: str
) -> None:
    path, _ = BENCHMARKS[name]
    task = _with_data(_task(name, path), **update)
    expected = rf"no field '{field}' \(tasks\.{name}\.data\.{key}\); the dataset has: \w+, "
    with pytest.raises(DataError, match=expected):
        load_examples(name, task)


def test_local_dir_in_the_hub_parquet_export_layout(tmp_path: Path) -> None:
    """MARC-ja's params (hf_data_dir, hf_split) against a local copy of the layout of
    shunk031/JGLUE@refs/convert/parquet, with the label stored as a ClassLabel."""
    features = datasets.Features(
        {
            "sentence": datasets.Value("string"),
            "label": datasets.ClassLabel(names=MARC_JA_NAMES),
            "review_id": datasets.Value("string"),
        }
    )
    rows = _fixture_rows("marc_ja")
    export = tmp_path / "JGLUE"
    (export / "MARC-ja").mkdir(parents=True)
    table = datasets.Dataset.from_list(rows, features=features)
    table.to_parquet(export / "MARC-ja" / "jglue-validation.parquet")
    table.select(range(2)).to_parquet(export / "MARC-ja" / "jglue-train.parquet")
    task = _task("marc_ja", export)
    assert (task.data.hf_data_dir, task.data.hf_split) == ("MARC-ja", "validation")
    loaded = load_examples("marc_ja", task)
    assert [r["label"] for r in loaded] == [MARC_JA_NAMES[r["label"]] for r in rows]


def test_loading_script_gets_an_actionable_error(tmp_path: Path) -> None:
    """datasets>=4 refuses loading scripts such as shunk031/livedoor-news-corpus's."""
    repo = tmp_path / "livedoor-news-corpus"
    repo.mkdir()
    (repo / "livedoor-news-corpus.py").write_text("import datasets\n")
    task = _task("livedoor_news", repo)
    with pytest.raises(DataError, match="loading script.*refs/convert/parquet.*JSONL/CSV/Parquet"):
        load_examples("livedoor_news", task)
