"""Active closed-loop generation with the deterministic fake teacher and the real TF-IDF
student: each criterion ranks hand-made student probabilities as expected, budget
accounting is exact (judge calls included), and a run killed mid-round resumes without
repeating a teacher call and ends with the same data."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synthdistill.errors import TeacherError
from synthdistill.methods import GenerationContext, get_method
from synthdistill.methods.active import (
    CRITERIA,
    criterion_scores,
    judge_calls,
    round_quotas,
    select,
    select_per_label,
    spearman,
)
from synthdistill.params import (
    ActiveParams,
    GenerateParams,
    ParamsError,
    TaskParams,
    TrainParams,
    load_section,
)
from synthdistill.students.in_loop import StudentTrainer
from synthdistill.teachers.base import TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher

TASK = TaskParams.model_validate(
    {
        "language": "en",
        "data": {"source": "file"},
        "description": "news by topic",
        "labels": {"sports": "sport and games", "tech": "technology"},
    }
)
SEEDS = [
    {"id": f"s{i}", "text": text, "label": label}
    for i, (text, label) in enumerate(
        [
            ("The football team won the league final on Saturday.", "sports"),
            ("A tennis player reached the semi-final at Wimbledon.", "sports"),
            ("The striker scored twice as the club beat its rivals.", "sports"),
            ("A new smartphone chip doubles battery life, the maker says.", "tech"),
            ("The software update fixes a security flaw in browsers.", "tech"),
            ("Engineers unveiled a faster laptop processor this week.", "tech"),
        ]
    )
]
WORDS = {
    "sports": ["match", "goal", "coach", "stadium", "cup"],
    "tech": ["chip", "app", "robot", "network", "cloud"],
}


def _responder(request: TeacherRequest) -> str:
    """Judge: a rating from the prompt's hash; generation: a sentence of the label's
    words, different per prompt and sampling seed."""
    content = request.messages[-1].content
    digest = int(hashlib.sha256(f"{content}|{request.params.seed}".encode()).hexdigest(), 16)
    if request.params.choices:
        return request.params.choices[digest % len(request.params.choices)]
    label = "sports" if "sport and games" in content else "tech"
    other = "tech" if label == "sports" else "sports"
    words = [WORDS[label][(digest >> k) % 5] for k in range(4)]
    if digest % 3 == 0:  # some children are ambiguous: one word of the other label
        words.append(WORDS[other][digest % 5])
    return f"A report about the {' '.join(words)} written on day {digest % 97}."


def _ctx(cache: Path, backend: FakeBackend, budget: int, **active) -> GenerationContext:  # type: ignore[no-untyped-def]
    teacher = Teacher(backend, TeacherCache(cache), progress=False)
    return GenerationContext(
        "toy",
        TASK,
        GenerateParams(method="active", budget=budget, max_tokens=48),
        teacher,
        SEEDS,
        load_section("artefacts"),
        active=ActiveParams.model_validate({"rounds": 3, **active}),
        student_trainer=StudentTrainer(list(TASK.labels), TrainParams(student="tfidf")),
    )


PROBA = np.array(
    [
        [0.98, 0.02],  # confident and right (intended label 0)
        [0.55, 0.45],  # unsure, right
        [0.10, 0.90],  # confident and wrong
    ]
)
TARGETS = np.array([0, 0, 0])


def test_loss_ranks_the_confidently_wrong_candidate_first() -> None:
    scores = criterion_scores("loss", PROBA, TARGETS, random.Random(0))
    assert list(np.argsort(-scores)) == [2, 1, 0]
    assert scores[0] == pytest.approx(-np.log(0.98))


def test_entropy_and_margin_rank_the_unsure_candidate_first() -> None:
    for criterion in ("entropy", "margin"):
        scores = criterion_scores(criterion, PROBA, TARGETS, random.Random(0))
        assert list(np.argsort(-scores)) == [1, 2, 0], criterion
    margin = criterion_scores("margin", PROBA, TARGETS, random.Random(0))
    assert margin[1] == pytest.approx(1 - 0.10)


def test_random_scores_depend_only_on_the_seed() -> None:
    a = criterion_scores("random", PROBA, TARGETS, random.Random(3))
    b = criterion_scores("random", PROBA, TARGETS, random.Random(3))
    assert list(a) == list(b) and len(set(a)) == 3
    with pytest.raises(ValueError, match="llm_judge"):
        criterion_scores("llm_judge", PROBA, TARGETS, random.Random(0))


def test_select_top_skips_unrated_and_wraps_when_short() -> None:
    scores = np.array([0.2, np.nan, 0.9, 0.5])
    assert select(scores, 2, "top", random.Random(0)) == [2, 3]
    assert select(scores, 5, "top", random.Random(0)) == [2, 3, 0, 2, 3]
    assert select(np.array([np.nan]), 3, "top", random.Random(0)) == []


def test_per_label_selection_splits_the_quota_over_the_labels() -> None:
    scores = np.array([0.9, 0.8, 0.7, 0.1, 0.2, np.nan])
    labels = ["a", "a", "a", "b", "b", "c"]
    assert select(scores, 2, "top", random.Random(0)) == [0, 1]  # overall: both of label a
    assert select_per_label(scores, labels, 2, "top", random.Random(0)) == [0, 4]
    # the odd pick goes to the label whose best candidate is hardest; c has none rated
    assert select_per_label(scores, labels, 5, "top", random.Random(0)) == [0, 1, 2, 4, 3]
    assert select_per_label(scores, labels, 0, "top", random.Random(0)) == []
    assert select_per_label(np.array([np.nan]), ["a"], 2, "top", random.Random(0)) == []


def test_per_label_rounds_select_every_label_equally(tmp_path: Path) -> None:
    backend = FakeBackend(_responder)
    ctx = _ctx(tmp_path / "c.sqlite", backend, budget=12, per_label=True)
    report = get_method("active").generate(ctx).counts()["active"]
    assert backend.calls == 12 and report["per_label"] is True
    for rnd in report["rounds"]:
        assert rnd["selected_labels"] == {"sports": 2, "tech": 2}


def test_proportional_selection_favours_high_scores() -> None:
    scores = np.array([0.01, 10.0, 0.01, 0.01])
    firsts = [select(scores, 1, "proportional", random.Random(s))[0] for s in range(50)]
    assert firsts.count(1) > 40
    picked = select(scores, 4, "proportional", random.Random(0))
    assert sorted(picked) == [0, 1, 2, 3]  # without replacement


def test_quotas_and_judge_calls_spend_exactly_the_budget() -> None:
    assert round_quotas(10, 3) == [4, 3, 3]
    assert sum(round_quotas(81, 4)) == 81
    assert judge_calls(10, 0.5, unrated=100) == 5
    assert judge_calls(10, 0.5, unrated=2) == 2  # cannot rate more than are unrated
    assert judge_calls(10, 0.99, unrated=100) == 9  # at least one call generates
    assert judge_calls(1, 0.5, unrated=100) == 0


def test_spearman_needs_three_varied_pairs() -> None:
    assert spearman([1, 2, 3], [1, 2, 3]) == 1.0
    assert spearman([1, 2], [1, 2]) is None
    assert spearman([1, 1, 1], [1, 2, 3]) is None


@pytest.mark.parametrize("criterion", CRITERIA)
def test_budget_is_exact_and_rows_carry_their_round_and_parent(
    tmp_path: Path, criterion: str
) -> None:
    backend = FakeBackend(_responder)
    ctx = _ctx(tmp_path / "c.sqlite", backend, budget=10, criterion=criterion)
    result = get_method("active").generate(ctx)
    assert backend.calls == 10  # judge ratings included
    report = result.counts()["active"]
    assert [r["calls"] for r in report["rounds"]] == [4, 3, 3]
    judged = sum(r["judge_calls"] for r in report["rounds"])
    generated = sum(r["generation_calls"] for r in report["rounds"])
    assert judged + generated == 10
    assert (judged > 0) == (criterion == "llm_judge")
    ratings = [sum((r["judge_ratings"] or {}).values()) for r in report["rounds"]]
    assert ratings == [r["judge_calls"] for r in report["rounds"]]  # every rating counted
    known = {s["id"] for s in SEEDS}
    for row in sorted(result.rows, key=lambda r: r["lineage"]["round"]):
        assert row["lineage"]["parent_id"] in known  # a seed or an earlier round's row
        known.add(row["id"])
    first = report["rounds"][0]
    assert first["selected_synthetic"] == 0 and first["candidates"] == len(SEEDS)
    assert report["rounds"][-1]["candidates"] > len(SEEDS)


def test_loss_selection_follows_the_student(tmp_path: Path) -> None:
    """The selected parents are the candidates with the highest loss under the round's
    student, and each child has a score from the same student (the correlation pairs)."""
    backend = FakeBackend(_responder)
    result = get_method("active").generate(_ctx(tmp_path / "c.sqlite", backend, budget=6))
    rounds = result.counts()["active"]["rounds"]
    for row in result.rows:
        assert "child_score" in row["lineage"]
    # the first round's parents are seeds, in descending score order
    first = [r for r in result.rows if r["lineage"]["round"] == 1]
    parent_scores = [r["lineage"]["parent_score"] for r in first]
    assert parent_scores == sorted(parent_scores, reverse=True)
    assert rounds[0]["parent_score_median"] is not None


def test_a_killed_run_resumes_without_repeating_a_call(tmp_path: Path) -> None:
    reference = FakeBackend(_responder)
    expected = get_method("active").generate(_ctx(tmp_path / "ref.sqlite", reference, 12))
    for kill_at in (2, 5, 9):
        cache = tmp_path / f"kill{kill_at}.sqlite"
        dying = FakeBackend(_responder, fail_after=kill_at)
        with pytest.raises(TeacherError):
            get_method("active").generate(_ctx(cache, dying, 12))
        survivor = FakeBackend(_responder)
        resumed = get_method("active").generate(_ctx(cache, survivor, 12))
        assert dying.calls + survivor.calls == 12, kill_at  # no call made twice
        assert resumed.rows == expected.rows


def test_bad_criterion_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="loss"):
        ActiveParams.model_validate({"criterion": "confidence"})


@dataclass
class RecordingTrainer:
    """The TF-IDF student, recording which directory each round starts from."""

    inits: list[Path | None] = field(default_factory=list)
    name: str = "recording"

    def check_warm_start(self) -> None:
        pass

    def __call__(self, rows: list[dict[str, Any]], out_dir: Path, init: Path | None = None) -> Any:
        self.inits.append(init)
        return StudentTrainer(list(TASK.labels), TrainParams(student="tfidf"))(rows, out_dir)


@pytest.mark.parametrize("warm", [False, True])
def test_warm_start_trains_each_round_from_the_previous_student(tmp_path: Path, warm: bool) -> None:
    trainer = RecordingTrainer()
    ctx = _ctx(tmp_path / "c.sqlite", FakeBackend(_responder), budget=6, warm_start=warm)
    ctx.student_trainer = trainer
    report = get_method("active").generate(ctx).counts()["active"]
    assert report["warm_start"] is warm
    if warm:  # round 1 starts from the pretrained model, round r from round r - 1
        assert trainer.inits[0] is None
        assert [p.name for p in trainer.inits[1:] if p] == ["round-1", "round-2"]
    else:
        assert trainer.inits == [None, None, None]


def test_warm_start_with_a_linear_student_fails_before_any_call(tmp_path: Path) -> None:
    backend = FakeBackend(_responder)
    ctx = _ctx(tmp_path / "c.sqlite", backend, budget=6, warm_start=True)  # tfidf
    with pytest.raises(ParamsError, match="warm_start"):
        get_method("active").generate(ctx)
    assert backend.calls == 0
