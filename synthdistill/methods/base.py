"""What every generation method receives and returns."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from synthdistill.params import GenerateParams, TaskParams
from synthdistill.teachers.teacher import Teacher

Example = dict[str, Any]


@dataclass
class GenerationContext:
    task_name: str
    task: TaskParams
    params: GenerateParams
    teacher: Teacher
    seed_rows: list[Example]
    pool_rows: list[Example] = field(default_factory=list)  # unlabelled use only
    retrieved: list[Example] = field(default_factory=list)  # seed -> passage rows (retrieve)


@dataclass
class GenerationResult:
    rows: list[Example] = field(default_factory=list)
    rejected: list[Example] = field(default_factory=list)

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
