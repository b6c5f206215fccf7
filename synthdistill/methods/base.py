"""What every generation method receives and returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from synthdistill.methods.parsing import parse_generated
from synthdistill.metrics.stats import share
from synthdistill.params import (
    ActiveParams,
    ArtefactParams,
    FinetuneParams,
    GenerateParams,
    SelfGuideParams,
    TaskParams,
)
from synthdistill.teachers.base import Completion
from synthdistill.teachers.teacher import Teacher

Example = dict[str, Any]


class InLoopTrainer(Protocol):
    """Trains a student on rows into ``out_dir`` (from the one saved in ``init``: a warm
    start) and returns it; ``name`` is the student's."""

    @property
    def name(self) -> str: ...

    def check_warm_start(self) -> None: ...

    def __call__(self, rows: list[Example], out_dir: Path, init: Path | None = None) -> Any: ...


@dataclass
class GenerationContext:
    task_name: str
    task: TaskParams
    params: GenerateParams
    teacher: Teacher
    seed_rows: list[Example]
    artefacts: ArtefactParams
    retrieved: list[Example] = field(default_factory=list)  # seed -> passage rows (retrieve)
    selfguide: SelfGuideParams | None = None  # method selfguide's knobs
    pool: list[Example] = field(default_factory=list)  # unlabelled inputs (annotation methods)
    finetune: FinetuneParams | None = None  # the fine-tuned teacher methods' knobs
    active: ActiveParams | None = None  # method active's knobs
    # method active: trains the in-loop student on rows into a directory (from the
    # student saved in ``init`` when given) and returns it (synthdistill.students.in_loop's
    # StudentTrainer; passed in so that methods import no student)
    student_trainer: InLoopTrainer | None = None


@dataclass
class GenerationResult:
    rows: list[Example] = field(default_factory=list)
    rejected: list[Example] = field(default_factory=list)
    per_call: Counter[int] = field(default_factory=Counter)  # examples per reply -> replies
    cuts: Counter[str] = field(default_factory=Counter)  # what extraction cut -> replies
    annotations: list[tuple[str, str]] = field(default_factory=list)  # (hidden gold, answer)
    details: dict[str, Any] = field(default_factory=dict)  # a method's own report entries

    def add(
        self,
        example_id: str,
        completion: Completion,
        label: str,
        ctx: GenerationContext,
        lineage: dict[str, Any],
    ) -> None:
        """Parse one teacher output into kept example(s) or a rejected one with a reason.

        A list reply kept item by item (``artefacts.list_items: each``) gives ids
        ``<id>``, ``<id>-1``, ``<id>-2``... with the same lineage.
        """
        task = ctx.task
        parsed = parse_generated(completion, label, task.labels, task.language, ctx.artefacts)
        lineage = {**lineage, "teacher_call": completion.key, "cut": list(parsed.cut)}
        self.per_call[len(parsed.texts)] += 1
        self.cuts.update(parsed.cut)
        if not parsed.texts:
            self.rejected.append(
                {
                    "id": example_id,
                    "text": completion.text,
                    "label": label,
                    "lineage": lineage,
                    "reason": parsed.reason,
                }
            )
        for k, text in enumerate(parsed.texts):
            row_id = f"{example_id}-{k}" if k else example_id
            self.rows.append({"id": row_id, "text": text, "label": label, "lineage": lineage})

    def skip(self, example_id: str, label: str, reason: str) -> None:
        """A budget unit that made no teacher call (e.g. no passage to rewrite)."""
        self.per_call[0] += 1
        self.rejected.append({"id": example_id, "text": "", "label": label, "reason": reason})

    def counts(self) -> dict[str, Any]:
        reasons = Counter(row["reason"] for row in self.rejected)
        return {
            "teacher_samples": sum(self.per_call.values()),
            "parsed": len(self.rows),
            "rejected": dict(sorted(reasons.items())),
            "examples_per_reply": {str(k): n for k, n in sorted(self.per_call.items())},
            "extraction_cuts": dict(sorted(self.cuts.items())),
            **({"annotation": self.annotation_score()} if self.annotations else {}),
            **self.details,
        }

    def annotation_rows(self) -> list[dict[str, str]]:
        """One row per scored annotation for a confusion plot (``dvc plots``)."""
        return [{"actual": gold, "predicted": answer} for gold, answer in self.annotations]

    def annotation_score(self) -> dict[str, Any]:
        """The teacher's annotation against the pool's hidden gold labels: accuracy (k, n,
        value, 95% Wilson interval) and the confusion counts ``gold -> answer -> n``."""
        right = sum(gold == answer for gold, answer in self.annotations)
        confusion: dict[str, Counter[str]] = {}
        for gold, answer in self.annotations:
            confusion.setdefault(gold, Counter())[answer] += 1
        return {
            "accuracy": share(right, len(self.annotations)),
            "confusion": {g: dict(sorted(c.items())) for g, c in sorted(confusion.items())},
        }


class GenerationMethod(Protocol):
    @property
    def name(self) -> str: ...

    def generate(self, ctx: GenerationContext) -> GenerationResult: ...


@dataclass(frozen=True)
class MethodSpec:
    """What a method module declares about one of its methods (its ``SPECS``): the name
    ``generate.method`` selects it by, the task kind it serves, the object that runs it,
    and what it needs from the stages around it. The registry
    (:mod:`synthdistill.methods`) and every stage read these instead of lists of names.

    The generate stage loads only what a spec asks for: the retrieved passages
    (``retrieval``: stages retrieve_index and retrieve build them), the LoRA adapter of
    stage tune_teacher (``tuned_teacher``), the task's student trained in the loop
    (``in_loop_student``), the student model as the generator (``self_generating``);
    ``shared_prefix`` marks methods whose every request repeats one long prefix (the
    teacher then serves them with one slot that reads it once).
    """

    name: str
    kind: str  # the task kind served: CLASSIFICATION or GENERATION
    method: GenerationMethod
    retrieval: bool = False
    tuned_teacher: bool = False
    in_loop_student: bool = False
    self_generating: bool = False
    shared_prefix: bool = False
