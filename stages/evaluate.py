"""Stage evaluate: students and the teacher baseline on the gold test set."""

from pathlib import Path

from synthdistill.evaluation import EVALUATORS
from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.params import load_task
from synthdistill.stage import log, parser, run
from synthdistill.task_kinds import task_kind


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
    kind = task_kind(task)
    test = read_jsonl(args.test, required=kind.fields)
    seeds = read_jsonl(args.seeds, required=kind.fields) if args.seeds else []
    models = dict(item.split("=", 1) for item in args.model)
    teacher_rows = read_jsonl(args.teacher_predictions) if args.teacher_predictions else None
    result = EVALUATORS[kind.name](task, test, models, teacher_rows, seeds, args.params)
    write_json(args.metrics, result.metrics)
    if args.latency:
        write_json(args.latency, result.latency)
    if args.plots_dir:
        for name, rows in result.plots.items():
            write_json(args.plots_dir / f"confusion_{name}.json", rows)
    if args.predictions_dir:
        for name, examples in result.predictions.items():
            write_jsonl(args.predictions_dir / f"{name}.jsonl", examples)
    log.info("evaluate %s: %s", args.task, result.summary)


if __name__ == "__main__":
    run(main)
