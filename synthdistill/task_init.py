"""``synthdistill init``: a task block in params.yaml from a user's data file.

Reads the file (CSV, JSONL or Parquet), finds the labels (classification) or checks the
output field (generation), detects the language, chooses a split that leaves seeds, a
test set and a pool for every label, copies the file to ``data/tasks/`` (a dependency of
stage prepare by construction: no hand edit of dvc.yaml), and writes the task into
params.yaml with comments, keeping the rest of the file as it is. Descriptions only the
user can write are left as placeholders that fail validation, before any teacher call,
until they are filled in.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from synthdistill.errors import DataError, ParamsError
from synthdistill.params import PLACEHOLDER, TaskParams
from synthdistill.task_kinds import CLASSIFICATION, GENERATION, task_kind
from synthdistill.tasks import read_records
from synthdistill.text import detect_language, normalize

# Where init puts a task's data file: stage prepare depends on the whole folder.
TASKS_DATA_DIR = Path("data/tasks")
MIN_ROWS = 3  # per label (classification) or in all (generation): a seed, a test row, a pool row


@dataclass(frozen=True)
class SplitRule:
    """How init sizes a kind's split from the smallest group (a label, or all pairs):
    ``seeds`` = smallest // ``seed_share`` within [1, ``max_seeds``], ``test`` = half of
    the rest within [1, ``max_test``], the pool the rest; written under the kind's
    ``split_keys``."""

    kind: str
    seed_share: int
    max_seeds: int
    max_test: int
    grouped: str  # what one group is, for messages


SPLIT_RULES = {
    CLASSIFICATION: SplitRule(CLASSIFICATION, 5, 8, 100, "label"),
    GENERATION: SplitRule(GENERATION, 10, 16, 300, "the file"),
}
# The params.yaml list of tasks `dvc repro` runs, per kind (dvc.yaml, pipelines/generation).
RUN_LISTS = {CLASSIFICATION: "run_tasks", GENERATION: "run_generation_tasks"}
LANGUAGE_SAMPLE = 50
# The per-task override keys each kind's pipeline reads (null: the section's value).
OVERRIDES = {
    CLASSIFICATION: ("teacher_model", "student", "budget", "method", "attributes"),
    GENERATION: ("teacher_model", "budget", "method"),
}  # texts whose detected language decides the task's language


@dataclass
class TaskPlan:
    """What init found and will write."""

    name: str
    kind: str
    language: str
    rows: int
    counts: dict[str, int]  # per label (classification); {"pairs": n} (generation)
    split: dict[str, int]  # the data block's split keys
    duplicates: int  # texts that repeat another text after normalisation
    data_path: Path
    block: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """What init prints about the task."""
        shown = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        out = [
            f"task {self.name}: {self.kind}, language {self.language}, {self.rows} rows ({shown})",
            "split: " + ", ".join(f"{k} = {v}" for k, v in self.split.items()),
        ]
        if self.duplicates:
            out.append(f"note: {self.duplicates} rows repeat another row's text (normalised)")
        return out


def _split(counts: dict[str, int], rule: SplitRule) -> dict[str, int]:
    """Seeds and test rows per group that leave a pool for the smallest group."""
    smallest_group, smallest = min(counts.items(), key=lambda item: item[1])
    if smallest < MIN_ROWS:
        what = f"{rule.grouped} '{smallest_group}'" if rule.grouped == "label" else rule.grouped
        raise DataError(
            f"{what} has {smallest} rows; a task needs at least {MIN_ROWS} "
            "(a seed, a test row and a pool row)"
        )
    seeds = max(1, min(rule.max_seeds, smallest // rule.seed_share))
    test = max(1, min(rule.max_test, (smallest - seeds) // 2))
    return dict(zip(task_kind(rule.kind).split_keys, (seeds, test), strict=True))


def _language(texts: list[str]) -> str:
    votes = Counter(detect_language(text) for text in texts[:LANGUAGE_SAMPLE])
    votes.pop(None, None)
    if not votes:
        raise DataError("could not detect the texts' language; pass --language (e.g. en, ja)")
    return str(votes.most_common(1)[0][0])


def plan_task(
    name: str,
    data: Path,
    text_field: str,
    label_field: str | None = None,
    output_field: str | None = None,
    language: str | None = None,
) -> TaskPlan:
    """Read ``data`` and plan task ``name``: a classification task (``label_field``) or a
    generation task (``output_field``)."""
    if (label_field is None) == (output_field is None):
        raise ParamsError("name the label field (classification) or the output field (generation)")
    kind = CLASSIFICATION if label_field else GENERATION
    target = str(label_field or output_field)
    records = read_records(data, "--data")
    texts: list[str] = []
    answers: list[str] = []
    for where, record in records:
        for key in (text_field, target):
            if key not in record:
                have = ", ".join(map(str, record))
                raise DataError(f"{where}: no field '{key}'; the record has: {have}")
            if record[key] is None or str(record[key]).strip() == "":
                raise DataError(f"{where}: field '{key}' is empty")
        texts.append(str(record[text_field]))
        answers.append(" ".join(str(record[target]).split()))
    lang = language or _language(texts)
    if label_field:
        counts = dict(Counter(answers))
        if len(counts) < 2:
            raise DataError(f"{data}: field '{target}' holds one label; a task needs two or more")
    else:
        counts = {"pairs": len(records)}
    split = _split(counts, SPLIT_RULES[kind])
    folded = Counter(normalize(text, lang).casefold() for text in texts)
    duplicates = sum(n - 1 for n in folded.values() if n > 1)
    dest = TASKS_DATA_DIR / f"{name}{data.suffix.lower()}"
    plan = TaskPlan(name, kind, lang, len(records), counts, split, duplicates, dest)
    todo = f"{PLACEHOLDER}: one line"
    # What only the user can write: the label descriptions, or the per-input instruction.
    described: dict[str, Any] = (
        {"labels": {label: f"{todo} on what '{label}' means" for label in counts}}
        if label_field
        else {"instruction": f"{todo}: the request put before each input"}
    )
    plan.block = {
        "language": lang,
        "kind": kind,
        "description": f"{todo} on what the texts are and what is asked of them",
        **described,
        # per-task overrides: every task has these keys (stages depend on them by name)
        **dict.fromkeys(OVERRIDES[kind]),
        "data": {
            "source": "file",
            "path": dest.as_posix(),
            "text_field": text_field,
            f"{task_kind(kind).target}_field": target,
            **split,
        },
    }
    filled = {
        key: ("x" if isinstance(value, str) else dict.fromkeys(value, "x"))
        for key, value in described.items()
    }
    # The block is valid once the placeholders are filled in.
    TaskParams.model_validate({**plan.block, "description": "x", **filled})
    return plan


_COMMENTS = {
    "language": "ISO 639-1 code (detected by init); selects normalisation, prompts, metrics",
    "kind": "classification (text -> label) | generation (text -> output)",
    "description": "FILL IN: one line the teacher reads (what the texts are, what is asked)",
    "labels": "FILL IN: label -> one-line description (the teacher reads them)",
    "instruction": "FILL IN: the prompt before each input (students and teacher)",
    "teacher_model": "overrides teacher.model for this task (null = teacher.model)",
    "student": "overrides train.student for this task (null = train.student)",
    "budget": "overrides generate.budget for this task (null = generate.budget)",
    "method": "overrides generate.method for this task (null = generate.method)",
    "attributes": "label -> sub-topics for the diversity variant (null = none)",
    "source": "file: a CSV, JSONL or Parquet file",
    "path": "copied here by synthdistill init (stage prepare depends on data/tasks/)",
    "text_field": "the field that holds the text",
    "label_field": "the field that holds the label",
    "output_field": "the field that holds the output text",
    "seed_per_label": "seeds per label: the few-shot examples and the seeds-only student",
    "test_per_label": "test examples per label (chosen by init to leave a pool)",
    "seed_count": "seed pairs: the few-shot examples and the seeds-only student",
    "test_count": "test pairs (chosen by init to leave a pool)",
}


def _commented(data: dict[str, Any]) -> CommentedMap:
    node = CommentedMap()
    for key, value in data.items():
        node[key] = _commented(value) if isinstance(value, dict) and key != "labels" else value
        if isinstance(value, dict) and key == "labels":
            node[key] = CommentedMap(value)
        if key in _COMMENTS:
            node.yaml_add_eol_comment(_COMMENTS[key], key)
    return node


def _null(representer: Any, data: None) -> Any:
    """null written as ``null`` (the file's style), not as an empty value."""
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def write_task(plan: TaskPlan, data: Path, params_path: Path, run_only: bool = True) -> None:
    """Copy ``data`` into ``data/tasks/`` and add the task to ``params_path`` (and to
    ``run_tasks``: the only task there when ``run_only``). Comments and the rest of the
    file are kept."""
    yaml = YAML()  # round-trip: comments, order and quoting kept
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)  # the file's own style
    yaml.representer.add_representer(type(None), _null)
    doc = yaml.load(params_path.read_text(encoding="utf-8"))
    tasks = doc.setdefault("tasks", CommentedMap())
    if plan.name in tasks:
        raise ParamsError(f"{params_path}: tasks.{plan.name} exists; choose another --task name")
    root = params_path.parent
    dest = root / plan.data_path
    dest.parent.mkdir(parents=True, exist_ok=True)
    if data.resolve() != dest.resolve():
        shutil.copyfile(data, dest)
    tasks[plan.name] = _commented(plan.block)
    key = RUN_LISTS[plan.kind]
    listed = doc.get(key)
    if not isinstance(listed, CommentedSeq):
        doc[key] = listed = CommentedSeq()
    # the comment after the list's last item (the next key's heading) moves with it
    tail = listed.ca.items.pop(len(listed) - 1, None) if len(listed) else None
    if run_only:
        del listed[:]
    listed.append(plan.name)
    if tail is not None:
        listed.ca.items[len(listed) - 1] = tail
    tmp = params_path.with_suffix(".yaml.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        yaml.dump(doc, handle)
    tmp.replace(params_path)
