"""The method registry is derived from the modules' declared specs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from synthdistill.errors import ParamsError
from synthdistill.methods import GENERATION_METHODS, METHODS, SPECS, get_method, get_spec

REPO = Path(__file__).resolve().parents[2]


def test_every_method_is_found_by_name_and_kind() -> None:
    assert set(METHODS) == {
        "zerogen",
        "fewgen",
        "paraphrase",
        "synthesizrr",
        "selfguide",
        "annotate",
        "ft_annotate",
        "ft_generate",
        "ft_both",
        "active",
    }
    assert set(GENERATION_METHODS) == {"fewgen", "selfguide"}
    for (name, kind), spec in SPECS.items():
        assert get_spec(name, kind) is spec and get_method(name, kind) is spec.method
        assert spec.method.name == name


def test_needs_are_declared_where_the_stages_read_them() -> None:
    needs = {
        "retrieval": {"synthesizrr"},
        "tuned_teacher": {"ft_annotate", "ft_generate", "ft_both"},
        "in_loop_student": {"active"},
        "self_generating": {"selfguide"},
        "shared_prefix": {"annotate"},
    }
    for need, names in needs.items():
        assert {name for (name, _), spec in SPECS.items() if getattr(spec, need)} == names


def test_an_unknown_method_lists_the_methods_of_the_task_kind() -> None:
    with pytest.raises(ParamsError, match="'paraphrase'; choose one of: fewgen, selfguide"):
        get_spec("paraphrase", "generation")


def test_params_yaml_names_every_method() -> None:
    """The comment on generate.method lists every classification method (a user reads it)."""
    line = next(
        line
        for line in (REPO / "params.yaml").read_text().splitlines()
        if line.strip().startswith("method: ") and "|" in line
    )
    listed = set(re.findall(r"[a-z_]+", line.split("#", 1)[1].split("(")[0]))
    assert listed == set(METHODS)
