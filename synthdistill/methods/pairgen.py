"""FewGen for generation tasks: the teacher writes a new input -> output pair per call,
shown ``generate.shots`` seed pairs as earlier chat turns (the classic distillation
baseline that SELF-GUIDE is compared with at the same number of calls)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from synthdistill.generation import first_answer
from synthdistill.methods.base import GenerationContext, GenerationResult, MethodSpec
from synthdistill.methods.parsing import clean_text
from synthdistill.task_kinds import GENERATION
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.templates import render

_PAIR = re.compile(r"input\s*:\s*(?P<input>.+?)\s*\n+\s*output\s*:\s*(?P<output>.+)", re.I | re.S)


def parse_pair(text: str) -> tuple[str, str] | None:
    """The ``Input: ... / Output: ...`` pair of a reply, or None."""
    found = _PAIR.search(text or "")
    if not found:
        return None
    source, target = clean_text(found["input"]), first_answer(found["output"])
    return (source, target) if source and target else None


@dataclass(frozen=True)
class PairGeneration:
    """One teacher call per budget unit, each returning one new pair."""

    name: str = "fewgen"

    def generate(self, ctx: GenerationContext) -> GenerationResult:
        task, params = ctx.task, ctx.params
        if not ctx.seed_rows:
            raise ValueError("fewgen needs seed pairs; the seed set is empty")
        ask = render(task.language, "pairgen_user", instruction=task.instruction or "")
        rng = random.Random(params.seed)
        requests, shown = [], []
        for i in range(params.budget):
            chosen = rng.sample(ctx.seed_rows, min(params.shots, len(ctx.seed_rows)))
            turns: list[Message] = []
            for row in chosen:
                turns += [Message("user", ask)]
                turns += [Message("assistant", f"Input: {row['text']}\nOutput: {row['output']}")]
            sampling = SamplingParams(
                temperature=params.temperature,
                top_p=params.top_p,
                max_tokens=params.max_tokens,
                seed=params.seed * 1_000_003 + i,
            )
            requests.append(
                TeacherRequest(messages=(*turns, Message("user", ask)), params=sampling)
            )
            shown.append([row["id"] for row in chosen])
        replies = ctx.teacher.generate(requests, desc=f"fewgen pairs {ctx.task_name}")
        result = GenerationResult()
        for i, (samples, seed_ids) in enumerate(zip(replies, shown, strict=True)):
            reply = samples[0]
            example_id = f"{ctx.task_name}-fewgen-{i:05d}"
            lineage = {"method": self.name, "teacher_call": reply.key, "seed_ids": seed_ids}
            pair = parse_pair(reply.text) if reply.finish_reason != "length" else None
            result.per_call[1 if pair else 0] += 1
            if pair is None:
                reason = "truncated" if reply.finish_reason == "length" else "no_pair"
                result.rejected.append(
                    {"id": example_id, "text": reply.text, "reason": reason, "lineage": lineage}
                )
                continue
            result.rows.append(
                {"id": example_id, "text": pair[0], "output": pair[1], "lineage": lineage}
            )
        return result


SPECS = (MethodSpec("fewgen", GENERATION, PairGeneration()),)
