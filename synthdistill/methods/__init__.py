"""Generation methods, selected by ``generate.method`` in params.yaml."""

from __future__ import annotations

from synthdistill.methods.active import ActiveGeneration
from synthdistill.methods.base import GenerationContext, GenerationMethod, GenerationResult
from synthdistill.methods.finetuned import SHARED_PREFIX, TUNED_TEACHER, FinetunedTeacher
from synthdistill.methods.labelgen import LabelConditionedGeneration
from synthdistill.methods.pairgen import PairGeneration
from synthdistill.methods.selfguide import SelfGuide
from synthdistill.methods.synthesizrr import RetrievalAugmentedGeneration
from synthdistill.params import check_choice

METHODS: dict[str, GenerationMethod] = {
    "zerogen": LabelConditionedGeneration("zerogen", few_shot=False),
    "fewgen": LabelConditionedGeneration("fewgen", few_shot=True),
    "synthesizrr": RetrievalAugmentedGeneration(),
    "selfguide": SelfGuide(),
    **{name: FinetunedTeacher(name) for name in ("annotate", *TUNED_TEACHER)},
    "active": ActiveGeneration(),
}
# Generation tasks (input -> output pairs): the methods by name.
GENERATION_METHODS: dict[str, GenerationMethod] = {
    "fewgen": PairGeneration(),
    "selfguide": SelfGuide(),
}
# Methods whose generator is the student model itself, not the task's teacher.
SELF_GENERATING = ("selfguide",)


def get_method(name: str, kind: str = "classification") -> GenerationMethod:
    """The method called ``name`` for a task of ``kind``; an unknown name lists the valid
    ones for that kind."""
    methods = GENERATION_METHODS if kind == "generation" else METHODS
    check_choice(f"method for a {kind} task", name, list(methods))
    return methods[name]


__all__ = [
    "GENERATION_METHODS",
    "METHODS",
    "SELF_GENERATING",
    "SHARED_PREFIX",
    "TUNED_TEACHER",
    "GenerationContext",
    "GenerationResult",
    "get_method",
]
