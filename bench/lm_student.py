"""What an LM student costs on this machine: load, LoRA steps, generation vs llama.cpp.

    .venv/bin/python bench/lm_student.py [--model smollm2-135m-instruct] [--examples 16]

- load: the packaged GGUF dequantized into transformers (``synthdistill.lm.model``);
- train: LoRA steps (batch 8) on prompt -> completion pairs of ~60 tokens, seconds/step;
- generate: batched greedy decoding in torch of ``--examples`` prompts, 24 new tokens,
  ms per example and tokens/s, against the same GGUF in llama.cpp (``LlamaCppBackend``,
  the same prompts, greedy, 8 slots).

The prompts are bbc_news-like ("Headline for: <lead>"), the numbers are about cost, not
quality. Writes bench/results/lm_student.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from synthdistill.lm.model import load_lm
from synthdistill.lm.tuning import train_lm
from synthdistill.params import LMParams
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.llamacpp import LlamaCppBackend
from synthdistill.teachers.teacher import Teacher

RESULTS = Path(__file__).resolve().parent / "results" / "lm_student.json"
LEADS = [
    "The government has announced new plans to cut hospital waiting lists by next spring.",
    "Shares in the carmaker fell sharply after it warned that profits would be lower.",
    "The striker scored twice as the champions came from behind to win the derby.",
    "A new smartphone with a folding screen goes on sale in Europe next month.",
    "The award-winning director's latest film opens the festival on Thursday night.",
    "Ministers are under pressure to explain the rising cost of the rail project.",
    "The tennis star withdrew from the tournament with a recurring wrist injury.",
    "Online retailers reported record sales over the holiday weekend, figures show.",
]
NEW_TOKENS = 24


def prompts(n: int) -> list[str]:
    return [f"Write a headline for: {LEADS[i % len(LEADS)]} ({i})" for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--examples", type=int, default=16)
    parser.add_argument("--steps", type=int, default=4)
    args = parser.parse_args()
    result: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "command": f"python bench/lm_student.py --model {args.model} --examples "
        f"{args.examples} --steps {args.steps}",
        "model": args.model,
    }
    start = time.perf_counter()
    student = load_lm(args.model)
    result["load_s"] = round(time.perf_counter() - start, 1)
    asks = prompts(args.examples)

    start = time.perf_counter()
    outputs = student.generate(asks, max_new_tokens=NEW_TOKENS, batch_size=8)
    wall = time.perf_counter() - start
    tokens = sum(len(student.tokenizer(o)["input_ids"]) for o in outputs)
    result["torch_generate"] = {
        "ms_per_example": round(1000 * wall / len(asks), 1),
        "tokens_per_s": round(tokens / wall, 1),
    }

    pairs = [(a, "Headline: " + LEADS[i % len(LEADS)][:60]) for i, a in enumerate(asks[:8])]
    params = LMParams(epochs=args.steps, batch_size=8, max_length=96)
    start = time.perf_counter()
    tuned = train_lm(student, pairs, params)
    result["lora_train"] = {
        "steps": len(tuned.losses),
        "s_per_step": round((time.perf_counter() - start) / max(1, len(tuned.losses)), 2),
        "losses": [round(x, 3) for x in tuned.losses],
    }
    del tuned, student

    backend = LlamaCppBackend(args.model, threads=2, parallel=8, context=256)
    greedy = SamplingParams(temperature=0.0, max_tokens=NEW_TOKENS, seed=0)
    requests = [TeacherRequest(messages=(Message("user", a),), params=greedy) for a in asks]
    with tempfile.TemporaryDirectory() as tmp:
        teacher = Teacher(backend, TeacherCache(Path(tmp) / "c.sqlite"), progress=False)
        start = time.perf_counter()
        out = teacher.generate(requests)
        wall = time.perf_counter() - start
        teacher.close()
    done = sum(row[0].completion_tokens for row in out)
    result["llamacpp_generate"] = {
        "ms_per_example": round(1000 * wall / len(asks), 1),
        "tokens_per_s": round(done / wall, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
