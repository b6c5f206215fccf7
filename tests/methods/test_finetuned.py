"""The fine-tuned-teacher methods with the deterministic fake teacher: the budget split,
annotation of the pool with constrained answers and hidden gold labels, confidence by
vote share, the annotation score, the tuning pairs (both jobs from each seed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from synthdistill.methods import GenerationContext, get_method, get_spec
from synthdistill.methods.finetuned import (
    annotation_prompt,
    generation_prompt,
    split_budget,
    tuned_annotation_requests,
    tuning_pairs,
)
from synthdistill.params import (
    FinetuneParams,
    GenerateParams,
    TaskParams,
    TeacherParams,
    load_section,
)
from synthdistill.teachers import prompting_teacher_params
from synthdistill.teachers.base import SamplingParams, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.teacher import Teacher
from synthdistill.teachers.tuned import skip_tuning

REPO = Path(__file__).resolve().parents[2]

TASK = TaskParams.model_validate(
    {
        "language": "en",
        "data": {"source": "file"},
        "description": "news by topic",
        "labels": {"sports": "sport and games", "tech": "technology"},
    }
)
SEEDS = [
    {"id": "a", "text": "Federer wins again at Wimbledon today.", "label": "sports"},
    {"id": "b", "text": "Apple unveils a new phone this week.", "label": "tech"},
]
POOL = [
    {"id": f"p{i}", "text": f"{word} story number {i} of the week.", "label": gold}
    for i, (word, gold) in enumerate([("Football", "sports"), ("Laptop", "tech")] * 10)
]


def _answer_by_keyword(request: TeacherRequest) -> str:
    """Annotation: 'sports' for football texts, else 'tech' except every 4th laptop
    (wrong on purpose); generation: a plain sentence."""
    content = request.messages[-1].content
    if request.params.choices:
        if "Football" in content:
            return "sports"
        number = int(content.split("story number ")[1].split()[0])
        return "sports" if number % 4 == 1 else "tech"
    return "A new example sentence written by the tuned teacher for the label."


def _ctx(tmp_path: Path, method: str, budget: int, **finetune):  # type: ignore[no-untyped-def]
    backend = FakeBackend(_answer_by_keyword)
    teacher = Teacher(backend, TeacherCache(tmp_path / "c.sqlite"), progress=False)
    params = GenerateParams(method=method, budget=budget, max_tokens=32)
    ctx = GenerationContext(
        "toy",
        TASK,
        params,
        teacher,
        SEEDS,
        load_section("artefacts"),
        pool=POOL,
        finetune=FinetuneParams.model_validate(finetune),
    )
    return ctx, backend


def test_tuning_pairs_teach_both_jobs_with_the_run_time_prompts() -> None:
    pairs = tuning_pairs(TASK, SEEDS)
    assert len(pairs) == 4
    assert (generation_prompt(TASK, "sports"), SEEDS[0]["text"]) in pairs
    assert (annotation_prompt(TASK, SEEDS[1]["text"]), "tech") in pairs
    assert "sport and games" in generation_prompt(TASK, "sports")  # the label description
    with pytest.raises(ValueError, match="unknown label"):
        tuning_pairs(TASK, [{"id": "x", "text": "t", "label": "weather"}])


@pytest.mark.parametrize(
    ("method", "share", "expected"),
    [
        ("ft_generate", 0.5, (10, 0)),
        ("ft_annotate", 0.5, (0, 10)),
        ("annotate", 0.5, (0, 10)),
        ("ft_both", 0.5, (5, 5)),
        ("ft_both", 0.3, (3, 7)),
    ],
)
def test_budget_split(method: str, share: float, expected: tuple[int, int]) -> None:
    assert split_budget(method, 10, FinetuneParams(generate_share=share)) == expected


def test_annotation_hides_gold_constrains_answers_and_scores_them(tmp_path: Path) -> None:
    ctx, backend = _ctx(tmp_path, "ft_annotate", budget=12)
    result = get_method("ft_annotate").generate(ctx)
    assert backend.calls == 12  # exactly the budget
    for request in backend.requests:
        assert request.params.choices == ("sports", "tech")  # constrained to the label set
        assert request.params.temperature == 0.0  # one greedy answer per input
        text = request.messages[-1].content
        assert "sports" in text and "tech" in text  # the labels are listed, never the gold
    assert len(result.rows) == 12 and not result.rejected
    by_pool = {row["lineage"]["pool_id"]: row for row in result.rows}
    gold = {row["id"]: row["label"] for row in POOL}
    assert all(row["text"] == POOL[int(pid[1:])]["text"] for pid, row in by_pool.items())
    right = sum(row["label"] == gold[pid] for pid, row in by_pool.items())
    score = result.counts()["annotation"]
    assert score["accuracy"]["k"] == right and score["accuracy"]["n"] == 12
    assert right < 12  # the responder is wrong on some laptops: the score sees it
    assert sum(sum(row.values()) for row in score["confusion"].values()) == 12
    plot = result.annotation_rows()  # the confusion plot's rows: one per scored input
    assert sorted((r["actual"], r["predicted"]) for r in plot) == sorted(
        (gold[pid], row["label"]) for pid, row in by_pool.items()
    )


def test_confidence_from_samples_and_threshold(tmp_path: Path) -> None:
    ctx, backend = _ctx(tmp_path, "annotate", budget=10, samples=3, min_confidence=0.9)
    result = get_method("annotate").generate(ctx)
    assert backend.calls == 9  # 3 inputs x 3 samples; the 10th call cannot buy an input
    assert all(r.params.temperature == 0.7 for r in backend.requests)
    # the base teacher is prompted like the fair baseline: every seed as a few-shot turn
    turns = [m.content for m in backend.requests[0].messages]
    assert any(SEEDS[0]["text"] in turn for turn in turns) and SEEDS[1]["label"] in turns
    assert len(result.rows) + len(result.rejected) == 3
    for row in result.rows:  # the fake answers are deterministic: all votes agree
        assert row["lineage"]["confidence"] == 1.0


@pytest.mark.parametrize("method", ["annotate", "ft_annotate"])
def test_shared_prefix_methods_share_every_turn_but_the_last(tmp_path: Path, method: str) -> None:
    """A spec's shared_prefix (one llama.cpp slot in the generate stage) marks exactly the
    methods whose requests all begin with the same turns, so one slot reads them once."""
    ctx, backend = _ctx(tmp_path, method, budget=6)
    get_method(method).generate(ctx)
    prefixes = {tuple(m.content for m in r.messages[:-1]) for r in backend.requests}
    shared = len(prefixes) == 1 and len(next(iter(prefixes))) > 1
    assert shared == get_spec(method).shared_prefix
    teacher = prompting_teacher_params(TeacherParams(parallel=8), get_spec(method).shared_prefix)
    assert teacher.parallel == (1 if shared else 8)


def test_low_confidence_inputs_are_dropped_with_a_reason(tmp_path: Path) -> None:
    flip = iter(range(1000))

    def split_votes(request: TeacherRequest) -> str:
        return "sports" if next(flip) % 2 else "tech"

    backend = FakeBackend(split_votes)
    teacher = Teacher(backend, TeacherCache(tmp_path / "c.sqlite"), progress=False)
    ctx = GenerationContext(
        "toy",
        TASK,
        GenerateParams(method="annotate", budget=8),
        teacher,
        SEEDS,
        load_section("artefacts"),
        pool=POOL,
        finetune=FinetuneParams(samples=4, min_confidence=0.75),
    )
    result = get_method("annotate").generate(ctx)
    assert not result.rows and len(result.rejected) == 2
    assert {r["reason"] for r in result.rejected} == {"low_confidence"}
    assert result.counts()["rejected"] == {"low_confidence": 2}


def test_ft_both_writes_and_annotates_within_the_budget(tmp_path: Path) -> None:
    ctx, backend = _ctx(tmp_path, "ft_both", budget=10, generate_share=0.4)
    result = get_method("ft_both").generate(ctx)
    assert backend.calls == 10
    sources = [row["lineage"]["source"] for row in result.rows + result.rejected]
    assert sources.count("generation") == 4 and sources.count("annotation") == 6
    written = [r for r in backend.requests if not r.params.choices]
    assert {r.messages[-1].content for r in written} == {
        generation_prompt(TASK, "sports"),
        generation_prompt(TASK, "tech"),
    }


def test_annotation_needs_a_pool(tmp_path: Path) -> None:
    ctx, _ = _ctx(tmp_path, "annotate", budget=4)
    ctx.pool = []
    with pytest.raises(ValueError, match="pool"):
        get_method("annotate").generate(ctx)


def test_an_unlabelled_pool_is_annotated_but_not_scored(tmp_path: Path) -> None:
    ctx, _ = _ctx(tmp_path, "ft_annotate", budget=6)
    ctx.pool = [{"id": row["id"], "text": row["text"]} for row in POOL]  # no gold labels
    result = get_method("ft_annotate").generate(ctx)
    assert len(result.rows) == 6 and "annotation" not in result.counts()


def test_tuned_prompting_asks_with_the_prompt_it_was_tuned_on() -> None:
    """teacher_prompting.teacher: tuned and ft_annotate share one request shape: the
    single user turn of the tuning pairs, the answer constrained to the labels."""
    sampling = SamplingParams(0.0, 1.0, max_tokens=8, choices=tuple(TASK.labels))
    [request] = tuned_annotation_requests(TASK, SEEDS[:1], sampling)
    assert [m.role for m in request.messages] == ["user"]
    assert (request.messages[0].content, SEEDS[0]["label"]) in tuning_pairs(TASK, SEEDS)
    assert request.params.choices == ("sports", "tech")


@pytest.mark.parametrize(
    ("task", "error"),
    [("bbc_news", "no tuned teacher there"), ("bbc_headline", "needs a classification task")],
)
def test_tuned_teacher_prompting_without_a_tuned_teacher_fails_clearly(
    tmp_path: Path, task: str, error: str
) -> None:
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["teacher_prompting"]["teacher"] = "tuned"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True))
    skip_tuning(tmp_path / "teacher", "neither the method nor teacher_prompting uses one")
    proc = subprocess.run(
        [sys.executable, str(REPO / "stages/teacher_prompting.py"), "--task", task]
        + ["--params", str(tmp_path / "params.yaml"), "--test", "t.jsonl", "--seeds", "s.jsonl"]
        + ["--out", "o.jsonl", "--usage", "u.json", "--tuned-teacher", str(tmp_path / "teacher")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode != 0
    assert error in proc.stderr
