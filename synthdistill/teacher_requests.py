"""Requests that ask the teacher for a task's answer, and the answers read back.

A classification task's request asks for a row's label (the seeds as few-shot turns, the
answer constrained to the label names); a generation task's asks for a row's output. The
teacher-prompting baseline (stage teacher_prompting) and the methods that let the teacher
label inputs (annotate, ft_annotate, SELF-GUIDE's label vote) share them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from synthdistill.generation import task_prompt
from synthdistill.params import TaskParams
from synthdistill.task_kinds import CLASSIFICATION, GENERATION, task_kind
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.teacher import Teacher
from synthdistill.templates import render
from synthdistill.text.answers import parse_label

Example = dict[str, Any]


def classify_requests(
    task: TaskParams,
    rows: list[Example],
    max_tokens: int,
    shots: Sequence[Example] = (),
    constrained: bool = True,
) -> list[TeacherRequest]:
    """One greedy chat request per row asking for the label name.

    ``shots`` (labelled rows) become user/assistant turns before the row, in the given
    order; ``constrained`` limits the answer to the label names.
    """
    label_list = "\n".join(f"- {name}: {desc}" for name, desc in task.labels.items())
    system = render(
        task.language, "classify_system", task_description=task.description, label_list=label_list
    )
    sampling = SamplingParams(
        temperature=0.0,
        top_p=1.0,
        max_tokens=max_tokens,
        seed=0,
        choices=tuple(task.labels) if constrained else (),
    )
    prefix = [Message("system", system)]
    for shot in shots:
        prefix.append(Message("user", render(task.language, "classify_user", text=shot["text"])))
        prefix.append(Message("assistant", shot["label"]))
    return [
        TeacherRequest(
            messages=(
                *prefix,
                Message("user", render(task.language, "classify_user", text=row["text"])),
            ),
            params=sampling,
        )
        for row in rows
    ]


def teacher_classify(
    teacher: Teacher, task: TaskParams, rows: list[Example], requests: list[TeacherRequest]
) -> list[Example]:
    """Predictions for ``rows`` from their :func:`classify_requests` (``prediction`` is
    None when the answer names no single label)."""
    outputs = teacher.generate(requests, desc="teacher labels")
    return [
        {
            "id": row["id"],
            "label": row["label"],
            "prediction": parse_label(samples[0].text, task.labels),
            "answer": samples[0].text,
            "teacher_call": samples[0].key,
        }
        for row, samples in zip(rows, outputs, strict=True)
    ]


def generation_requests(
    task: TaskParams, rows: list[Example], max_tokens: int, shots: Sequence[Example] = ()
) -> list[TeacherRequest]:
    """A generation task's greedy chat request per row; ``shots`` (seed pairs) are earlier
    user/assistant turns, the same for every row (a shared, cached prefix)."""
    sampling = SamplingParams(temperature=0.0, top_p=1.0, max_tokens=max_tokens, seed=0)
    prefix: list[Message] = []
    for shot in shots:
        prefix += [Message("user", task_prompt(task, shot["text"]))]
        prefix += [Message("assistant", shot["output"])]
    return [
        TeacherRequest(
            messages=(*prefix, Message("user", task_prompt(task, row["text"]))), params=sampling
        )
        for row in rows
    ]


def teacher_answers(
    teacher: Teacher, rows: list[Example], requests: list[TeacherRequest]
) -> list[Example]:
    """The teacher's raw answers to a generation task's rows (scored by evaluate)."""
    outputs = teacher.generate(requests, desc="teacher answers")
    return [
        {
            "id": row["id"],
            "output": row["output"],
            "prediction": samples[0].text,
            "teacher_call": samples[0].key,
        }
        for row, samples in zip(rows, outputs, strict=True)
    ]


def _generation_requests(
    task: TaskParams, rows: list[Example], max_tokens: int, shots: Sequence[Example], _: bool
) -> list[TeacherRequest]:
    return generation_requests(task, rows, max_tokens, shots)  # an output is never constrained


def _generation_answers(
    teacher: Teacher, task: TaskParams, rows: list[Example], requests: list[TeacherRequest]
) -> list[Example]:
    return teacher_answers(teacher, rows, requests)


# Per task kind: how a request asks for a row's answer, and how the answers are read.
_ASK: dict[str, tuple[Callable[..., list[TeacherRequest]], Callable[..., list[Example]]]] = {
    CLASSIFICATION: (classify_requests, teacher_classify),
    GENERATION: (_generation_requests, _generation_answers),
}


def answer_requests(
    task: TaskParams,
    rows: list[Example],
    max_tokens: int,
    shots: Sequence[Example] = (),
    constrained: bool = True,
) -> list[TeacherRequest]:
    """The request per row that asks for its answer, as the task's kind asks: a label
    (:func:`classify_requests`, ``constrained`` to the label names) or an output
    (:func:`generation_requests`)."""
    return _ASK[task_kind(task).name][0](task, rows, max_tokens, shots, constrained)


def read_answers(
    teacher: Teacher, task: TaskParams, rows: list[Example], requests: list[TeacherRequest]
) -> list[Example]:
    """The teacher's answers to :func:`answer_requests`: rows of (id, gold answer,
    prediction, teacher call)."""
    return _ASK[task_kind(task).name][1](teacher, task, rows, requests)
