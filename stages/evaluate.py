"""Stage evaluate: students and the teacher baseline on the gold test set."""

from pathlib import Path

from synthdistill.evaluation import evaluate_task
from synthdistill.io import read_jsonl, write_json
from synthdistill.params import load_task
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
    p.add_argument("--plots-dir", type=Path, required=True, help="confusion matrices")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    test = read_jsonl(args.test, required=("id", "text", "label"))
    models = dict(item.split("=", 1) for item in args.model)
    teacher_rows = read_jsonl(args.teacher_predictions) if args.teacher_predictions else None
    metrics, latency, confusion = evaluate_task(list(task.labels), test, models, teacher_rows)
    write_json(args.metrics, metrics)
    if args.latency:
        write_json(args.latency, latency)
    for name, rows in confusion.items():
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


if __name__ == "__main__":
    run(main)
