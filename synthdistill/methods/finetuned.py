"""The fine-tuned teacher (Kaddour & Liu 2023): tune the teacher on the labelled seeds, then
use it to GENERATE new inputs per label and/or to ANNOTATE real unlabelled inputs.

Methods (``generate.method``), all at the same budget of teacher calls:

* ``annotate``: the base teacher labels inputs of the task's unlabelled pool, prompted
  like the teacher-prompting baseline (task and label descriptions, every seed as a
  few-shot turn): the fair base;
* ``ft_annotate``: the tuned teacher labels them;
* ``ft_generate``: the tuned teacher writes one new input per call for a label;
* ``ft_both``: ``finetune.generate_share`` of the budget generates, the rest annotates.

The tuned teacher was trained on exactly the prompts used here (:func:`tuning_pairs`):
one user turn asking for an example of a label (answer: a seed's text) and one asking for
a text's label (answer: its label), so no few-shot context is needed at run time.

Annotation answers are constrained to the label names (a llama.cpp grammar), so every
answer is a label: strict matching, never a guess. With ``finetune.samples`` > 1 each
input gets that many sampled answers (each a call of the budget) and the majority's share
is its confidence; inputs below ``finetune.min_confidence`` are dropped
(``low_confidence``). The pool's gold labels never reach the teacher; they only score the
annotation afterwards (``annotation`` in the report: accuracy and confusion counts).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from synthdistill.methods.base import (
    Example,
    GenerationContext,
    GenerationResult,
    MethodSpec,
)
from synthdistill.methods.labelgen import label_schedule, sampling_for
from synthdistill.params import FinetuneParams, TaskParams
from synthdistill.task_kinds import CLASSIFICATION, interleave_labels
from synthdistill.teacher_requests import classify_requests
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.templates import classify_prompt, render
from synthdistill.text.answers import parse_label

TUNED_TEACHER = ("ft_generate", "ft_annotate", "ft_both")  # the methods that use tune_teacher
ANSWER_TOKENS = 8  # a label name is a few tokens
MAX_SHOTS = 40  # annotate's shots at most (teacher_prompting.max_shots' default)


def generation_prompt(task: TaskParams, label: str) -> str:
    """The one user turn that asks for a new example of ``label``."""
    system = render(task.language, "labelgen_system", task_description=task.description)
    fields = {"label": label, "label_description": task.labels[label]}
    return f"{system}\n\n{render(task.language, 'labelgen_user_zeroshot', **fields)}"


def annotation_prompt(task: TaskParams, text: str) -> str:
    """The one user turn that asks for ``text``'s label (the LM classifier's prompt)."""
    return classify_prompt(text, list(task.labels), task.language)


def tuned_annotation_requests(
    task: TaskParams, rows: list[Example], sampling: SamplingParams, n: int = 1
) -> list[TeacherRequest]:
    """The tuned teacher's label requests for ``rows``: the one user turn it was tuned on
    (:func:`annotation_prompt`), no shots."""
    return [
        TeacherRequest(
            messages=(Message("user", annotation_prompt(task, row["text"])),), params=sampling, n=n
        )
        for row in rows
    ]


def tuning_pairs(task: TaskParams, rows: list[Example]) -> list[tuple[str, str]]:
    """Both jobs from each labelled row: label -> its text, and text -> its label."""
    unknown = sorted({str(r["label"]) for r in rows} - set(task.labels))
    if unknown:
        raise ValueError(f"unknown label(s) {unknown}; valid labels: {', '.join(task.labels)}")
    pairs: list[tuple[str, str]] = []
    for row in rows:
        pairs.append((generation_prompt(task, row["label"]), row["text"]))
        pairs.append((annotation_prompt(task, row["text"]), row["label"]))
    return pairs


def split_budget(name: str, budget: int, settings: FinetuneParams) -> tuple[int, int]:
    """(generation calls, annotation calls) of ``budget`` for method ``name``."""
    share = {"ft_generate": 1.0, "annotate": 0.0, "ft_annotate": 0.0}.get(
        name, settings.generate_share
    )
    generation = round(budget * share)
    return generation, budget - generation


@dataclass(frozen=True)
class FinetunedTeacher:
    """One of the fine-tuned-teacher methods (the stage gives it the right teacher)."""

    name: str

    def generate(self, ctx: GenerationContext) -> GenerationResult:
        settings = ctx.finetune or FinetuneParams()
        generation, annotation = split_budget(self.name, ctx.params.budget, settings)
        result = GenerationResult()
        if generation:
            self._write(ctx, generation, result)
        if annotation:
            self._annotate(ctx, annotation, settings, result)
        return result

    def _write(self, ctx: GenerationContext, calls: int, result: GenerationResult) -> None:
        params, task = ctx.params, ctx.task
        requests, labels = [], label_schedule(list(task.labels), calls)
        for i, label in enumerate(labels):
            prompt = generation_prompt(task, label)
            message = (Message("user", prompt),)
            requests.append(TeacherRequest(messages=message, params=sampling_for(params, i)))
        outputs = ctx.teacher.generate(requests, desc=f"{self.name} write {ctx.task_name}")
        for i, (label, samples) in enumerate(zip(labels, outputs, strict=True)):
            lineage = {"method": self.name, "source": "generation"}
            result.add(f"{ctx.task_name}-{self.name}-g{i:05d}", samples[0], label, ctx, lineage)

    def _annotate(
        self,
        ctx: GenerationContext,
        calls: int,
        settings: FinetuneParams,
        result: GenerationResult,
    ) -> None:
        if not ctx.pool:
            raise ValueError(f"method '{self.name}' annotates the unlabelled pool; it is empty")
        task, labels = ctx.task, list(ctx.task.labels)
        per_input = settings.samples
        chosen = random.Random(settings.seed).sample(
            ctx.pool, min(calls // per_input, len(ctx.pool))
        )
        sampling = SamplingParams(
            temperature=settings.temperature if per_input > 1 else 0.0,
            max_tokens=ANSWER_TOKENS,
            seed=settings.seed,
            choices=tuple(labels),
        )
        if self.name in TUNED_TEACHER:  # the prompt the teacher was tuned on
            requests = tuned_annotation_requests(task, chosen, sampling, per_input)
        else:  # the base teacher: the fair prompting baseline's request, every seed a shot
            shots = ctx.seed_rows  # a gold_fraction seed set is capped, labels in turn
            if len(shots) > MAX_SHOTS:
                shots = interleave_labels(shots, MAX_SHOTS)
            requests = [
                replace(request, params=sampling, n=per_input)
                for request in classify_requests(task, chosen, ANSWER_TOKENS, shots)
            ]
        outputs = ctx.teacher.generate(requests, desc=f"{self.name} annotate {ctx.task_name}")
        for row, samples in zip(chosen, outputs, strict=True):
            result.per_call[1] += len(samples)
            answers = [parse_label(s.text, labels) for s in samples]
            votes = Counter(answer for answer in answers if answer is not None)
            example_id = f"{ctx.task_name}-{self.name}-a-{row['id']}"
            lineage: dict[str, Any] = {
                "method": self.name,
                "source": "annotation",
                "pool_id": row["id"],
                "teacher_call": samples[0].key,
            }
            gold = row.get("label")  # a user's unlabelled pool has none: nothing to score
            if not votes:  # cannot happen under the grammar; a server may ignore it
                if gold is not None:
                    result.annotations.append((str(gold), "<invalid>"))
                result.rejected.append(
                    {
                        "id": example_id,
                        "text": row["text"],
                        "label": None,
                        "lineage": lineage,
                        "reason": "no_label",
                    }
                )
                continue
            label, count = max(votes.items(), key=lambda kv: (kv[1], -labels.index(kv[0])))
            confidence = count / len(samples)
            if gold is not None:
                result.annotations.append((str(gold), label))
            lineage["confidence"] = round(confidence, 4)
            kept = {"id": example_id, "text": row["text"], "label": label, "lineage": lineage}
            if confidence < settings.min_confidence:
                result.rejected.append({**kept, "reason": "low_confidence"})
            else:
                result.rows.append(kept)


SPECS = (
    # annotate: every call starts with the seeds as shots (one llama.cpp slot reads it once)
    MethodSpec("annotate", CLASSIFICATION, FinetunedTeacher("annotate"), shared_prefix=True),
    *(
        MethodSpec(name, CLASSIFICATION, FinetunedTeacher(name), tuned_teacher=True)
        for name in TUNED_TEACHER
    ),
)
