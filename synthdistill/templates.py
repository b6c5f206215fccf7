"""Prompt templates are files (synthdistill/prompts/<lang>/<name>.txt), filled by name."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from string import Template

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


@cache
def load_template(lang: str, name: str) -> Template:
    """The template for ``lang``, falling back to English; a missing file is an error."""
    for folder in (lang, "en"):
        path = PROMPTS_DIR / folder / f"{name}.txt"
        if path.exists():
            return Template(path.read_text(encoding="utf-8").strip())
    raise FileNotFoundError(f"no prompt template '{name}' for language '{lang}' in {PROMPTS_DIR}")


def render(lang: str, name: str, **fields: object) -> str:
    """Fill a template; a missing field raises KeyError naming it."""
    return load_template(lang, name).substitute({k: str(v) for k, v in fields.items()})


# The templates whose words make up a generation prompt's instructions (prompt-echo check).
GENERATION_TEMPLATES = (
    "labelgen_system",
    "labelgen_user_zeroshot",
    "labelgen_user_fewshot",
    "synthesizrr_system",
    "synthesizrr_user",
)


def instruction_text(lang: str, description: str, labels: dict[str, str]) -> str:
    """Every generation prompt's own words for a task, example slots left empty."""
    parts: dict[str, None] = {}
    for name in GENERATION_TEMPLATES:
        for label, label_description in labels.items():
            text = render(
                lang,
                name,
                task_description=description,
                label=label,
                label_description=label_description,
                examples="",
                seed="",
                passage="",
            )
            parts[text] = None
    return "\n".join(parts)


def classify_prompt(text: str, labels: Sequence[str], lang: str) -> str:
    """The one user turn that asks for ``text``'s label among ``labels``."""
    system = render(
        lang,
        "classify_system",
        task_description="choose the category of the text",
        label_list="\n".join(f"- {label}" for label in labels),
    )
    return f"{system}\n\n{render(lang, 'classify_user', text=text)}"
