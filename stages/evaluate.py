"""Stage evaluate: students and the teacher baseline on the gold test set."""

import argparse
from pathlib import Path

from synthdistill.evaluation import evaluate_generation, evaluate_task
from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.params import TaskParams, load_section, load_task
from synthdistill.stage import log, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--test", type=Path, required=True, help="gold test set")
    p.add_argument(
        "--model", action="append", default=[], metavar="NAME=DIR", help="student to evaluate"
    )
    p.add_argument("--teacher-predictions", type=Path, help="teacher_prompting output")
    p.add_argument("--metrics", type=Path, required=True, help="eval.json (scores with CIs)")
    p.add_argument("--latency", type=Path, help="student latencies, wall clock (JSON)")
    p.add_argument("--plots-dir", type=Path, help="confusion matrices (classification)")
    p.add_argument("--seeds", type=Path, help="generation: seed pairs of the few-shot baseline")
    p.add_argument("--predictions-dir", type=Path, help="generation: per-example outputs")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    if task.kind == "generation":
        evaluate_generation_task(args, task)
        return
    test = read_jsonl(args.test, required=("id", "text", "label"))
    models = dict(item.split("=", 1) for item in args.model)
    teacher_rows = read_jsonl(args.teacher_predictions) if args.teacher_predictions else None
    metrics, latency, confusion = evaluate_task(list(task.labels), test, models, teacher_rows)
    write_json(args.metrics, metrics)
    if args.latency:
        write_json(args.latency, latency)
    for name, rows in confusion.items():
        if args.plots_dir:
            write_json(args.plots_dir / f"confusion_{name}.json", rows)
    log.info(
        "evaluate %s: %s",
        args.task,
        {
            name: f"{m['macro_f1']:.3f} [{m['macro_f1_ci_low']:.3f}, {m['macro_f1_ci_high']:.3f}]"
            for name, m in metrics.items()
            if isinstance(m, dict) and "macro_f1" in m
        },
    )


def evaluate_generation_task(args: argparse.Namespace, task: TaskParams) -> None:
    """LM students, the base model zero-/few-shot and the teacher on the test pairs."""
    test = read_jsonl(args.test, required=("id", "text", "output"))
    seeds = read_jsonl(args.seeds, required=("id", "text", "output")) if args.seeds else []
    models = dict(item.split("=", 1) for item in args.model)
    teacher_rows = read_jsonl(args.teacher_predictions) if args.teacher_predictions else None
    params = load_section("lm", args.params)
    metrics, predictions, latency = evaluate_generation(
        task, test, models, seeds, params, teacher_rows
    )
    write_json(args.metrics, metrics)
    if args.latency:
        write_json(args.latency, latency)
    if args.predictions_dir:
        for name, rows in predictions.items():
            write_jsonl(args.predictions_dir / f"{name}.jsonl", rows)
    log.info(
        "evaluate %s: ROUGE-L %s",
        args.task,
        {
            name: f"{m['rougeL']:.1f} [{m['rougeL_ci_low']:.1f}, {m['rougeL_ci_high']:.1f}]"
            for name, m in metrics.items()
            if isinstance(m, dict) and "rougeL" in m
        },
    )


if __name__ == "__main__":
    run(main)
