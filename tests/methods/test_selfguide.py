"""SELF-GUIDE's control flow with the deterministic fake teacher: exact budget, input
filters with reasons, self-consistency voting, class balance, what the prompts hold."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from synthdistill.methods import GenerationContext, get_method
from synthdistill.methods.selfguide import length_band, majority
from synthdistill.params import GenerateParams, SelfGuideParams, TaskParams, load_section
from synthdistill.teachers.base import TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher

GEN_TASK = TaskParams.model_validate(
    {
        "language": "en",
        "kind": "generation",
        "data": {"source": "file"},
        "description": "headlines",
        "instruction": "Write the headline of this article.",
    }
)
GEN_SEEDS = [
    {"id": f"s{i}", "text": f"Seed article number {i} about a market rally{pad}.", "output": o}
    for i, (o, pad) in enumerate(
        [
            ("Markets rally", ""),
            ("Shares climb", " today"),
            ("Stocks rise again", " in Asia and Europe"),
            ("Oil falls", " in London trading today"),
        ]
    )
]
CLS_TASK = TaskParams.model_validate(
    {
        "language": "en",
        "data": {"source": "file"},
        "description": "news by topic",
        "labels": {"sports": "sport", "tech": "technology"},
    }
)
CLS_SEEDS = [
    {"id": "a", "text": "Federer wins again at Wimbledon today.", "label": "sports"},
    {"id": "b", "text": "Apple unveils a new phone this week.", "label": "tech"},
]


def _is_input_prompt(request: TeacherRequest) -> bool:
    return request.prompt is not None and "Good inputs:" in request.prompt


def _ctx(tmp_path: Path, responder, task=GEN_TASK, seeds=GEN_SEEDS, budget=50, **sg):  # type: ignore[no-untyped-def]
    backend = FakeBackend(responder)
    teacher = Teacher(backend, TeacherCache(tmp_path / "c.sqlite"), progress=False)
    params = GenerateParams(method="selfguide", budget=budget, max_tokens=16)
    selfguide = SelfGuideParams.model_validate(
        {
            "batch_size": 4,
            "samples": 3,
            "noise_phrases": ["of course"],
            "min_input_chars": 0,
            "input_length_sd": 2.0,
            **sg,
        }
    )
    ctx = GenerationContext(
        "toy", task, params, teacher, seeds, load_section("artefacts"), selfguide=selfguide
    )
    return ctx, backend


def test_majority_vote_prefers_frequent_then_short() -> None:
    assert majority(["Rally on", "rally  on", "A long answer"]) == ("Rally on", 2)
    assert majority(["bbb", "a", "cc"]) == ("a", 1)  # all tied: the shortest
    assert majority(["", "  "]) == ("", 0)


def test_length_band_is_mean_plus_minus_sd() -> None:
    low, high = length_band(["aa", "aaaa"], 2.0)
    assert low == pytest.approx(3 - 2 * 1.41421356, abs=1e-6)
    assert high == pytest.approx(3 + 2 * 1.41421356, abs=1e-6)


def test_budget_is_exact_and_filters_count_reasons(tmp_path: Path) -> None:
    counter = itertools.count()

    def respond(request: TeacherRequest) -> str:
        if _is_input_prompt(request):
            k = next(counter)
            return [
                f"A brand new article number {k} about rising prices today.",
                "Of course! Here is an article about prices rising.",  # noise
                "Seed article number 1 about a market rally today.",  # a seed again
                "Too short.",  # length
            ][k % 4]
        return "Prices rise" if request.params.seed % 3 else "Something else entirely"

    ctx, backend = _ctx(tmp_path, respond, budget=50)
    result = get_method("selfguide", ctx.task.kind).generate(ctx)
    assert backend.calls <= 50
    reasons = result.counts()["rejected"]
    assert reasons["noise"] >= 1 and reasons["duplicate"] >= 1 and reasons["length"] >= 1
    kept = result.rows
    assert kept and all(r["output"] == "Prices rise" for r in kept)
    assert all(r["lineage"]["votes"] == 2 for r in kept)  # 2 of 3 samples agree
    inputs = sum(1 for r in backend.requests if _is_input_prompt(r))
    answers = len(backend.requests) - inputs
    assert answers == 3 * len(kept)  # every kept input got exactly `samples` answers
    assert inputs + answers == backend.calls


def test_no_consensus_drops_the_input(tmp_path: Path) -> None:
    counter = itertools.count()

    def respond(request: TeacherRequest) -> str:
        if _is_input_prompt(request):
            return f"A brand new article number {next(counter)} about rising prices today."
        return f"Answer {request.params.seed}"  # every sample differs

    ctx, _ = _ctx(tmp_path, respond, budget=20, min_frequency=0.5)
    result = get_method("selfguide", ctx.task.kind).generate(ctx)
    assert not result.rows and result.counts()["rejected"]["no_consensus"] >= 1


def test_prompts_show_good_seeds_and_earlier_inputs_as_weak(tmp_path: Path) -> None:
    counter = itertools.count()

    def respond(request: TeacherRequest) -> str:
        if _is_input_prompt(request):
            return f"Generated article {next(counter)} on a trade deal signed this week."
        return "Deal signed"

    ctx, backend = _ctx(tmp_path, respond, budget=60)
    get_method("selfguide", ctx.task.kind).generate(ctx)
    prompts = [r.prompt or "" for r in backend.requests if _is_input_prompt(r)]
    assert "Seed article number" in prompts[0] and "Weaker inputs" not in prompts[0]
    assert prompts[0].endswith("Input 4:")  # the model continues with the next good input
    assert any("Weaker inputs" in p and "Generated article" in p for p in prompts[4:])
    answer = next(r for r in backend.requests if not _is_input_prompt(r))
    assert [m.role for m in answer.messages] == ["user", "assistant"] * 3 + ["user"]
    assert answer.n == 1 and answer.params.temperature == 0.2  # samples are single calls


def test_classification_votes_a_label_and_balances(tmp_path: Path) -> None:
    counter = itertools.count()

    def respond(request: TeacherRequest) -> str:
        if _is_input_prompt(request):
            return f"Generated sports or tech story number {next(counter)} here."
        return "sports" if next(counter) % 4 else "tech"

    ctx, _ = _ctx(tmp_path, respond, task=CLS_TASK, seeds=CLS_SEEDS, budget=40)
    result = get_method("selfguide", ctx.task.kind).generate(ctx)
    labels = [r["label"] for r in result.rows]
    assert set(labels) <= {"sports", "tech"}
    assert labels.count("sports") == labels.count("tech")  # balanced by downsampling
    assert "balance" in result.counts()["rejected"] or not labels


def test_fewgen_pairs_for_generation_tasks(tmp_path: Path) -> None:
    """FewGen on a generation task: one call per budget unit, each an Input/Output pair."""
    replies = itertools.cycle(
        ["Input: A new lead about oil prices.\nOutput: Oil falls", "I cannot think of one."]
    )
    ctx, backend = _ctx(tmp_path, lambda r: next(replies), budget=4)
    ctx.params = GenerateParams(method="fewgen", budget=4, shots=2)
    result = get_method("fewgen", "generation").generate(ctx)
    assert backend.calls == 4
    assert [r["output"] for r in result.rows] == ["Oil falls", "Oil falls"]
    assert result.counts()["rejected"] == {"no_pair": 2}
    shown = [m.content for m in backend.requests[0].messages if m.role == "assistant"]
    assert len(shown) == 2 and all(s.startswith("Input: Seed article") for s in shown)
