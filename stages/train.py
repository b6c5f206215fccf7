"""Stage train: fine-tune a student classifier on a JSONL training set."""

from pathlib import Path

from synthdistill.io import read_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.students import train_student
from synthdistill.tasks import sample_like


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--data", type=Path, required=True, help="labelled training examples")
    p.add_argument(
        "--match-counts", type=Path, help="sample --data to this file's per-label counts"
    )
    p.add_argument("--out", type=Path, required=True, help="model directory")
    p.add_argument("--live", type=Path, help="dvclive directory")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("train", args.params)
    if task.student:
        params = params.model_copy(update={"student": task.student})
    rows = read_jsonl(args.data, required=("id", "text", "label"))
    if args.match_counts:
        rows = sample_like(rows, read_jsonl(args.match_counts, allow_empty=True), params.seed)
    summary = train_student(rows, list(task.labels), params, args.out, args.live, task.language)
    log.info("train %s: %s -> %s (%s)", args.task, args.data, args.out, summary)


if __name__ == "__main__":
    run(main)
