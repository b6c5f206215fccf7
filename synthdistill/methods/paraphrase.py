"""Seed paraphrasing: the teacher rewrites each seed example in other words, keeping its
label (the classic augmentation baseline; e.g. Kumar et al. 2020, "Data Augmentation using
Pre-trained Transformer Models").

``generate.method: paraphrase``. The budget is spread over the labels round-robin (like
fewgen) and, within a label, over its seeds in a seeded random order, cycling when the
budget is larger than the seed set; each call rewrites one seed, so every synthetic row
has one seed as its parent (``lineage.seed_id``). The teacher's answer goes through the
same extraction and artefact filters as every method's; a rewrite that is the seed again
(after NFKC and whitespace normalisation) is dropped as ``copy_of_seed``. Reads only the
``generate`` section (budget, temperature, top_p, max_tokens, seed).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from synthdistill.methods.base import (
    Example,
    GenerationContext,
    GenerationResult,
    MethodSpec,
)
from synthdistill.methods.labelgen import label_schedule, sampling_for
from synthdistill.task_kinds import CLASSIFICATION
from synthdistill.teachers.base import Message, TeacherRequest
from synthdistill.templates import render
from synthdistill.text.normalize import normalize


def _same_text(a: str, b: str, lang: str) -> bool:
    return normalize(a, lang) == normalize(b, lang)


@dataclass(frozen=True)
class SeedParaphrase:
    """One teacher call per budget unit: rewrite one seed of the unit's label."""

    name: str = "paraphrase"

    def generate(self, ctx: GenerationContext) -> GenerationResult:
        task, params, lang = ctx.task, ctx.params, ctx.task.language
        rng = random.Random(params.seed)
        by_label: dict[str, list[Example]] = {label: [] for label in task.labels}
        for row in ctx.seed_rows:
            by_label.setdefault(row["label"], []).append(row)
        for rows in by_label.values():
            rng.shuffle(rows)
        labels = [label for label in task.labels if by_label[label]]
        if not labels:
            raise ValueError("method 'paraphrase' rewrites seed examples; the seed set is empty")
        system = render(lang, "labelgen_system", task_description=task.description)
        requests: list[TeacherRequest] = []
        parents: list[Example] = []
        for i, label in enumerate(label_schedule(labels, params.budget)):
            seed = by_label[label][(i // len(labels)) % len(by_label[label])]
            user = render(
                lang,
                "paraphrase_user",
                label=label,
                label_description=task.labels[label],
                seed=seed["text"],
            )
            messages = (Message("system", system), Message("user", user))
            requests.append(TeacherRequest(messages=messages, params=sampling_for(params, i)))
            parents.append(seed)
        outputs = ctx.teacher.generate(requests, desc=f"{self.name} {ctx.task_name}")
        result = GenerationResult()
        for i, (seed, samples) in enumerate(zip(parents, outputs, strict=True)):
            example_id = f"{ctx.task_name}-{self.name}-{i:05d}"
            lineage = {"method": self.name, "template": "paraphrase_user", "seed_id": seed["id"]}
            if _same_text(samples[0].text, seed["text"], lang):
                result.rejected.append(
                    {
                        "id": example_id,
                        "text": samples[0].text,
                        "label": seed["label"],
                        "lineage": {**lineage, "teacher_call": samples[0].key},
                        "reason": "copy_of_seed",
                    }
                )
                result.per_call[0] += 1
                continue
            result.add(example_id, samples[0], seed["label"], ctx, lineage)
        return result


SPECS = (MethodSpec("paraphrase", CLASSIFICATION, SeedParaphrase()),)
