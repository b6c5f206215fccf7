"""SELF-GUIDE (Zhao et al. 2024): the model that will be tuned writes its own data.

1. Input generation in batches: the task instruction, ``shots`` seed inputs shown as good
   inputs and up to ``low_quality`` earlier generated inputs shown as weaker ones (none in
   the first batch); for classification, an input of a randomly drawn label is asked for
   (that label is not kept: the label comes from step 3).
2. Input filters, each drop counted by reason: empty, truncated (cut off shorter than
   the longest seed input), canned assistant phrases and template words
   (``selfguide.noise_phrases``), shorter than ``min_input_chars``, length outside the
   seeds' mean +- ``input_length_sd`` sd (characters; null = off), exact duplicates (of
   seeds or earlier inputs). Kept inputs are cut at a word to the longest seed's length.
3. Output annotation by self-consistency: the same model answers each input with the
   seeds as earlier chat turns, ``samples`` answers at a low temperature; the most frequent
   (ties: the shortest) is kept when its share reaches ``min_frequency``. Generation
   outputs outside the seeds' mean +- ``output_length_sd`` sd are dropped; classification answers
   are mapped to a label (none: dropped) and the labels are balanced by downsampling.

``generate.budget`` counts every call, generation and annotation alike: batches are
written while the next batch and the answers of every input kept so far still fit, then
as many inputs are annotated as the rest of the budget pays for (the rest are dropped as
``over_budget``). The teacher of this method is the student model itself (the GGUF in
llama.cpp: the same weights the student stage tunes).
"""

from __future__ import annotations

import random
import re
import statistics
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from synthdistill.generation import first_answer
from synthdistill.methods.base import (
    Example,
    GenerationContext,
    GenerationResult,
    MethodSpec,
)
from synthdistill.methods.parsing import clean_text, parse_label
from synthdistill.params import SelfGuideParams
from synthdistill.task_kinds import CLASSIFICATION, GENERATION, task_kind
from synthdistill.teacher_requests import answer_requests
from synthdistill.teachers.base import Completion, SamplingParams, TeacherRequest
from synthdistill.templates import render


def length_band(texts: list[str], width: float) -> tuple[float, float]:
    """Mean +- ``width`` standard deviations of the texts' lengths (characters)."""
    lengths = [len(t) for t in texts]
    if len(lengths) < 2:
        return 0.0, float("inf")
    mean, sd = statistics.fmean(lengths), statistics.stdev(lengths)
    return mean - width * sd, mean + width * sd


def cut_at_word(text: str, cap: int) -> str:
    """``text`` cut to at most ``cap`` characters at a space (as real inputs are cut)."""
    if len(text) <= cap:
        return text
    head = text[:cap]
    space = head.rfind(" ")
    return head[:space] if space > cap // 2 else head


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def majority(answers: list[str]) -> tuple[str, int]:
    """The most frequent non-empty answer (ties: the shortest, then the first seen) and its
    count; ``("", 0)`` when every answer is empty."""
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for answer in answers:
        key = _key(answer)
        if key:
            counts[key] += 1
            first.setdefault(key, answer.strip())
    if not counts:
        return "", 0
    best = min(counts, key=lambda k: (-counts[k], len(k)))
    return first[best], counts[best]


@dataclass(frozen=True)
class SelfGuide:
    """``generate.method: selfguide`` (see the module docstring)."""

    name: str = "selfguide"

    def generate(self, ctx: GenerationContext) -> GenerationResult:
        sg = ctx.selfguide or SelfGuideParams()
        budget = ctx.params.budget
        seeds = ctx.seed_rows
        if not seeds:
            raise ValueError("selfguide needs seed examples; the seed set is empty")
        rng = random.Random(f"selfguide:{sg.seed}")
        seed_inputs = [r["text"] for r in seeds]
        band = length_band(seed_inputs, sg.input_length_sd) if sg.input_length_sd else (0, 1e9)
        cap = max(len(t) for t in seed_inputs)  # inputs are cut like the real ones
        seen = {_key(r["text"]) for r in seeds}
        result = GenerationResult()
        kept: list[tuple[str, str, Completion, int]] = []  # id, input, call, batch
        calls = 0
        batch = 0
        while calls + sg.batch_size + sg.samples * len(kept) <= budget:
            requests, targets = self._input_requests(ctx, sg, rng, [k[1] for k in kept], batch)
            replies = ctx.teacher.generate(requests, desc=f"selfguide inputs {batch + 1}")
            calls += len(requests)
            for i, (samples, target) in enumerate(zip(replies, targets, strict=True)):
                example_id = f"{ctx.task_name}-selfguide-{batch:03d}-{i:02d}"
                reply = samples[0]
                text = clean_text(reply.text or "")
                reason = self._input_reason(reply, text, sg, band, seen, cap)
                text = cut_at_word(text, cap)
                lineage = {"method": self.name, "input_call": reply.key, "batch": batch}
                if target:
                    lineage["asked_label"] = target
                result.per_call[0 if reason else 1] += 1
                if reason:
                    result.rejected.append(
                        {"id": example_id, "text": text, "reason": reason, "lineage": lineage}
                    )
                    continue
                seen.add(_key(text))
                kept.append((example_id, text, reply, batch))
            batch += 1
        affordable = max(0, (budget - calls) // sg.samples)
        for example_id, text, call, batch_no in kept[affordable:]:
            lineage = {"method": self.name, "input_call": call.key, "batch": batch_no}
            result.rejected.append(
                {"id": example_id, "text": text, "reason": "over_budget", "lineage": lineage}
            )
        self._annotate(ctx, sg, kept[:affordable], result)
        return result

    def _asked(
        self, ctx: GenerationContext, rng: random.Random
    ) -> tuple[str | None, str, list[Example]]:
        """What one input request asks for: (the label asked for or None, text added to
        the task description, the seeds shown as good inputs)."""
        return None, "", ctx.seed_rows

    def _demos(self, ctx: GenerationContext, sg: SelfGuideParams) -> list[Example]:
        """The seeds shown as earlier turns when the model answers its own inputs."""
        return ctx.seed_rows

    def _answer(self, ctx: GenerationContext, text: str) -> str:
        """A sampled answer as voted on ("" when it holds no answer)."""
        raise NotImplementedError

    def _finish(self, sg: SelfGuideParams, kept: list[Example], result: GenerationResult) -> None:
        """Add the annotated rows that passed the vote to ``result`` (in order)."""
        result.rows.extend(kept)

    def _input_requests(
        self,
        ctx: GenerationContext,
        sg: SelfGuideParams,
        rng: random.Random,
        earlier: list[str],
        batch: int,
    ) -> tuple[list[TeacherRequest], list[str | None]]:
        """Raw-completion prompts ending where the next good input begins (as in the
        authors' code; measured here, a 135M chat model asked in a chat turn mostly
        answers about the task instead of writing an input)."""
        task, lang = ctx.task, ctx.task.language
        requests, targets = [], []
        for i in range(sg.batch_size):
            target, extra, pool = self._asked(ctx, rng)
            description = task.description.strip() + extra
            good = rng.sample(pool, min(sg.shots, len(pool)))
            weak_n = rng.randint(1, sg.low_quality) if earlier and sg.low_quality else 0
            weak = rng.sample(earlier, min(weak_n, len(earlier)))
            weak_block = (
                render(lang, "selfguide_weak", weak="\n".join(f"Input: {t}" for t in weak))
                if weak
                else ""
            )
            numbered = [f"Input {k + 1}: {r['text']}" for k, r in enumerate(good)]
            prompt = render(
                lang,
                "selfguide_input",
                description=description,
                good="\n".join(numbered),
                weak=weak_block,
            )
            sampling = SamplingParams(
                temperature=sg.input_temperature,
                top_p=1.0,
                top_k=sg.top_k,
                max_tokens=sg.input_max_tokens,
                stop=("\n",),
                seed=sg.seed * 1_000_003 + batch * 1_000 + i,
            )
            prompt += f"\nInput {len(good) + 1}:"
            requests.append(TeacherRequest(prompt=prompt, params=sampling))
            targets.append(target)
        return requests, targets

    @staticmethod
    def _input_reason(
        reply: Completion,
        text: str,
        sg: SelfGuideParams,
        band: tuple[float, float],
        seen: set[str],
        cap: int,
    ) -> str | None:
        if not text:
            return "empty"
        if reply.finish_reason == "length" and len(text) < cap:
            return "truncated"  # cut off before reaching the real inputs' length
        lowered = text.casefold()
        if any(phrase.casefold() in lowered for phrase in sg.noise_phrases):
            return "noise"
        if len(text) < sg.min_input_chars:
            return "too_short"
        if not band[0] <= len(text) <= band[1]:
            return "length"
        if _key(text) in seen:
            return "duplicate"
        return None

    def _annotate(
        self,
        ctx: GenerationContext,
        sg: SelfGuideParams,
        inputs: list[tuple[str, str, Completion, int]],
        result: GenerationResult,
    ) -> None:
        sampling = SamplingParams(
            temperature=sg.output_temperature,
            top_p=1.0,
            top_k=sg.output_top_k,
            max_tokens=ctx.params.max_tokens,
            seed=sg.seed,
        )
        rows = [{"text": text} for _, text, _, _ in inputs]
        requests = [  # the task's answer request, sampled: the vote needs several answers
            replace(r, params=replace(sampling, choices=r.params.choices), n=sg.samples)
            for r in answer_requests(ctx.task, rows, ctx.params.max_tokens, self._demos(ctx, sg))
        ]
        replies = ctx.teacher.generate(requests, desc="selfguide answers") if requests else []
        seed_outputs = [r["output"] for r in ctx.seed_rows if "output" in r]
        low, high = length_band(seed_outputs, sg.output_length_sd)  # no outputs: no bounds
        target = task_kind(ctx.task).target
        kept: list[Example] = []
        for (example_id, text, call, batch), samples in zip(inputs, replies, strict=True):
            lineage: dict[str, Any] = {
                "method": self.name,
                "input_call": call.key,
                "batch": batch,
                "answer_calls": [s.key for s in samples],
            }
            answer, votes = majority([self._answer(ctx, s.text or "") for s in samples])
            lineage["votes"] = votes
            reason = None
            if not answer:
                reason = "no_answer"
            elif votes / len(samples) < sg.min_frequency:
                reason = "no_consensus"
            elif not low <= len(answer) <= high:
                reason = "output_length"
            if reason:
                result.rejected.append(
                    {"id": example_id, "text": text, "reason": reason, "lineage": lineage}
                )
                continue
            kept.append({"id": example_id, "text": text, "lineage": lineage, target: answer})
        self._finish(sg, kept, result)


@dataclass(frozen=True)
class SelfGuideClassification(SelfGuide):
    """SELF-GUIDE for a classification task: each input is asked for a drawn label (not
    kept), the answers are label names, and the kept labels are balanced."""

    def _asked(
        self, ctx: GenerationContext, rng: random.Random
    ) -> tuple[str | None, str, list[Example]]:
        task = ctx.task
        target = rng.choice(list(task.labels))
        fields = {"label": target, "label_description": task.labels[target]}
        extra = "\n" + render(task.language, "selfguide_label", **fields)
        pool = [r for r in ctx.seed_rows if r["label"] == target] or ctx.seed_rows
        return target, extra, pool

    def _answer(self, ctx: GenerationContext, text: str) -> str:
        return parse_label(text, ctx.task.labels) or ""

    def _finish(self, sg: SelfGuideParams, kept: list[Example], result: GenerationResult) -> None:
        by_label: dict[str, list[Example]] = {}
        for row in kept:
            by_label.setdefault(row["label"], []).append(row)
        least = min(map(len, by_label.values()), default=0)
        rng = random.Random(f"selfguide-balance:{sg.seed}")
        for label in sorted(by_label):  # balance the labels by downsampling
            rows = by_label[label]
            keep = set(map(id, rng.sample(rows, least)))
            for row in rows:
                if id(row) in keep:
                    result.rows.append(row)
                else:
                    result.rejected.append({**row, "reason": "balance"})


@dataclass(frozen=True)
class SelfGuideGeneration(SelfGuide):
    """SELF-GUIDE for a generation task: ``shots`` seed pairs as earlier turns, the
    answer's first line as the output, outputs outside the seeds' length band dropped."""

    def _demos(self, ctx: GenerationContext, sg: SelfGuideParams) -> list[Example]:
        return ctx.seed_rows[: sg.shots]

    def _answer(self, ctx: GenerationContext, text: str) -> str:
        return first_answer(text)


# the student model writes its own data, for either kind of task
SPECS = (
    MethodSpec("selfguide", CLASSIFICATION, SelfGuideClassification(), self_generating=True),
    MethodSpec("selfguide", GENERATION, SelfGuideGeneration(), self_generating=True),
)
