"""Teacher prompting: the teacher labels the test set directly (the baseline students beat).

A fair baseline: the task's labelled seeds are the few-shot turns (the same for every
request, in a fixed order, so llama.cpp reuses their KV cache), and the answer is
constrained to the label names (a grammar on llama.cpp, a JSON schema on servers). The
requests and the reading of answers are :mod:`synthdistill.teacher_requests`; this module
measures the teacher as a classifier.
"""

from __future__ import annotations

import statistics
import time

from synthdistill.teachers.base import TeacherRequest
from synthdistill.teachers.teacher import Teacher


def teacher_latency(teacher: Teacher, requests: list[TeacherRequest]) -> dict[str, float]:
    """Uncached, one-at-a-time latency of the teacher as a classifier (ms per prediction).

    With shots, the shared prefix is already in llama.cpp's KV cache (a warm server).
    """
    timings = []
    for request in requests:
        start = time.perf_counter()
        teacher.backend.complete(request)
        timings.append((time.perf_counter() - start) * 1000)
    if not timings:
        return {}
    return {
        "latency_ms_batch1_median": round(statistics.median(timings), 1),
        "latency_probe_n": len(timings),
    }
