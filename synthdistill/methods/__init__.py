"""Generation methods, selected by ``generate.method`` in params.yaml."""

from __future__ import annotations

from synthdistill.methods.base import GenerationContext, GenerationMethod, GenerationResult
from synthdistill.methods.labelgen import LabelConditionedGeneration
from synthdistill.methods.synthesizrr import RetrievalAugmentedGeneration
from synthdistill.params import check_choice

METHODS: dict[str, GenerationMethod] = {
    "zerogen": LabelConditionedGeneration("zerogen", few_shot=False),
    "fewgen": LabelConditionedGeneration("fewgen", few_shot=True),
    "synthesizrr": RetrievalAugmentedGeneration(),
}


def get_method(name: str) -> GenerationMethod:
    """The method called ``name``; an unknown name lists the valid ones."""
    check_choice("method", name, list(METHODS))
    return METHODS[name]


__all__ = ["METHODS", "GenerationContext", "GenerationResult", "get_method"]
