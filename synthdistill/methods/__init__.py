"""Generation methods, selected by ``generate.method`` in params.yaml.

Each method module declares its methods in a ``SPECS`` tuple of
:class:`~synthdistill.methods.base.MethodSpec` (name, task kind, implementation, what it
needs from the stages); this registry collects the specs of every module in the package,
so a new method is one module (see the "Add a method" how-to in the docs).
"""

from __future__ import annotations

import importlib
import pkgutil

from synthdistill.methods.base import (
    GenerationContext,
    GenerationMethod,
    GenerationResult,
    MethodSpec,
)
from synthdistill.params import check_choice
from synthdistill.task_kinds import CLASSIFICATION, GENERATION


def _collect() -> dict[tuple[str, str], MethodSpec]:
    """Every module's ``SPECS``, by (name, task kind); a name declared twice for one kind is
    a programming error."""
    specs: dict[tuple[str, str], MethodSpec] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for spec in getattr(module, "SPECS", ()):
            key = (spec.name, spec.kind)
            if key in specs:
                raise RuntimeError(f"method '{spec.name}' ({spec.kind}) is declared twice")
            specs[key] = spec
    return specs


SPECS = _collect()
# The methods by name, for each task kind.
METHODS: dict[str, GenerationMethod] = {
    name: spec.method for (name, kind), spec in SPECS.items() if kind == CLASSIFICATION
}
GENERATION_METHODS: dict[str, GenerationMethod] = {
    name: spec.method for (name, kind), spec in SPECS.items() if kind == GENERATION
}


def get_spec(name: str, kind: str = CLASSIFICATION) -> MethodSpec:
    """The spec of method ``name`` for a task of ``kind``; an unknown name lists the valid
    ones for that kind."""
    names = sorted(n for n, k in SPECS if k == kind)
    check_choice(f"method for a {kind} task", name, names)
    return SPECS[(name, kind)]


def get_method(name: str, kind: str = CLASSIFICATION) -> GenerationMethod:
    """The method called ``name`` for a task of ``kind`` (see :func:`get_spec`)."""
    return get_spec(name, kind).method


__all__ = [
    "GENERATION_METHODS",
    "METHODS",
    "SPECS",
    "GenerationContext",
    "GenerationMethod",
    "GenerationResult",
    "MethodSpec",
    "get_method",
    "get_spec",
]
