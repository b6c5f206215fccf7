"""params.yaml is the one source of knobs: strict top level, located YAML errors, and code
defaults that agree with it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from synthdistill.params import SECTIONS, ParamsError, load_raw, load_section

REPO = Path(__file__).resolve().parents[1]
PARAMS = REPO / "params.yaml"


@pytest.mark.parametrize("name", list(SECTIONS))
def test_code_defaults_agree_with_params_yaml(name: str) -> None:
    raw = yaml.safe_load(PARAMS.read_text())
    model = SECTIONS[name]
    in_yaml = model.model_validate(raw[name]).model_dump()
    # Fields without a code default (the artefact phrase lists) live in params.yaml only.
    defaults = {
        key: field.get_default(call_default_factory=True)
        for key, field in model.model_fields.items()
        if not field.is_required()
    }
    assert defaults == {key: in_yaml[key] for key in defaults}, name


def test_misspelt_section_is_an_error_listing_the_valid_ones(tmp_path: Path) -> None:
    text = PARAMS.read_text().replace("\ngenerate:\n", "\ngenrate:\n")
    bad = tmp_path / "params.yaml"
    bad.write_text(text)
    with pytest.raises(
        ParamsError, match=r"unknown top-level key\(s\) 'genrate'; valid keys: .*generate"
    ):
        load_section("teacher", bad)


def test_missing_section_is_an_error_not_a_silent_default(tmp_path: Path) -> None:
    raw = yaml.safe_load(PARAMS.read_text())
    del raw["generate"]
    bad = tmp_path / "params.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True))
    with pytest.raises(ParamsError, match="no 'generate' section"):
        load_section("generate", bad)


def test_yaml_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "params.yaml"
    bad.write_text("teacher:\n  backend: llamacpp\n  model: [unclosed\ngenerate:\n  budget: 3\n")
    with pytest.raises(ParamsError, match=rf"{bad}:\d+:\d+: YAML syntax error"):
        load_raw(bad)


def test_every_knob_in_params_yaml_has_a_comment() -> None:
    """Each `key: value` line of a section carries a `# ...` comment (style guide)."""
    missing = []
    for lineno, line in enumerate(PARAMS.read_text().splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "-")) or ":" not in stripped:
            continue
        key, _, value = stripped.partition(":")
        nested_value = not value.strip() or value.strip().startswith(">")
        if line.startswith("      ") or nested_value:
            continue  # label descriptions, attributes lists, mapping headers
        if "#" not in value:
            missing.append(f"params.yaml:{lineno}: {key}")
    assert not missing, "knobs without a comment:\n" + "\n".join(missing)
