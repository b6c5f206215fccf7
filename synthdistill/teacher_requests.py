"""Requests that ask the teacher for a task's answer, and the answers read back.

A classification task's request asks for a row's label (the seeds as few-shot turns, the
answer constrained to the label names); a generation task's asks for a row's output. The
teacher-prompting baseline (stage teacher_prompting) and the methods that let the teacher
label inputs (annotate, ft_annotate, SELF-GUIDE's label vote) share them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from synthdistill.generation import task_prompt
from synthdistill.params import TaskParams
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.teacher import Teacher
from synthdistill.templates import render
from synthdistill.text.answers import parse_label

Example = dict[str, Any]


def interleave_labels(rows: list[Example], limit: int | None) -> list[Example]:
    """The first ``limit`` rows taken label by label in turn (all rows if None).

    The test set is stored label by label; a plain head would score only the first labels.
    """
    queues: dict[str, list[Example]] = {}
    for row in rows:
        queues.setdefault(row["label"], []).append(row)
    order = [
        q[i]
        for i in range(max(map(len, queues.values()), default=0))
        for q in queues.values()
        if i < len(q)
    ]
    return order[:limit] if limit is not None else order


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
