"""FewGen / ZeroGen: label-conditioned generation, zero-shot or from k seed examples."""

from __future__ import annotations

import random
from dataclasses import dataclass

from synthdistill.methods.base import (
    Example,
    GenerationContext,
    GenerationResult,
    MethodSpec,
)
from synthdistill.params import GenerateParams, TaskParams
from synthdistill.task_kinds import CLASSIFICATION
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.templates import render


def label_schedule(labels: list[str], budget: int) -> list[str]:
    """Spread ``budget`` teacher calls over labels round-robin (equal per label +-1)."""
    return [labels[i % len(labels)] for i in range(budget)]


def _attribute(
    attributes: dict[str, list[str]] | None, label: str, call: int, enabled: bool
) -> str | None:
    """The sub-topic of the label's ``call``-th prompt (diversity variant), cycling."""
    if not enabled:
        return None
    options = (attributes or {}).get(label) or []
    if not options:
        raise ValueError(
            f"generate.diversity is on but tasks.<task>.attributes has no list for '{label}'"
        )
    return options[call % len(options)]


def sampling_for(params: GenerateParams, call: int) -> SamplingParams:
    """The sampling of a generation method's ``call``-th teacher call (its own seed)."""
    return SamplingParams(
        temperature=params.temperature,
        top_p=params.top_p,
        max_tokens=params.max_tokens,
        seed=params.seed * 1_000_003 + call,
    )


def label_request(
    task: TaskParams,
    label: str,
    shots: list[Example],
    sampling: SamplingParams,
    attribute: str | None = None,
) -> TeacherRequest:
    """The request for one new example of ``label``: zero-shot, or after ``shots`` as
    earlier turns of the chat (each ask answered by a bare real example, which shows the
    teacher the answer's form better than any rule)."""
    lang = task.language
    fields = {"label": label, "label_description": task.labels[label]}
    turns = [Message("system", render(lang, "labelgen_system", task_description=task.description))]
    for k, row in enumerate(shots):
        ask = "labelgen_user_fewshot" if k else "labelgen_user_zeroshot"
        turns += [Message("user", render(lang, ask, **fields))]
        turns += [Message("assistant", row["text"])]
    user = render(lang, "labelgen_user_fewshot" if shots else "labelgen_user_zeroshot", **fields)
    if attribute:
        user += "\n" + render(lang, "labelgen_attribute", attribute=attribute)
    return TeacherRequest(messages=(*turns, Message("user", user)), params=sampling)


@dataclass(frozen=True)
class LabelConditionedGeneration:
    """One teacher call per budget unit: a prompt for one label, zero- or few-shot."""

    name: str
    few_shot: bool

    def generate(self, ctx: GenerationContext) -> GenerationResult:
        task, params = ctx.task, ctx.params
        labels = list(task.labels)
        seeds_by_label: dict[str, list[Example]] = {label: [] for label in labels}
        for row in ctx.seed_rows:
            seeds_by_label.setdefault(row["label"], []).append(row)
        shots = params.shots if self.few_shot else 0
        if shots and not any(seeds_by_label.values()):
            raise ValueError(f"method '{self.name}' needs seed examples; the seed set is empty")
        template = f"labelgen_user_{'fewshot' if shots else 'zeroshot'}"
        rng = random.Random(params.seed)
        requests: list[TeacherRequest] = []
        meta: list[tuple[str, list[str], str | None]] = []
        for i, label in enumerate(label_schedule(labels, params.budget)):
            pool = seeds_by_label[label]
            chosen = rng.sample(pool, min(shots, len(pool))) if shots else []
            attribute = _attribute(task.attributes, label, i // len(labels), params.diversity)
            requests.append(label_request(task, label, chosen, sampling_for(params, i), attribute))
            meta.append((label, [row["id"] for row in chosen], attribute))
        outputs = ctx.teacher.generate(requests, desc=f"{self.name} {ctx.task_name}")
        result = GenerationResult()
        for i, ((label, seed_ids, attribute), samples) in enumerate(
            zip(meta, outputs, strict=True)
        ):
            result.add(
                f"{ctx.task_name}-{self.name}-{i:05d}",
                samples[0],
                label,
                ctx,
                {
                    "method": self.name,
                    "template": template if seed_ids else "labelgen_user_zeroshot",
                    "seed_ids": seed_ids,
                    "attribute": attribute,
                },
            )
        return result


SPECS = (
    MethodSpec("zerogen", CLASSIFICATION, LabelConditionedGeneration("zerogen", few_shot=False)),
    MethodSpec("fewgen", CLASSIFICATION, LabelConditionedGeneration("fewgen", few_shot=True)),
)
