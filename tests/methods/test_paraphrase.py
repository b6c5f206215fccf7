"""Seed paraphrasing (``generate.method: paraphrase``) with the deterministic fake teacher."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from synthdistill.methods import GenerationContext, get_method, get_spec
from synthdistill.params import GenerateParams, TaskParams, load_section
from synthdistill.teachers.base import TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher

TASK = TaskParams.model_validate(
    {
        "language": "en",
        "data": {"source": "file"},
        "description": "news by topic",
        "labels": {"sports": "sport", "tech": "technology", "arts": "arts and culture"},
    }
)
SEEDS = [
    {"id": "s1", "text": "Federer wins again at Wimbledon.", "label": "sports"},
    {"id": "s2", "text": "Arsenal beat Chelsea 2-0.", "label": "sports"},
    {"id": "t1", "text": "Apple unveils a new phone.", "label": "tech"},
]


def _seed_in(request: TeacherRequest) -> str:
    return next(s["text"] for s in SEEDS if s["text"] in request.messages[-1].content)


def _run(
    tmp_path: Path, responder=None, seeds=SEEDS, **params: object
) -> tuple[object, FakeBackend]:  # type: ignore[no-untyped-def]
    backend = FakeBackend(responder)
    teacher = Teacher(backend, TeacherCache(tmp_path / "c.sqlite"), progress=False)
    ctx = GenerationContext(
        task_name="toy",
        task=TASK,
        params=GenerateParams.model_validate(params),
        teacher=teacher,
        seed_rows=list(seeds),
        artefacts=load_section("artefacts"),
    )
    return get_method("paraphrase").generate(ctx), backend


def _rewrite(request: TeacherRequest) -> str:
    return f"In other words: the report says that {_seed_in(request).lower()}"


def test_every_call_rewrites_one_seed_of_its_label_within_the_budget(tmp_path: Path) -> None:
    result, backend = _run(tmp_path, _rewrite, budget=7)
    assert len(backend.requests) == 7  # the budget, exactly
    rows = result.rows  # type: ignore[attr-defined]
    by_id = {s["id"]: s for s in SEEDS}
    assert rows and all(by_id[r["lineage"]["seed_id"]]["label"] == r["label"] for r in rows)
    # labels with seeds share the budget round-robin (arts has none: no call for it)
    assert Counter(r["label"] for r in rows) == {"sports": 4, "tech": 3}
    # within a label every seed is used before one is used again
    sports = [r["lineage"]["seed_id"] for r in rows if r["label"] == "sports"]
    assert sorted(sports[:2]) == ["s1", "s2"] and sorted(sports[2:]) == ["s1", "s2"]
    assert all(r["lineage"]["method"] == "paraphrase" for r in rows)


def test_the_prompt_shows_the_seed_and_its_label_and_the_rerun_is_free(tmp_path: Path) -> None:
    _, backend = _run(tmp_path, _rewrite, budget=3)
    asked = backend.requests[0].messages[-1].content
    assert _seed_in(backend.requests[0]) in asked and '"sports"' in asked
    assert backend.requests[0].messages[0].role == "system"
    _, again = _run(tmp_path, _rewrite, budget=3)
    assert again.calls == 0  # same requests: all cached


def test_a_copy_of_the_seed_is_dropped_with_a_reason(tmp_path: Path) -> None:
    result, _ = _run(tmp_path, lambda r: "  " + _seed_in(r) + " ", budget=4)
    reasons = Counter(row["reason"] for row in result.rejected)  # type: ignore[attr-defined]
    assert not result.rows and reasons == {"copy_of_seed": 4}  # type: ignore[attr-defined]
    assert result.counts()["teacher_samples"] == 4  # type: ignore[attr-defined]


def test_no_seeds_fails_before_any_call(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="paraphrase.*seed set is empty"):
        _run(tmp_path, _rewrite, seeds=[], budget=3)


def test_spec_needs_nothing_but_the_teacher() -> None:
    spec = get_spec("paraphrase")
    assert spec.kind == "classification"
    assert not (spec.retrieval or spec.tuned_teacher or spec.in_loop_student)
    assert not (spec.self_generating or spec.shared_prefix)
