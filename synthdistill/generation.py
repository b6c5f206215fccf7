"""Generation tasks: the prompt a model answers for one input, and answer clean-up."""

from __future__ import annotations

import re

from synthdistill.params import TaskParams


def task_prompt(task: TaskParams, text: str) -> str:
    """The user turn for one input: the task's instruction, a blank line, the input."""
    if not task.instruction:
        raise ValueError("a generation task needs tasks.<task>.instruction")
    return f"{task.instruction.strip()}\n\n{text.strip()}"


# A leading "Headline:" / "Answer:" / "Output:" the model adds before its answer.
_ANSWER_PREFIX = re.compile(
    r"^\s*(?:\*\*)?(?:headline|title|answer|output|summary)\s*(?:\*\*)?\s*[:：]\s*", re.I
)


def first_answer(text: str) -> str:
    """A model's answer as scored: its first non-empty line, a format prefix, markdown
    emphasis and wrapping quotes removed (a generation answer is one line)."""
    for line in text.splitlines():
        line = _ANSWER_PREFIX.sub("", line.strip()).replace("**", "").strip()
        if len(line) >= 2 and line[0] in "\"'“「" and line[-1] in "\"'”」":
            line = line[1:-1].strip()
        if line:
            return line
    return ""
