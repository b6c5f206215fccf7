"""Active closed-loop generation (Kessler et al. 2025): the student decides what the teacher
writes next.

The budget of teacher calls is split evenly over ``active.rounds`` rounds. Round 0 is the
seed set. In each round the in-loop student is trained from scratch (with
``active.warm_start``: from the previous round's student) on everything so far (seeds +
the synthetic examples kept in earlier rounds), scores every candidate by the
criterion, and the teacher writes one new example of the same label from each selected
candidate (the candidate is the one shot of the fewgen prompt). Higher score = harder for
the student:

* ``loss``: cross-entropy of the student on the candidate's intended label;
* ``entropy``: entropy of the student's label distribution;
* ``margin``: 1 - (top probability - second probability);
* ``random``: a uniform random score (the control);
* ``llm_judge``: the teacher rates a candidate 1-10 (hard / useful); each rating is a call
  of the same budget (``active.judge_share`` of a round's calls rate unrated candidates,
  the rest generate from the best-rated ones).

With ``active.per_label`` each round's selections are split evenly over the labels (the
hardest candidates of each label), so a criterion cannot spend a round on one label.

Design: one stage runs every round. A killed run resumes because finished teacher calls
are cached and the student is retrained deterministically from the same data, so each
round selects the same candidates and re-sends the same (cached) requests: no call is
repeated and the final data are the same. Every row carries its round, parent and the
parent's score (``lineage``); the report's ``active`` block has the per-round selection
statistics and the rank correlation between a parent's score and its child's.
"""

from __future__ import annotations

import math
import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any, get_args

import numpy as np

from synthdistill.methods.base import (
    Example,
    GenerationContext,
    GenerationResult,
    InLoopTrainer,
    MethodSpec,
)
from synthdistill.methods.labelgen import label_request, sampling_for
from synthdistill.params import ActiveParams, Criterion
from synthdistill.task_kinds import CLASSIFICATION
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.templates import render

CRITERIA: tuple[str, ...] = get_args(Criterion)
JUDGE_SCALE = tuple(str(k) for k in range(1, 11))  # the judge's constrained answers


def criterion_scores(
    criterion: str, proba: np.ndarray, targets: np.ndarray, rng: random.Random
) -> np.ndarray:
    """Per-candidate scores from the student's label probabilities ``proba`` (n x labels)
    and the intended label indices ``targets``: higher = harder for the student."""
    n = len(targets)
    p = np.clip(np.asarray(proba, dtype=float), 1e-12, 1.0)
    if criterion == "loss":
        return np.asarray(-np.log(p[np.arange(n), targets]))
    if criterion == "entropy":
        return np.asarray(-(p * np.log(p)).sum(axis=1))
    if criterion == "margin":
        top2 = np.sort(p, axis=1)[:, -2:]
        return np.asarray(1.0 - (top2[:, 1] - top2[:, 0]))
    if criterion == "random":
        return np.array([rng.random() for _ in range(n)])
    raise ValueError(f"criterion '{criterion}' is not scored from the student's probabilities")


def select(scores: np.ndarray, k: int, selection: str, rng: random.Random) -> list[int]:
    """``k`` candidate indices by ``scores`` (NaN = not eligible): the top scores (ties by
    index), or sampled without replacement with probability proportional to the score.
    With fewer eligible candidates than ``k`` the choice wraps around (a candidate is then
    selected more than once, each time a different teacher call)."""
    eligible = [i for i, s in enumerate(scores) if not math.isnan(float(s))]
    if not eligible or k <= 0:
        return []
    if selection == "top":
        order = sorted(eligible, key=lambda i: (-float(scores[i]), i))
    elif selection == "proportional":
        weights = [max(float(scores[i]), 0.0) + 1e-9 for i in eligible]
        order, left = [], list(zip(eligible, weights, strict=True))
        while left:  # weighted sampling without replacement
            pick = rng.choices(range(len(left)), weights=[w for _, w in left])[0]
            order.append(left.pop(pick)[0])
    else:
        raise ValueError(f"unknown selection '{selection}'; choose one of: proportional, top")
    return [order[i % len(order)] for i in range(k)]


def select_per_label(
    scores: np.ndarray, labels: list[str], k: int, selection: str, rng: random.Random
) -> list[int]:
    """``k`` candidate indices split evenly over the labels (``labels[i]`` is candidate
    ``i``'s): each label's share is chosen by :func:`select` among that label's candidates
    only; the ``k % n`` extra picks go to the labels whose best candidate scores highest.
    Labels with no eligible candidate (NaN) get no share, so exactly ``k`` are chosen."""
    best: dict[str, float] = {}  # a label with no eligible candidate gets no share
    for score, label in zip(scores, labels, strict=True):
        if not math.isnan(score):
            best[label] = max(best.get(label, -math.inf), float(score))
    if not best or k <= 0:
        return []
    order = sorted(best, key=lambda name: (-best[name], name))
    chosen: list[int] = []
    for rank, name in enumerate(order):
        share = k // len(order) + (rank < k % len(order))
        masked = np.array(
            [float(s) if lab == name else math.nan for s, lab in zip(scores, labels, strict=True)]
        )
        chosen += select(masked, share, selection, rng)
    return chosen


def round_quotas(budget: int, rounds: int) -> list[int]:
    """The teacher calls of each round: ``budget`` split evenly, earlier rounds +1."""
    return [budget // rounds + (1 if r < budget % rounds else 0) for r in range(rounds)]


def judge_calls(quota: int, share: float, unrated: int) -> int:
    """How many of a round's ``quota`` calls rate candidates (at least one generates)."""
    if quota < 2:
        return 0
    return min(unrated, max(1, min(quota - 1, round(quota * share))))


def spearman(xs: list[float], ys: list[float]) -> float | None:
    """Spearman's rank correlation, or None with fewer than 3 pairs or a constant side."""
    from scipy.stats import spearmanr

    if len(xs) < 3 or len(set(xs)) < 2 or len(set(ys)) < 2:
        return None
    return round(float(spearmanr(xs, ys).statistic), 4)


def judge_request(ctx: GenerationContext, row: Example) -> TeacherRequest:
    task = ctx.task
    fields = {"label": row["label"], "label_description": task.labels[row["label"]]}
    prompt = render(task.language, "active_judge", text=row["text"], **fields)
    sampling = SamplingParams(temperature=0.0, max_tokens=4, seed=0, choices=JUDGE_SCALE)
    return TeacherRequest(messages=(Message("user", prompt),), params=sampling)


@dataclass
class _Loop:
    """The state of one active run: the candidates so far and the judge's ratings."""

    ctx: GenerationContext
    settings: ActiveParams
    trainer: InLoopTrainer | None  # None: random, llm_judge
    work: Path
    rng: random.Random

    def __post_init__(self) -> None:
        self.labels = list(self.ctx.task.labels)
        self.candidates: list[Example] = [
            {"id": r["id"], "text": r["text"], "label": r["label"], "round": 0}
            for r in self.ctx.seed_rows
        ]
        self.ratings: dict[str, float] = {}

    def student_proba(self, rnd: int, rows: list[Example]) -> tuple[Any, np.ndarray]:
        """Train the in-loop student on the candidates; its probabilities on ``rows``."""
        if self.trainer is None:  # generate() refused this criterion without a student
            raise ValueError(f"criterion '{self.settings.criterion}' needs the in-loop student")
        # the previous round's student, if any was trained (warm start)
        previous = self.work / f"round-{rnd - 1}"
        init = previous if self.settings.warm_start and previous.is_dir() else None
        student = self.trainer(self.candidates, self.work / f"round-{rnd}", init)
        return student, self.proba(student, rows)

    def proba(self, student: Any, rows: list[Example]) -> np.ndarray:
        """The student's probabilities in this task's label order."""
        if not rows:
            return np.zeros((0, len(self.labels)))
        raw = np.asarray(student.predict_proba([r["text"] for r in rows]))
        return raw[:, [list(student.labels).index(label) for label in self.labels]]

    def scores(self, proba: np.ndarray, rows: list[Example]) -> np.ndarray:
        targets = np.array([self.labels.index(r["label"]) for r in rows])
        return criterion_scores(self.settings.criterion, proba, targets, self.rng)

    def rate(self, rnd: int, calls: int) -> dict[str, int]:
        """The judge rates ``calls`` unrated candidates, drawn at random; the count of each
        answer (``invalid``: not on the scale)."""
        unrated = [c for c in self.candidates if c["id"] not in self.ratings]
        chosen = self.rng.sample(unrated, min(calls, len(unrated)))
        desc = f"active r{rnd} judge {self.ctx.task_name}"
        outputs = self.ctx.teacher.generate([judge_request(self.ctx, c) for c in chosen], desc)
        answers: Counter[str] = Counter()
        for row, samples in zip(chosen, outputs, strict=True):
            answer = samples[0].text.strip()
            self.ratings[row["id"]] = float(answer) if answer in JUDGE_SCALE else float("nan")
            answers[answer if answer in JUDGE_SCALE else "invalid"] += 1
        return dict(sorted(answers.items()))


@dataclass(frozen=True)
class ActiveGeneration:
    """Method ``active``: rounds of student-guided fewgen (see the module docstring)."""

    name: str = "active"

    def generate(self, ctx: GenerationContext) -> GenerationResult:
        settings = ctx.active or ActiveParams()
        if not ctx.seed_rows:
            raise ValueError("method 'active' starts from the seed examples; the seed set is empty")
        trainer = ctx.student_trainer
        if trainer is None and settings.criterion not in ("random", "llm_judge"):
            raise ValueError(f"criterion '{settings.criterion}' needs the in-loop student")
        if trainer is not None and settings.warm_start:
            trainer.check_warm_start()  # before any teacher call
        result = GenerationResult()
        rounds: list[dict[str, Any]] = []
        pairs: list[tuple[float, float]] = []
        rng = random.Random(settings.seed)
        with tempfile.TemporaryDirectory(prefix="synthdistill-active-") as work:
            loop = _Loop(ctx, settings, trainer, Path(work), rng)
            calls_so_far = 0
            for rnd, quota in enumerate(round_quotas(ctx.params.budget, settings.rounds), 1):
                stats = self._round(loop, rnd, quota, calls_so_far, result, pairs)
                calls_so_far += quota
                rounds.append(stats)
        result.details["active"] = {
            "criterion": settings.criterion,
            "selection": settings.selection,
            "per_label": settings.per_label,
            "warm_start": settings.warm_start,
            "student": getattr(trainer, "name", None),
            "rounds": rounds,
            "spearman_items": spearman([p for p, _ in pairs], [c for _, c in pairs]),
            "spearman_round_medians": spearman(
                [r["parent_score_median"] for r in rounds if r["child_score_median"] is not None],
                [r["child_score_median"] for r in rounds if r["child_score_median"] is not None],
            ),
        }
        return result

    def _round(
        self,
        loop: _Loop,
        rnd: int,
        quota: int,
        first_call: int,
        result: GenerationResult,
        pairs: list[tuple[float, float]],
    ) -> dict[str, Any]:
        ctx, settings = loop.ctx, loop.settings
        judged, ratings = 0, None
        if settings.criterion == "llm_judge":
            unrated = sum(c["id"] not in loop.ratings for c in loop.candidates)
            judged = judge_calls(quota, settings.judge_share, unrated)
            ratings = loop.rate(rnd, judged)
            scores = np.array([loop.ratings.get(c["id"], math.nan) for c in loop.candidates])
            student = None
        elif settings.criterion == "random":  # the control needs no student
            targets = np.zeros(len(loop.candidates), dtype=int)
            scores, student = (
                criterion_scores("random", np.ones((len(targets), 1)), targets, loop.rng),
                None,
            )
        else:
            student, proba = loop.student_proba(rnd, loop.candidates)
            scores = loop.scores(proba, loop.candidates)
        if settings.per_label:  # every label gets an equal share of the round's calls
            labels = [c["label"] for c in loop.candidates]
            chosen = select_per_label(scores, labels, quota - judged, settings.selection, loop.rng)
        else:
            chosen = select(scores, quota - judged, settings.selection, loop.rng)
        parents = [loop.candidates[i] for i in chosen]
        requests = [
            label_request(
                ctx.task, p["label"], [p], sampling_for(ctx.params, first_call + judged + k)
            )
            for k, p in enumerate(parents)
        ]
        outputs = ctx.teacher.generate(requests, desc=f"active r{rnd} {ctx.task_name}")
        before = len(result.rows)
        for k, (parent, samples) in enumerate(zip(parents, outputs, strict=True)):
            lineage = {
                "method": self.name,
                "criterion": settings.criterion,
                "round": rnd,
                "parent_id": parent["id"],
                "parent_score": round(float(scores[chosen[k]]), 4),
            }
            result.add(
                f"{ctx.task_name}-active-r{rnd}-{k:04d}", samples[0], parent["label"], ctx, lineage
            )
        children = result.rows[before:]
        parent_scores = {row["id"]: row["lineage"]["parent_score"] for row in children}
        child_scores: list[float] = []
        if student is not None:
            child_scores = [float(s) for s in loop.scores(loop.proba(student, children), children)]
            for row, score in zip(children, child_scores, strict=True):
                row["lineage"]["child_score"] = round(score, 4)
                pairs.append((parent_scores[row["id"]], score))
        loop.candidates += [
            {"id": r["id"], "text": r["text"], "label": r["label"], "round": rnd} for r in children
        ]
        return {
            "round": rnd,
            "calls": quota,
            "judge_calls": judged,
            "judge_ratings": ratings,  # llm_judge: how often the judge gave each rating
            "generation_calls": len(requests),
            "candidates": len(loop.candidates) - len(children),  # the student's training set
            "kept": len(children),
            "selected_labels": dict(sorted(Counter(p["label"] for p in parents).items())),
            "selected_seeds": sum(p["round"] == 0 for p in parents),
            "selected_synthetic": sum(p["round"] > 0 for p in parents),
            "selected_mean_chars": round(sum(len(p["text"]) for p in parents) / len(parents), 1)
            if parents
            else None,
            "parent_score_median": round(median(float(scores[i]) for i in chosen), 4)
            if chosen
            else None,
            "child_score_median": round(median(child_scores), 4) if child_scores else None,
        }


SPECS = (MethodSpec("active", CLASSIFICATION, ActiveGeneration(), in_loop_student=True),)
