"""What every generation method receives and returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from synthdistill.methods.parsing import parse_generated
from synthdistill.params import GenerateParams, TaskParams
from synthdistill.teachers.base import Completion
from synthdistill.teachers.teacher import Teacher

Example = dict[str, Any]


@dataclass
class GenerationContext:
    task_name: str
    task: TaskParams
    params: GenerateParams
    teacher: Teacher
    seed_rows: list[Example]
    retrieved: list[Example] = field(default_factory=list)  # seed -> passage rows (retrieve)


@dataclass
class GenerationResult:
    rows: list[Example] = field(default_factory=list)
    rejected: list[Example] = field(default_factory=list)

    def add(
        self,
        example_id: str,
        completion: Completion,
        label: str,
        ctx: GenerationContext,
        lineage: dict[str, Any],
    ) -> None:
        """Parse one teacher output into a kept example or a rejected one with a reason."""
        text, reason = parse_generated(completion, label, ctx.task.labels, ctx.task.language)
        example: Example = {
            "id": example_id,
            "text": text if text is not None else completion.text,
            "label": label,
            "lineage": {**lineage, "teacher_call": completion.key},
        }
        if text is None:
            self.rejected.append({**example, "reason": reason})
        else:
            self.rows.append(example)

    def counts(self) -> dict[str, Any]:
        reasons = Counter(row["reason"] for row in self.rejected)
        return {
            "teacher_samples": len(self.rows) + len(self.rejected),
            "parsed": len(self.rows),
            "rejected": dict(sorted(reasons.items())),
        }


class GenerationMethod(Protocol):
    @property
    def name(self) -> str: ...

    def generate(self, ctx: GenerationContext) -> GenerationResult: ...
