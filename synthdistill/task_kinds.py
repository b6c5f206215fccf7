"""Task kinds: what a task's rows hold and how each kind is split, prompted and checked.

A task declares ``kind:`` in params.yaml (``classification``: text -> one of its labels;
``generation``: input text -> output text). Stages and methods ask the task's kind
(:func:`task_kind`) instead of branching on its name: the row schema (the field that
holds the answer), how a raw record's answer is read, the seed / test / pool split, the
order in which rows are shown as shots or scored, and what the kind supports. The kind's
student family, evaluator, cleaning and teacher requests live with those concerns and
are looked up by the kind's name (``students.families.STUDENT_FAMILIES``,
``evaluation.EVALUATORS``, ``preprocess.CLEANERS``, ``teacher_requests``), so a stage
that never trains a model never depends on the student code.

Adding a kind: a :class:`TaskKind` subclass here, registered in :data:`KINDS`, and an
entry in each of those tables.
"""

from __future__ import annotations

import math
import random
import re
from abc import ABC, abstractmethod
from collections import defaultdict
from typing import Any, ClassVar

from synthdistill.errors import DataError, ParamsError
from synthdistill.params import TaskParams, check_choice

Example = dict[str, Any]
SPLITS = ("seed", "test", "pool")
CLASSIFICATION = "classification"
GENERATION = "generation"


class TaskKind(ABC):
    """One kind of task. ``target`` is the row field that holds the answer."""

    name: ClassVar[str]
    target: ClassVar[str]
    # Whether the LoRA-tuned teacher can answer this kind's test set (teacher_prompting).
    tuned_prompting: ClassVar[bool] = False
    # (section, key) of the max new tokens of a teacher's answer in teacher_prompting.
    answer_budget: ClassVar[tuple[str, str]]
    # The tasks.<task>.data keys that size the split: (seeds, test rows); the rest: pool.
    split_keys: ClassVar[tuple[str, str]]

    @property
    def fields(self) -> tuple[str, str, str]:
        """The fields every row of this kind holds."""
        return ("id", "text", self.target)

    @abstractmethod
    def source_field(self, task: TaskParams) -> str:
        """The raw record's field that holds the answer (``data.label_field`` / ...)."""

    @abstractmethod
    def answer(self, raw: Any, where: str, task: TaskParams) -> str:
        """A raw record's answer as stored in a row; ``where`` names the record in errors."""

    @abstractmethod
    def split(self, rows: list[Example], task: TaskParams, seed: int) -> dict[str, list[Example]]:
        """The deterministic seed / test / pool split."""

    def grow_seeds(
        self, splits: dict[str, list[Example]], task: TaskParams, fraction: float, seed: int
    ) -> dict[str, list[Example]]:
        """``splits`` with the seeds grown to ``fraction`` of the non-test rows."""
        raise ParamsError(f"prepare.gold_fraction: not for {self.name} tasks (set it to null)")

    @abstractmethod
    def take(self, rows: list[Example], limit: int | None) -> list[Example]:
        """The first ``limit`` rows (all if None) in an order fair to every answer: the
        seeds a model sees as shots, the test rows a costly baseline scores."""


class Classification(TaskKind):
    """Text -> one of the task's labels; splits and shots are stratified by label."""

    name = CLASSIFICATION
    target = "label"
    tuned_prompting = True
    answer_budget = ("teacher_prompting", "max_tokens")
    split_keys = ("seed_per_label", "test_per_label")

    def source_field(self, task: TaskParams) -> str:
        return task.data.label_field

    def answer(self, raw: Any, where: str, task: TaskParams) -> str:
        raw_label = str(raw)
        label = (task.data.label_map or {}).get(raw_label, raw_label)
        if label not in task.labels:
            raise DataError(
                f"{where}: field '{task.data.label_field}' has label '{raw_label}' which is "
                f"not in the task; valid labels: {', '.join(task.labels)}"
            )
        return label

    def split(self, rows: list[Example], task: TaskParams, seed: int) -> dict[str, list[Example]]:
        return split_by_label(rows, task, seed)

    def grow_seeds(
        self, splits: dict[str, list[Example]], task: TaskParams, fraction: float, seed: int
    ) -> dict[str, list[Example]]:
        return grow_seeds_by_label(splits, task, fraction, seed)

    def take(self, rows: list[Example], limit: int | None) -> list[Example]:
        return interleave_labels(rows, limit)


class Generation(TaskKind):
    """Input text -> output text (e.g. a headline); an LM student."""

    name = GENERATION
    target = "output"
    answer_budget = ("lm", "max_new_tokens")  # the students' answer budget: the same room
    split_keys = ("seed_count", "test_count")

    def source_field(self, task: TaskParams) -> str:
        return task.data.output_field

    def answer(self, raw: Any, where: str, task: TaskParams) -> str:
        return re.sub(r"\s+", " ", str(raw)).strip()

    def split(self, rows: list[Example], task: TaskParams, seed: int) -> dict[str, list[Example]]:
        return split_pairs(rows, task, seed)

    def take(self, rows: list[Example], limit: int | None) -> list[Example]:
        return rows[:limit] if limit is not None else list(rows)


KINDS: dict[str, TaskKind] = {kind.name: kind for kind in (Classification(), Generation())}


def task_kind(task: TaskParams | str) -> TaskKind:
    """The kind of ``task`` (or the kind called so); an unknown name lists the valid ones."""
    name = task if isinstance(task, str) else task.kind
    return KINDS[check_choice("task kind", name, list(KINDS))]


def interleave_labels(rows: list[Example], limit: int | None) -> list[Example]:
    """The first ``limit`` rows taken label by label in turn (all rows if None).

    The test set is stored label by label; a plain head would score only the first labels.
    """
    queues: dict[str, list[Example]] = {}
    for row in rows:
        queues.setdefault(row["label"], []).append(row)
    order = [
        q[i]
        for i in range(max(map(len, queues.values()), default=0))
        for q in queues.values()
        if i < len(q)
    ]
    return order[:limit] if limit is not None else order


def split_pairs(rows: list[Example], task: TaskParams, seed: int) -> dict[str, list[Example]]:
    """Deterministic split of input -> output pairs: ``seed_count`` seeds, ``test_count``
    test pairs, the rest the pool (its outputs only for the gold-pairs baseline)."""
    need = task.data.seed_count + task.data.test_count
    if len(rows) < need:
        raise DataError(f"the task has {len(rows)} pairs; seed_count + test_count = {need} needed")
    order = sorted(rows, key=lambda r: r["id"])
    random.Random(f"{seed}:pairs").shuffle(order)
    n_seed = task.data.seed_count
    return {
        "seed": order[:n_seed],
        "test": order[n_seed:need],
        "pool": order[need:],
    }


def split_by_label(rows: list[Example], task: TaskParams, seed: int) -> dict[str, list[Example]]:
    """Deterministic stratified split: ``seed_per_label`` / ``test_per_label`` / the rest.

    Rows that share a ``group`` (e.g. sentences of one article) are never split between
    test and pool: test takes whole groups, so one article's words cannot sit in both.
    Seeds come from as many groups as possible (the rest of a seed's group joins the
    pool), so few-shot prompts and the seeds-only baseline see many articles, not one.
    Without groups every row is its own group and the split is a plain shuffle. The pool
    keeps its gold labels only for the gold-student baseline.
    """
    by_label: dict[str, list[Example]] = defaultdict(list)
    for row in rows:
        by_label[row["label"]].append(row)
    splits: dict[str, list[Example]] = {name: [] for name in SPLITS}
    for label in task.labels:
        items = sorted(by_label.get(label, []), key=lambda r: r["id"])
        need = task.data.seed_per_label + task.data.test_per_label
        if len(items) < need:
            raise DataError(
                f"label '{label}' has {len(items)} examples; seed_per_label + test_per_label "
                f"= {need} needed"
            )
        groups: dict[str, list[Example]] = defaultdict(list)
        for row in items:
            groups[str(row.get("group", row["id"]))].append(row)
        keys = list(groups)
        random.Random(f"{seed}:{label}").shuffle(keys)
        # Seeds round-robin over the first groups (one group per seed, at most a third of
        # the groups, so whole groups are left for the test set); the rest of those
        # groups joins the pool. Ungrouped rows: seeds are the first shuffled rows.
        n_seed_groups = min(task.data.seed_per_label, max(1, len(keys) // 3))
        seed_groups = [groups[key] for key in keys[:n_seed_groups]]
        seed_rows: list[Example] = []
        depth = 0
        while len(seed_rows) < task.data.seed_per_label and depth < len(items):
            for members in seed_groups:
                if depth < len(members) and len(seed_rows) < task.data.seed_per_label:
                    seed_rows.append(members[depth])
            depth += 1
        chosen = {id(row) for row in seed_rows}
        pool_rows = [row for members in seed_groups for row in members if id(row) not in chosen]
        test_rows: list[Example] = []
        for key in keys[len(seed_groups) :]:
            if len(test_rows) < task.data.test_per_label:
                test_rows += groups[key]
            else:
                pool_rows += groups[key]
        if len(seed_rows) < task.data.seed_per_label or len(test_rows) < task.data.test_per_label:
            raise DataError(
                f"label '{label}': {len(seed_rows)} seeds and "
                f"{len(test_rows)} test examples in whole groups; seed_per_label = "
                f"{task.data.seed_per_label}, test_per_label = {task.data.test_per_label}"
            )
        splits["seed"] += seed_rows
        splits["test"] += test_rows
        splits["pool"] += pool_rows
    return splits


def grow_seeds_by_label(
    splits: dict[str, list[Example]], task: TaskParams, fraction: float, seed: int
) -> dict[str, list[Example]]:
    """``splits`` with the seed set grown to ``fraction`` of each label's non-test rows
    (seed + pool; at least the seeds): the seeds, then that label's pool rows in a fixed
    seeded order, so a larger fraction's seed set contains a smaller one's (nested). The
    test set is untouched (no test row can become gold); the pool keeps the rest.
    """
    seeds: list[Example] = []
    pool: list[Example] = []
    for label in task.labels:
        own_seeds = [r for r in splits["seed"] if r["label"] == label]
        own_pool = sorted((r for r in splits["pool"] if r["label"] == label), key=lambda r: r["id"])
        random.Random(f"{seed}:gold:{label}").shuffle(own_pool)
        total = len(own_seeds) + len(own_pool)
        extra = max(0, math.ceil(fraction * total) - len(own_seeds))
        seeds += own_seeds + own_pool[:extra]
        pool += own_pool[extra:]
    return {**splits, "seed": seeds, "pool": pool}
