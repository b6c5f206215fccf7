"""Stage export's library: the dataset as Parquet with ClassLabel, and cards whose every
number comes from the run's own files."""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest
import yaml

from synthdistill.errors import DataError
from synthdistill.export import (
    Provenance,
    RunFiles,
    dataset_card,
    export_dataset,
    model_card,
    write_card,
)
from synthdistill.export_model import ExportedModel
from synthdistill.io import write_json, write_jsonl
from synthdistill.params import GenerateParams, TaskParams

TASK = TaskParams.model_validate(
    {
        "language": "en",
        "description": "Support tickets, to be routed by topic.",
        "labels": {"billing": "money matters", "bug": "something is broken"},
        "data": {"source": "file", "path": "t.csv"},
    }
)
GENERATE = GenerateParams(method="zerogen", budget=7, seed=3)
LINEAGE = {"method": "zerogen", "template": "labelgen_user_zeroshot", "teacher_call": "abc"}
EVAL = {
    "n_test": 30,
    "student": {
        "accuracy": 0.7,
        "macro_f1": 0.6912,
        "n": 30,
        "macro_f1_ci_low": 0.51,
        "macro_f1_ci_high": 0.84,
        "ci_resamples": 1000,
        "n_train": 5,
    },
    "student_plus_seeds": {
        "accuracy": 0.8,
        "macro_f1": 0.7934,
        "n": 30,
        "macro_f1_ci_low": 0.62,
        "macro_f1_ci_high": 0.93,
        "ci_resamples": 1000,
        "n_train": 9,
    },
    "seed_student": {
        "accuracy": 0.6,
        "macro_f1": 0.5871,
        "n": 30,
        "macro_f1_ci_low": 0.41,
        "macro_f1_ci_high": 0.75,
        "ci_resamples": 1000,
        "n_train": 4,
    },
    "comparisons": {
        "student_plus_seeds_vs_seed_student": {
            "macro_f1_delta": 0.2063,
            "ci_low": 0.05,
            "ci_high": 0.36,
            "verdict": "better",
        }
    },
}


@pytest.fixture
def run(tmp_path: Path) -> tuple[Path, dict[str, Path], RunFiles]:
    kept = tmp_path / "train.jsonl"
    write_jsonl(
        kept,
        [
            {"id": f"g{i}", "text": f"text {i}", "label": label, "lineage": LINEAGE}
            for i, label in enumerate(["billing", "bug", "bug", "billing", "bug"])
        ],
    )
    rejected = {
        "generate": tmp_path / "gen_rej.jsonl",
        "preprocess": tmp_path / "pre_rej.jsonl",
    }
    write_jsonl(rejected["generate"], [{"id": "g9", "text": "cut off", "reason": "truncated"}])
    write_jsonl(
        rejected["preprocess"],
        [
            {"id": "g7", "text": "x", "label": "bug", "reason": "too_short", "detail": "1 < 4"},
            {"id": "g8", "text": "y", "label": "bug", "reason": "too_short", "detail": "1 < 4"},
        ],
    )
    metrics = tmp_path / "metrics"
    write_json(metrics / "eval.json", EVAL)
    write_json(
        metrics / "data_quality.json",
        {"teacher_samples": 7, "parsed": 6, "kept": 5, "kept_per_label": {"billing": 2, "bug": 3}},
    )
    write_json(
        metrics / "teacher_usage.json",
        {"requests": 7, "prompt_tokens": 1234, "completion_tokens": 321},
    )
    write_json(metrics / "split.json", {"splits": {"seed": 4, "test": 30, "pool": 10}})
    return kept, rejected, RunFiles.read(metrics)


def _provenance() -> Provenance:
    return Provenance("tickets", TASK, "qwen2.5-0.5b-instruct", "llamacpp", GENERATE, "minilm-l6")


def test_the_dataset_loads_with_class_labels_and_every_rejected_row_has_its_reason(
    run: tuple[Path, dict[str, Path], RunFiles], tmp_path: Path
) -> None:
    kept, rejected, _ = run
    out = tmp_path / "dataset"
    summary = export_dataset(TASK, kept, rejected, out)
    data = {
        split: datasets.load_dataset(
            "parquet", data_files=str(out / f"{split}.parquet"), split="train"
        )
        for split in ("train", "rejected")
    }
    assert data["train"].features["label"].names == ["billing", "bug"]
    assert data["train"]["label"] == [0, 1, 1, 0, 1]
    assert json.loads(data["train"]["lineage"][0])["teacher_call"] == "abc"
    assert sorted(data["rejected"]["reason"]) == ["too_short", "too_short", "truncated"]
    assert summary.rejected == {"generate: truncated": 1, "preprocess: too_short": 2}
    assert summary.templates == ("labelgen_user_zeroshot",)


def test_a_kept_row_with_an_unknown_label_is_refused(tmp_path: Path) -> None:
    kept = tmp_path / "train.jsonl"
    write_jsonl(kept, [{"id": "a", "text": "t", "label": "refund"}])
    with pytest.raises(DataError, match="refund"):
        export_dataset(TASK, kept, {}, tmp_path / "out")


def test_the_dataset_card_says_teacher_method_budget_and_drops_from_the_files(
    run: tuple[Path, dict[str, Path], RunFiles], tmp_path: Path
) -> None:
    kept, rejected, files = run
    summary = export_dataset(TASK, kept, rejected, tmp_path / "d")
    card = dataset_card(_provenance(), files, summary)
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["language"] == ["en"] and "method-zerogen" in meta["tags"]
    assert "qwen2.5-0.5b-instruct" in card and "sha256" in card
    assert "method: `zerogen` (docs/methods.md); budget: 7 teacher calls" in card
    assert "7 calls, 1,234 prompt + 321 completion tokens" in card
    assert "| preprocess: too_short | 2 |" in card and "| generate: truncated | 1 |" in card
    assert "labelgen_user_zeroshot" in card and "$label_description" in card  # template text
    assert "Your own file" in card  # the source's licence note


def test_the_model_card_numbers_are_eval_json_s(
    run: tuple[Path, dict[str, Path], RunFiles], tmp_path: Path
) -> None:
    kept, rejected, files = run
    summary = export_dataset(TASK, kept, rejected, tmp_path / "d")
    exported = ExportedModel(
        "hf-encoder+onnx", "minilm-l6", ["billing", "bug"], ["config.json"], "print('hi')\n"
    )
    card = model_card(_provenance(), files, exported, "plus_seeds", summary)
    meta = yaml.safe_load(card.split("---\n")[1])
    scores = meta["model-index"][0]["results"][0]["metrics"]
    assert scores[0]["value"] == EVAL["student_plus_seeds"]["macro_f1"]
    assert (
        "| **this model** (`student_plus_seeds`) | 0.793 [0.620, 0.930] | 0.800 | 9 | 30 |" in card
    )
    assert "| seeds-only student (`seed_student`) | 0.587 [0.410, 0.750]" in card
    assert "| student_plus_seeds vs seed_student | +0.206 [+0.050, +0.360] | better |" in card
    assert "5 synthetic rows plus the 4 labelled seeds" in card
    assert "print('hi')" in card
    write_card(tmp_path / "m", card)
    assert (tmp_path / "m" / "README.md").read_text(encoding="utf-8") == card


def test_a_student_that_was_not_evaluated_has_no_card(
    run: tuple[Path, dict[str, Path], RunFiles], tmp_path: Path
) -> None:
    kept, rejected, files = run
    summary = export_dataset(TASK, kept, rejected, tmp_path / "d")
    exported = ExportedModel("e5-linear-head", "e5", ["billing", "bug"], [], "")
    bare = RunFiles({"n_test": 30}, files.quality, files.usage, files.split)
    with pytest.raises(DataError, match="student_plus_seeds"):
        model_card(_provenance(), bare, exported, "plus_seeds", summary)


def test_the_dataset_folder_loads_by_its_card_configs(
    run: tuple[Path, dict[str, Path], RunFiles], tmp_path: Path
) -> None:
    kept, rejected, files = run
    out = tmp_path / "dataset"
    summary = export_dataset(TASK, kept, rejected, out)
    write_card(out, dataset_card(_provenance(), files, summary))
    rows = datasets.load_dataset(str(out), split="train")
    dropped = datasets.load_dataset(str(out), "rejected", split="train")
    assert rows.features["label"].names == ["billing", "bug"] and len(rows) == 5
    assert len(dropped) == 3 and set(dropped["stage"]) == {"generate", "preprocess"}


def test_a_run_that_dropped_nothing_exports_an_empty_rejected_table(
    run: tuple[Path, dict[str, Path], RunFiles], tmp_path: Path
) -> None:
    kept, _, _ = run
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    out = tmp_path / "dataset"
    summary = export_dataset(TASK, kept, {"generate": empty, "preprocess": empty}, out)
    assert summary.rejected == {} and summary.kept == 5
    import pyarrow.parquet as pq

    table = pq.read_table(out / "rejected.parquet")  # datasets refuses a table of 0 rows
    assert table.num_rows == 0 and "reason" in table.column_names
