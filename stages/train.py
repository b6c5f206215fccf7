"""Stage train: train a student classifier on a JSONL training set."""

import argparse
from pathlib import Path

from synthdistill.io import read_jsonl, write_json
from synthdistill.params import TaskParams, load_section, load_task
from synthdistill.sampling import sample_like
from synthdistill.stage import log, parser, run
from synthdistill.students import is_lm, load_student, train_student
from synthdistill.students.seed_filter import drop_contradicted


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--data", type=Path, required=True, help="labelled training examples")
    p.add_argument(
        "--match-counts", type=Path, help="sample --data to this file's per-label counts"
    )
    p.add_argument("--add-seeds", type=Path, help="real seed examples added to --data")
    p.add_argument("--filter-model", type=Path, help="seeds-only student that may veto --data rows")
    p.add_argument("--filter-report", type=Path, help="what the filter dropped (JSON)")
    p.add_argument("--out", type=Path, required=True, help="model directory")
    p.add_argument("--live", type=Path, help="dvclive directory")
    p.add_argument("--val", type=Path, help="generation: pairs that choose the best epoch")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    if task.kind == "generation":
        train_generation(args, task)
        return
    params = load_section("train", args.params)
    if task.student:
        params = params.model_copy(update={"student": task.student})
    rows = read_jsonl(args.data, required=("id", "text", "label"), allow_empty=True)
    if args.match_counts:
        rows = sample_like(rows, read_jsonl(args.match_counts, allow_empty=True), params.seed)
    if args.filter_model:
        judge = load_student(args.filter_model)
        rows, report = drop_contradicted(rows, judge, params.contradiction_threshold)
        if args.filter_report:
            write_json(args.filter_report, report)
        log.info("train %s: the seeds-only student vetoed %d rows", args.task, report["dropped"])
    if args.add_seeds:
        rows = rows + read_jsonl(args.add_seeds, required=("id", "text", "label"))
    lm = load_section("lm", args.params) if is_lm(params.student) else None
    summary = train_student(rows, list(task.labels), params, args.out, args.live, task.language, lm)
    log.info("train %s: %s -> %s (%s)", args.task, args.data, args.out, summary)


def train_generation(args: argparse.Namespace, task: TaskParams) -> None:
    """A generation task's LM student (params section ``lm``) on input -> output rows."""
    from synthdistill.students.lm import fit_lm_student

    params = load_section("lm", args.params)
    required = ("id", "text", "output")
    rows = read_jsonl(args.data, required=required, allow_empty=True)
    if args.match_counts:  # as many gold pairs as the synthetic set holds (maybe none)
        like = read_jsonl(args.match_counts, allow_empty=True)
        rows = sample_like(rows, like, params.seed) if like else []
    if args.add_seeds:
        rows = rows + read_jsonl(args.add_seeds, required=required)
    val = read_jsonl(args.val, required=required) if args.val else []
    summary = fit_lm_student(task, rows, params, args.out, args.live, val)
    log.info("train %s: %s -> %s (%s)", args.task, args.data, args.out, summary)


if __name__ == "__main__":
    run(main)
