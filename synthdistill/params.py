"""Typed, validated params.yaml sections; a bad value fails at stage start, naming the key."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from synthdistill.errors import ParamsError as ParamsError


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_choice(kind: str, value: str, choices: list[str] | tuple[str, ...]) -> str:
    """Raise a ParamsError like "Unknown method 'fewgenn' (did you mean 'fewgen'?); choose
    one of: ..."."""
    if value not in choices:
        close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ParamsError(
            f"Unknown {kind} '{value}'{hint}; choose one of: {', '.join(sorted(choices))}"
        )
    return value


class TaskDataParams(Section):
    """Where a task's labelled examples come from and how they are split (stage prepare)."""

    source: str
    path: str | None = None  # file path (source=file); dataset name or local file/dir (source=hf)
    hf_config: str | None = None  # datasets config name (source=hf)
    hf_split: str = "train"  # datasets split (source=hf)
    hf_revision: str | None = None  # hub branch or commit, e.g. refs/convert/parquet (source=hf)
    hf_data_dir: str | None = None  # folder inside the dataset repo or local dir (source=hf)
    text_field: str | list[str] = "text"  # a list of fields is joined in order (title, content)
    label_field: str = "label"
    output_field: str = "output"  # generation tasks: the target text's field (source=file/hf)
    label_map: dict[str, str] | None = None  # raw label value (ints as "0") -> task label name
    text_max_chars: int = Field(default=400, gt=0)
    seed_per_label: int = Field(default=8, ge=0)
    test_per_label: int = Field(default=40, gt=0)
    seed_count: int = Field(default=16, ge=0)  # generation tasks: seed pairs
    test_count: int = Field(default=300, gt=0)  # generation tasks: test pairs (the rest: pool)

    @field_validator("text_field")
    @classmethod
    def _some_text_field(cls, field: str | list[str]) -> str | list[str]:
        if not field:
            raise ValueError("name at least one text field")
        return field

    @field_validator("label_map", mode="before")
    @classmethod
    def _label_map_keys_as_str(cls, label_map: Any) -> Any:
        """YAML reads ``0: positive`` with an int key; raw labels are compared as strings."""
        if isinstance(label_map, dict):
            return {str(raw): label for raw, label in label_map.items()}
        return label_map


# What `synthdistill init` writes where only the user can say what a task or label means;
# a task that still holds it fails validation, before any teacher call.
PLACEHOLDER = "TODO"


def _not_placeholder(text: str | None) -> bool:
    return not (text or "").strip().upper().startswith(PLACEHOLDER)


class TaskParams(Section):
    """``tasks.<name>``: stages depend on the keys they read (dvc.yaml), never the block."""

    language: str = Field(min_length=2, max_length=3)
    kind: Literal["classification", "generation"] = "classification"
    description: str
    labels: dict[str, str] = Field(default_factory=dict)  # classification only
    instruction: str | None = None  # generation: what the model is asked per input
    data: TaskDataParams
    teacher_model: str | None = None  # overrides teacher.model for this task
    student: str | None = None  # overrides train.student for this task
    budget: int | None = Field(default=None, gt=0)  # overrides generate.budget for this task
    method: str | None = None  # overrides generate.method for this task
    attributes: dict[str, list[str]] | None = None  # label -> sub-topics (diversity variant)

    @field_validator("description", "instruction")
    @classmethod
    def _written(cls, text: str | None) -> str | None:
        if not _not_placeholder(text):
            raise ValueError(
                "still the placeholder `synthdistill init` wrote: replace it with one line "
                "saying what the texts are and what is asked of them (the teacher reads it)"
            )
        return text

    @field_validator("labels")
    @classmethod
    def _labels_described(cls, labels: dict[str, str]) -> dict[str, str]:
        todo = [name for name, text in labels.items() if not _not_placeholder(str(text))]
        if todo:
            raise ValueError(
                f"label(s) {', '.join(todo)} still hold the placeholder `synthdistill init` "
                "wrote: give each a one-line description (the teacher reads it)"
            )
        folded: dict[str, str] = {}
        for name in labels:
            key = " ".join(str(name).split()).casefold()
            if key in folded:
                raise ValueError(
                    f"labels '{folded[key]}' and '{name}' differ only by case or spaces; "
                    "a teacher's answer cannot tell them apart: merge them (data.label_map)"
                )
            folded[key] = str(name)
        return labels

    @model_validator(mode="after")
    def _kind_fields(self) -> TaskParams:
        if self.kind == "classification" and len(self.labels) < 2:
            raise ValueError("a classification task needs at least two labels")
        if self.kind == "generation":
            if self.labels:
                raise ValueError("a generation task has no labels (its rows have an output)")
            if not self.instruction:
                raise ValueError("a generation task needs an instruction (the prompt per input)")
        return self


class TeacherParams(Section):
    backend: str = "llamacpp"
    model: str = "qwen2.5-0.5b-instruct"
    threads: int = Field(default=2, gt=0)
    parallel: int = Field(default=8, gt=0)
    context: int = Field(default=8192, gt=0)
    timeout: float = Field(default=300.0, gt=0)
    max_retries: int = Field(default=4, ge=0)
    base_urls: list[str] = Field(default_factory=list)  # openai: equivalent servers
    max_requests_per_minute: int | None = Field(default=None, gt=0)
    max_tokens_per_minute: int | None = Field(default=None, gt=0)


class GenerateParams(Section):
    method: str = "fewgen"
    budget: int = Field(default=80, gt=0)
    shots: int = Field(default=2, ge=0)
    temperature: float = Field(default=0.95, ge=0)
    top_p: float = Field(default=0.9, gt=0, le=1)
    max_tokens: int = Field(default=128, gt=0)
    diversity: bool = False  # add a sub-topic from tasks.<task>.attributes to each prompt
    seed: int = 0


class PreprocessParams(Section):
    # None: derived from the task's real texts (LENGTH_BOUNDS in synthdistill.preprocess)
    min_chars: int | None = Field(default=None, ge=0)
    max_chars: int | None = Field(default=None, gt=0)
    near_dup_threshold: float = Field(default=0.7, gt=0, le=1)
    contamination_threshold: float = Field(default=0.5, gt=0, le=1)
    # share of word tokens in the task language's script below which a row is mixed_language
    min_language_share: float = Field(default=0.5, ge=0, le=1)
    num_perm: int = Field(default=128, gt=0)
    balance: bool = False
    seed: int = 0


class ArtefactParams(Section):
    """``artefacts``: what a teacher writes around an example (generate extracts it,
    preprocess filters what is left). Phrase lists are per language code."""

    list_items: Literal["first", "each"] = "first"
    lead_in: dict[str, list[str]]
    commentary: dict[str, list[str]]
    meta_phrases: dict[str, list[str]]
    foreign_words: dict[str, list[str]]
    # words that, next to a label name, name it as a label ("negative sentiment")
    label_nouns: dict[str, list[str]]
    leak_max_real_share: float = Field(default=0.001, ge=0, le=1)
    echo_ngram: int = Field(default=4, ge=1)
    echo_max_share: float = Field(default=0.3, gt=0, le=1)
    echo_max_items: int = Field(default=3, ge=1)
    foreign_max_share: float = Field(default=0.0, ge=0, le=1)
    chinese_min_freq: int = Field(default=5, ge=0)

    def words(self, kind: str, lang: str) -> list[str]:
        """The ``kind`` phrase list (lead_in, commentary, ...) for ``lang`` (empty if none)."""
        lists: dict[str, list[str]] = getattr(self, kind)
        return list(lists.get(lang, []))


class TrainParams(Section):
    student: str = "minilm-l6"
    lr: float = Field(default=2e-4, gt=0)
    epochs: int = Field(default=12, gt=0)
    batch_size: int = Field(default=16, gt=0)
    max_length: int = Field(default=128, gt=0)
    seed: int = 0
    # student_plus_seeds: drop synthetic rows the seeds-only student labels otherwise with
    # at least this probability (None keeps every row)
    contradiction_threshold: float | None = Field(default=None, gt=0, le=1)


class SetFitParams(Section):
    """``setfit``: a SetFit student (``train.student: setfit`` or ``setfit:<encoder>``)."""

    iterations: int = Field(default=20, gt=0)  # contrastive pairs drawn per training text
    epochs: int = Field(default=1, gt=0)  # passes of the body over those pairs
    body_lr: float = Field(default=2e-5, gt=0)  # the body's learning rate (SetFit's default)


class LMParams(Section):
    """``lm``: the causal-LM student of generation tasks (stage train_lm, evaluate_lm)."""

    student: str = "smollm2-135m-instruct"  # registry name, GGUF file or local HF directory
    lora: bool = True  # LoRA adapters on the attention projections; False = every weight
    lora_r: int = Field(default=8, gt=0)
    lora_alpha: int = Field(default=16, gt=0)
    lr: float = Field(default=1e-3, gt=0)
    epochs: int = Field(default=3, gt=0)
    # At most this many optimizer steps (overrides epochs); None = epochs decide. Only the
    # teacher's tuning sets it (finetune.max_steps); the lm section leaves it None.
    max_steps: int | None = Field(default=None, gt=0)
    batch_size: int = Field(default=8, gt=0)
    max_length: int = Field(default=192, gt=0)
    max_new_tokens: int = Field(default=32, gt=0)
    shots: int = Field(default=3, ge=0)  # seeds in the few-shot prompting baselines
    seed: int = 0


class SelfGuideParams(Section):
    """``selfguide``: SELF-GUIDE's knobs (docs/methods: values of the authors' code)."""

    batch_size: int = Field(default=10, gt=0)  # input prompts per batch
    shots: int = Field(default=3, gt=0)  # seed inputs shown as good; seed pairs as answer demos
    low_quality: int = Field(default=10, ge=0)  # earlier generated inputs shown as weak ones
    input_temperature: float = Field(default=0.9, ge=0)
    top_k: int = Field(default=40, ge=0)
    input_max_tokens: int = Field(default=96, gt=0)
    samples: int = Field(default=10, gt=0)  # self-consistency answers per input
    output_temperature: float = Field(default=0.2, ge=0)
    output_top_k: int = Field(default=10, ge=0)
    min_frequency: float = Field(default=0.3, ge=0, le=1)
    min_input_chars: int = Field(default=80, ge=0)  # shorter generated inputs are dropped
    input_length_sd: float | None = Field(default=None, gt=0)  # band around seeds; None = off
    output_length_sd: float = Field(default=2.0, gt=0)  # generation outputs: band around seeds
    noise_phrases: list[str] = Field(
        default_factory=lambda: [
            "i'd be happy to",
            "of course",
            "sure,",
            "here is",
            "here's",
            "input:",
            "input 5",
            "output:",
            "headline:",
            "as an ai",
        ]
    )
    seed: int = 0


class FinetuneParams(Section):
    """``finetune``: the fine-tuned teacher (stage tune_teacher; methods annotate,
    ft_annotate, ft_generate, ft_both)."""

    lora_r: int = Field(default=8, gt=0)
    lora_alpha: int = Field(default=16, gt=0)
    lr: float = Field(default=1e-3, gt=0)
    epochs: int = Field(default=3, gt=0)
    max_steps: int | None = Field(default=None, gt=0)  # caps the tuning's optimizer steps
    batch_size: int = Field(default=8, gt=0)
    max_length: int = Field(default=256, gt=0)
    generate_share: float = Field(default=0.5, ge=0, le=1)  # ft_both: budget share to generation
    samples: int = Field(default=1, gt=0)  # annotation answers per pool input (calls each)
    temperature: float = Field(default=0.7, ge=0)  # annotation sampling when samples > 1
    min_confidence: float = Field(default=0.0, ge=0, le=1)  # drop a lower majority share
    seed: int = 0

    def lm(self, model: str) -> LMParams:
        """The LM tuning settings for the teacher ``model`` (LoRA always)."""
        keys = (
            "lora_r",
            "lora_alpha",
            "lr",
            "epochs",
            "max_steps",
            "batch_size",
            "max_length",
            "seed",
        )
        return LMParams(student=model, lora=True, **{k: getattr(self, k) for k in keys})


# Active generation's selection criteria (synthdistill.methods.active scores each).
Criterion = Literal["loss", "entropy", "margin", "random", "llm_judge"]


class ActiveParams(Section):
    """``active``: active closed-loop generation (Kessler et al. 2025; method ``active``)."""

    rounds: int = Field(default=4, gt=0)  # generation rounds; the budget is split evenly
    criterion: Criterion = "loss"
    selection: Literal["top", "proportional"] = "top"  # top scores, or sampled by score
    per_label: bool = False  # split each round's selections evenly over the labels
    judge_share: float = Field(default=0.5, gt=0, lt=1)  # llm_judge: share of calls rating
    student: str | None = None  # the in-loop student (None = the task's final student)
    warm_start: bool = False  # continue each round's student from the previous round's
    seed: int = 0  # selection and judge-sample seed


class TeacherPromptingParams(Section):
    teacher: Literal["base", "tuned"] = "base"  # tuned: tune_teacher's LoRA teacher
    shots: bool = True
    max_shots: int | None = Field(default=40, gt=0)  # at most this many seeds as shots
    constrained: bool = True
    max_tokens: int = Field(default=16, gt=0)
    max_examples: int | None = Field(default=40, gt=0)
    latency_probe: int = Field(default=4, ge=0)


class QualityParams(Section):
    sample: int = Field(default=200, gt=1)
    seed: int = 0


class ExportParams(Section):
    # which trained student ships (exports/<task>/model): models/<task>/<student>
    student: Literal["student", "plus_seeds", "seeds"] = "plus_seeds"


class PrepareParams(Section):
    seed: int = 0
    # texts whose shingle Jaccard reaches this are copies (one kept); None = exact copies only
    dedup_threshold: float | None = Field(default=0.8, gt=0, le=1)
    # grow the seed set to this fraction of the labelled non-test data (None = the seeds)
    gold_fraction: float | None = Field(default=None, gt=0, le=1)


class RetrievalParams(Section):
    """SynthesizRR content sourcing: the passage corpus, its index, and per-seed retrieval."""

    retriever: str = "bm25"  # bm25 | dense
    dense_model: str = "auto"  # auto (minilm-l6 for en, e5-small otherwise) | minilm-l6 | e5-small
    extra_sources: list[str] = Field(default_factory=lambda: ["gensim_lee", "gensim_wiki"])
    min_passage_words: int = Field(default=8, ge=1)
    max_passage_chars: int = Field(default=600, gt=0)
    leak_threshold: float = Field(default=0.5, gt=0, le=1)
    num_perm: int = Field(default=128, gt=0)
    top_k: int = Field(default=50, gt=0)
    band_low: float = 0.0
    band_high: float = 0.95
    per_seed: int = Field(default=5, gt=0)
    seed: int = 0

    @model_validator(mode="after")
    def _band_order(self) -> RetrievalParams:
        if self.band_low > self.band_high:
            raise ValueError(f"band_low ({self.band_low}) is above band_high ({self.band_high})")
        return self


SECTIONS: dict[str, type[Section]] = {
    "teacher": TeacherParams,
    "generate": GenerateParams,
    "preprocess": PreprocessParams,
    "artefacts": ArtefactParams,
    "train": TrainParams,
    "teacher_prompting": TeacherPromptingParams,
    "prepare": PrepareParams,
    "quality": QualityParams,
    "retrieval": RetrievalParams,
    "lm": LMParams,
    "setfit": SetFitParams,
    "selfguide": SelfGuideParams,
    "finetune": FinetuneParams,
    "active": ActiveParams,
    "export": ExportParams,
}


def _format(err: ValidationError, where: str) -> str:
    lines = [f"{where}: invalid params"]
    for item in err.errors():
        loc = ".".join(str(p) for p in item["loc"])
        lines.append(f"  {where}.{loc}: {item['msg']} (got {item.get('input')!r})")
    return "\n".join(lines)


TOP_LEVEL = ("run_tasks", "run_generation_tasks", "tasks")  # params.yaml keys besides the SECTIONS


def load_raw(path: str | Path = "params.yaml") -> dict[str, Any]:
    """params.yaml as data; a YAML error names file, line and column, and an unknown
    top-level key (a misspelt section) is an error listing the valid ones."""
    file = Path(path)
    if not file.exists():
        raise ParamsError(f"{file}: not found")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else str(file)
        problem = getattr(err, "problem", None) or str(err)
        raise ParamsError(f"{where}: YAML syntax error: {problem}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{file}: expected a mapping at the top level")
    valid = [*TOP_LEVEL, *SECTIONS]
    unknown = [str(key) for key in data if key not in valid]
    if unknown:
        raise ParamsError(
            f"{file}: unknown top-level key(s) {', '.join(repr(k) for k in unknown)}; "
            f"valid keys: {', '.join(valid)}"
        )
    return data


def load_section(name: str, path: str | Path = "params.yaml") -> Any:
    """Load and validate one top-level section of params.yaml."""
    check_choice("params section", name, list(SECTIONS))
    data = load_raw(path)
    if name not in data:
        raise ParamsError(f"{path}: no '{name}' section (every stage reads its own section)")
    raw = data[name] or {}
    try:
        return SECTIONS[name].model_validate(raw)
    except ValidationError as err:
        raise ParamsError(_format(err, f"{path}: {name}")) from None


def load_task(name: str, path: str | Path = "params.yaml") -> TaskParams:
    """Load and validate ``tasks.<name>``."""
    tasks = load_raw(path).get("tasks", {}) or {}
    check_choice("task", name, list(tasks))
    try:
        return TaskParams.model_validate(tasks[name])
    except ValidationError as err:
        raise ParamsError(_format(err, f"{path}: tasks.{name}")) from None


def load_generate(
    task_name: str, path: str | Path = "params.yaml", method: str | None = None
) -> GenerateParams:
    """The ``generate`` section as it applies to one task: ``tasks.<task>.method`` and
    ``.budget`` override ``generate.method`` and ``.budget``, and ``method`` (a stage's
    ``--method``, a baseline run) overrides both. The one place this is resolved: every
    stage that asks which method or budget a task uses calls it."""
    task = load_task(task_name, path)
    params: GenerateParams = load_section("generate", path)
    overrides = {"budget": task.budget, "method": method or task.method}
    return params.model_copy(update={k: v for k, v in overrides.items() if v})


def planned_calls(task_name: str, path: str | Path = "params.yaml") -> dict[str, int]:
    """The most teacher calls a run of ``task_name`` makes, per stage: generate (the
    method's budget; a task's ``budget`` overrides ``generate.budget``) and the
    teacher-prompting baseline (its test examples plus the latency probe). Read from the
    params alone, so it can be shown before a task is complete (``synthdistill init``)."""
    raw = load_raw(path)
    task = (raw.get("tasks") or {}).get(task_name) or {}
    generate: GenerateParams = load_section("generate", path)
    prompting: TeacherPromptingParams = load_section("teacher_prompting", path)
    data = task.get("data") or {}
    defaults = TaskDataParams.model_fields
    labels = task.get("labels") or {}  # a generation task has none: its test set is a count
    if labels:
        n_test = int(data.get("test_per_label", defaults["test_per_label"].default)) * len(labels)
    else:
        n_test = int(data.get("test_count", defaults["test_count"].default))
    scored = min(n_test, prompting.max_examples) if prompting.max_examples else n_test
    budget = int(task.get("budget") or generate.budget)
    calls = {"generate": budget}
    if not labels:  # the generation pipeline's few-shot-generation baseline: the same budget
        calls["generate_fewgen"] = budget
    return {**calls, "teacher_prompting": scored + prompting.latency_probe}


def describe_calls(calls: dict[str, int]) -> str:
    """ "at most 124 teacher calls: generate 80, teacher_prompting 44"."""
    parts = ", ".join(f"{stage} {n}" for stage, n in calls.items())
    return f"at most {sum(calls.values())} teacher calls: {parts}"


def check_params(path: str | Path = "params.yaml") -> tuple[list[str], list[str]]:
    """(problems, report lines) for every task a run would run: each name in
    ``run_tasks`` / ``run_generation_tasks`` must be a task (else a did-you-mean), each
    task must validate (placeholders, labels, keys), and each line says the teacher calls
    its run makes at most. Method names are checked by the stages, against the registry."""
    raw = load_raw(path)
    tasks = raw.get("tasks") or {}
    problems: list[str] = []
    lines: list[str] = []
    for key in ("run_tasks", "run_generation_tasks"):
        for name in raw.get(key) or []:
            try:
                check_choice(f"task in {key}", str(name), list(tasks))
                load_task(str(name), path)
            except ParamsError as err:
                problems.append(str(err))
                continue
            lines.append(f"{name}: {describe_calls(planned_calls(str(name), path))}")
    return problems, lines
