"""Studies: sweeps over the pipeline's own stages, run by DVC (pipelines/studies/dvc.yaml).

The seed-count curve asks when teacher data helps: for each number of seeds per label and
each seed draw, the real stage scripts (train, teacher_prompting, generate, preprocess,
evaluate) run in this process on a params file derived from the root params.yaml, with the
draw's seeds and the same test set. One DVC ``matrix`` stage runs one (seeds, draw, method)
point; stage seed_curve (synthdistill/seed_curve.py) collects the points into the curve and
its verdict. There is no second copy of preprocess/train/evaluate here: only the seed draw
and the derived params.
"""

from __future__ import annotations

import importlib.util
import logging
import random
import sys
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from synthdistill.errors import DataError
from synthdistill.io import read_json, read_jsonl, write_json, write_jsonl

log = logging.getLogger("synthdistill")
REPO = Path(__file__).resolve().parent.parent
STAGES = REPO / "stages"
Row = dict[str, Any]


def draw_seeds(
    rows: Sequence[Row], labels: Sequence[str], k: int, draw: int
) -> tuple[list[Row], list[Row]]:
    """``k`` seeds per label drawn from ``rows`` (the task's seeds and pool: the test set is
    never drawn from), and the rest as the pool. Draws are nested: for one ``draw`` the
    seeds at ``k`` are the first ``k`` of the same per-label order, so a curve over ``k``
    adds seeds rather than swapping them."""
    by_label: dict[str, list[Row]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: str(r["id"])):
        by_label[row["label"]].append(row)
    seeds: list[Row] = []
    for label in labels:
        items = by_label.get(label, [])
        if len(items) < k:
            raise DataError(
                f"label '{label}': {len(items)} rows outside the test set, {k} seeds asked"
            )
        random.Random(f"seed-curve:{draw}:{label}").shuffle(items)
        seeds += items[:k]
    chosen = {str(row["id"]) for row in seeds}
    pool = [row for row in rows if str(row["id"]) not in chosen]
    return seeds, pool


def run_stage(name: str, args: Sequence[object]) -> None:
    """Run ``stages/<name>.py`` in this process, as ``dvc repro`` would run it."""
    spec = importlib.util.spec_from_file_location(f"stage_{name}", STAGES / f"{name}.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(STAGES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = sys.argv
    sys.argv = [str(STAGES / f"{name}.py"), *map(str, args)]
    try:
        module.main()
    finally:
        sys.argv = argv


def derived_params(
    root_params: Path,
    task: str,
    method: str,
    budget: int,
    draw: int,
    teacher_examples: int,
    generation_seed: int | None = None,
) -> dict[str, Any]:
    """The root params with the study's method and budget and the draw: the task's own
    method and budget overrides are cleared, the draw seeds the teacher's sampling (so a
    zero-shot method makes the same calls at every seed count of one draw), teacher
    prompting labels ``teacher_examples`` test rows and skips its (uncached) latency probe.
    A ``generation_seed`` seeds the method instead of the draw: the generation's sampling
    (``generate.seed``) and which pool rows are annotated (``finetune.seed``), so runs on
    one seed draw differ in their synthetic data only."""
    params = yaml.safe_load(root_params.read_text(encoding="utf-8"))
    params["tasks"][task].update(method=None, budget=None)
    seed = draw if generation_seed is None else generation_seed
    params["generate"].update(method=method, budget=budget, seed=seed)
    if generation_seed is not None:
        params["finetune"]["seed"] = generation_seed
    params["teacher_prompting"].update(max_examples=teacher_examples, latency_probe=0)
    return params


def synthetic_only_missing(kept: Sequence[Row]) -> str | None:
    """Why no synthetic-only student can be trained on ``kept`` (fewer than two labels), or
    None when one can."""
    labels = {row["label"] for row in kept}
    if len(labels) >= 2:
        return None
    return f"the synthetic data kept {len(kept)} example(s) of {len(labels)} label(s)"


def run_point(
    task: str,
    method: str,
    k: int,
    draw: int,
    budget: int,
    teacher_examples: int,
    root_params: Path,
    split: tuple[Path, Path, Path],
    out: Path,
    generation_seed: int | None = None,
) -> dict[str, Any]:
    """One point of the seed-count curve: ``k`` seeds per label of draw ``draw`` from the
    ``split`` files (seed, pool, test), then the seeds-only student, teacher prompting, and
    ``method``'s synthetic-only student and student + seeds, each evaluated on the test set;
    written to ``out`` with every system's test predictions (the curve pools them).
    ``generation_seed``: see :func:`derived_params`."""
    seed_file, pool_file, test = split
    labels = list(yaml.safe_load(root_params.read_text(encoding="utf-8"))["tasks"][task]["labels"])
    seeds, pool = draw_seeds(read_jsonl(seed_file) + read_jsonl(pool_file), labels, k, draw)
    params = derived_params(
        root_params, task, method, budget, draw, teacher_examples, generation_seed
    )
    with tempfile.TemporaryDirectory(prefix=f"seed-curve-{k}-{draw}-{method}-") as tmp:
        work = Path(tmp)
        seed, pool_path, params_file = (
            work / "seed.jsonl",
            work / "pool.jsonl",
            work / "params.yaml",
        )
        write_jsonl(seed, seeds)
        write_jsonl(pool_path, pool)
        params_file.write_text(yaml.safe_dump(params, allow_unicode=True, sort_keys=False))
        common = ["--task", task, "--params", params_file]
        run_stage("train", [*common, "--data", seed, "--out", work / "seeds"])
        run_stage(
            "teacher_prompting",
            [*common, "--test", test, "--seeds", seed, "--out", work / "teacher.jsonl"]
            + ["--usage", work / "teacher_usage.json"],
        )
        run_stage(
            "generate",
            [*common, "--seed", seed, "--pool", pool_path, "--out", work / "generated.jsonl"]
            + ["--rejected", work / "rejected.jsonl", "--report", work / "report.json"]
            + ["--usage", work / "usage.json", "--runtime", work / "runtime.json"],
        )
        run_stage(
            "preprocess",
            [*common, "--generated", work / "generated.jsonl", "--test", test]
            + ["--real", pool_path, seed, "--seeds", seed, "--out", work / "train.jsonl"]
            + ["--rejected", work / "dropped.jsonl", "--counts", work / "counts.json"],
        )
        kept = read_jsonl(work / "train.jsonl", allow_empty=True)
        # A classifier needs two labels: a point whose synthetic data kept fewer has no
        # synthetic-only student (the collector reports it missing); student + seeds still
        # trains, on the seeds and whatever was kept.
        models: dict[str, Path] = {}
        missing = synthetic_only_missing(kept)
        if missing is None:
            run_stage("train", [*common, "--data", work / "train.jsonl", "--out", work / "student"])
            models["student"] = work / "student"
        else:
            log.warning(
                "%s %s k=%d draw %d: no synthetic-only student (%s)", task, method, k, draw, missing
            )
        run_stage(
            "train",
            [*common, "--data", work / "train.jsonl", "--add-seeds", seed]
            + ["--filter-model", work / "seeds", "--out", work / "plus_seeds"],
        )
        models.update(seed_student=work / "seeds", student_plus_seeds=work / "plus_seeds")
        run_stage(
            "evaluate",
            [*common, "--test", test]
            + [arg for name, path in models.items() for arg in ("--model", f"{name}={path}")]
            + ["--teacher-predictions", work / "teacher.jsonl", "--metrics", work / "eval.json"]
            + ["--predictions-dir", work / "predictions"],
        )
        point: dict[str, Any] = {
            "task": task,
            "method": method,
            "seeds_per_label": k,
            "draw": draw,
            "n_seeds": len(seeds),
            "teacher_calls": read_json(work / "usage.json")["requests"],
            "kept": len(kept),
            "eval": read_json(work / "eval.json"),
            "gold": [row["label"] for row in read_jsonl(test)],
            "predictions": {
                name: [
                    row["prediction"] for row in read_jsonl(work / "predictions" / f"{name}.jsonl")
                ]
                for name in models
            },
        }
        if missing is not None:
            point["missing"] = {"student": missing}
        if generation_seed is not None:
            point["generation_seed"] = generation_seed
    write_json(out, point)
    return point
