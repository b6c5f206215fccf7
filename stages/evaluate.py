"""Stage evaluate: students and the teacher baseline on the gold test set."""

import json
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
    p.add_argument("--teacher-usage", type=Path, help="teacher_prompting usage (latency)")
    p.add_argument("--metrics", type=Path, required=True, help="eval.json")
    p.add_argument("--plots-dir", type=Path, required=True, help="confusion matrices")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    test = read_jsonl(args.test, required=("id", "text", "label"))
    models = dict(item.split("=", 1) for item in args.model)
    teacher_rows = read_jsonl(args.teacher_predictions) if args.teacher_predictions else None
    usage = json.loads(args.teacher_usage.read_text()) if args.teacher_usage else {}
    metrics, confusion = evaluate_task(task, test, models, teacher_rows, usage)
    write_json(args.metrics, metrics)
    for name, rows in confusion.items():
        write_json(args.plots_dir / f"confusion_{name}.json", rows)
    log.info(
        "evaluate %s: %s",
        args.task,
        {name: m.get("macro_f1") for name, m in metrics.items() if isinstance(m, dict)},
    )


if __name__ == "__main__":
    run(main)
