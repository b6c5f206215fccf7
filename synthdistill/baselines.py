"""Teacher prompting: the teacher labels the test set directly, zero-shot."""

from __future__ import annotations

import statistics
import time
from typing import Any

from synthdistill.methods.parsing import parse_label
from synthdistill.methods.prompts import render
from synthdistill.params import TaskParams
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.teacher import Teacher

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
    task: TaskParams, rows: list[Example], max_tokens: int
) -> list[TeacherRequest]:
    """One greedy chat request per row asking for the label name."""
    label_list = "\n".join(f"- {name}: {desc}" for name, desc in task.labels.items())
    system = render(
        task.language, "classify_system", task_description=task.description, label_list=label_list
    )
    sampling = SamplingParams(temperature=0.0, top_p=1.0, max_tokens=max_tokens, seed=0)
    return [
        TeacherRequest(
            messages=(
                Message("system", system),
                Message("user", render(task.language, "classify_user", text=row["text"])),
            ),
            params=sampling,
        )
        for row in rows
    ]


def teacher_classify(
    teacher: Teacher, task: TaskParams, rows: list[Example], max_tokens: int
) -> list[Example]:
    """Predictions (``prediction`` is None when the answer names no single label)."""
    outputs = teacher.generate(classify_requests(task, rows, max_tokens), desc="teacher labels")
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


def teacher_latency(
    teacher: Teacher, task: TaskParams, rows: list[Example], max_tokens: int
) -> dict[str, float]:
    """Uncached, one-at-a-time latency of the teacher as a classifier (ms per prediction)."""
    timings = []
    for request in classify_requests(task, rows, max_tokens):
        start = time.perf_counter()
        teacher.backend.complete(request)
        timings.append((time.perf_counter() - start) * 1000)
    if not timings:
        return {}
    return {
        "latency_ms_batch1_median": round(statistics.median(timings), 1),
        "latency_probe_n": len(timings),
    }
