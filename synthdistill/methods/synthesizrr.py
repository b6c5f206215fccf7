"""SynthesizRR: content sourcing (retrieved passages) + task inversion (rewrite as a label)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from synthdistill.methods.base import (
    Example,
    GenerationContext,
    GenerationResult,
    MethodSpec,
)
from synthdistill.methods.labelgen import label_schedule
from synthdistill.task_kinds import CLASSIFICATION
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.templates import render

PASSAGE_TAGS = ("<passage>", "</passage>")


def delimit_passage(text: str) -> str:
    """Passages are data: strip anything that would close or open our delimiters."""
    for tag in PASSAGE_TAGS:
        text = text.replace(tag, " ")
    return text.strip()


@dataclass(frozen=True)
class RetrievalAugmentedGeneration:
    """One teacher call per (seed, retrieved passage) pair, labels round-robin."""

    name: str = "synthesizrr"

    def generate(self, ctx: GenerationContext) -> GenerationResult:
        task, params, lang = ctx.task, ctx.params, ctx.task.language
        labels = list(task.labels)
        if not ctx.retrieved:
            raise ValueError(
                "method 'synthesizrr' needs retrieved passages; the retrieve stage produced none"
            )
        seeds = {row["id"]: row for row in ctx.seed_rows}
        by_label: dict[str, list[Example]] = defaultdict(list)
        for row in ctx.retrieved:
            if row.get("passage_text") and row.get("seed_id") in seeds:
                by_label[row["label"]].append(row)
        system = render(lang, "synthesizrr_system", task_description=task.description)
        cursor: dict[str, int] = defaultdict(int)
        requests: list[TeacherRequest] = []
        meta: list[Example] = []
        result = GenerationResult()
        for i, label in enumerate(label_schedule(labels, params.budget)):
            pairs = by_label.get(label, [])
            if not pairs:
                result.skip(f"{ctx.task_name}-{self.name}-{i:05d}", label, "no_passages")
                continue
            pair = pairs[cursor[label] % len(pairs)]
            cursor[label] += 1
            user = render(
                lang,
                "synthesizrr_user",
                label=label,
                label_description=task.labels[label],
                seed=seeds[pair["seed_id"]]["text"],
                passage=delimit_passage(pair["passage_text"]),
            )
            requests.append(
                TeacherRequest(
                    messages=(Message("system", system), Message("user", user)),
                    params=SamplingParams(
                        temperature=params.temperature,
                        top_p=params.top_p,
                        max_tokens=params.max_tokens,
                        seed=params.seed * 1_000_003 + i,
                    ),
                )
            )
            meta.append({"i": i, "label": label, **pair})
        outputs = ctx.teacher.generate(requests, desc=f"{self.name} {ctx.task_name}")
        for info, samples in zip(meta, outputs, strict=True):
            result.add(
                f"{ctx.task_name}-{self.name}-{info['i']:05d}",
                samples[0],
                info["label"],
                ctx,
                {
                    "method": self.name,
                    "template": "synthesizrr_user",
                    "seed_ids": [info["seed_id"]],
                    "passage_id": info["passage_id"],
                    "retrieval_score": info.get("score"),
                },
            )
        return result


SPECS = (MethodSpec("synthesizrr", CLASSIFICATION, RetrievalAugmentedGeneration(), retrieval=True),)
