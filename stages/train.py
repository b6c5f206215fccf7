"""Stage train: train the task's student (as its kind trains one) on a JSONL training set."""

from pathlib import Path

from synthdistill.io import read_jsonl, write_json
from synthdistill.params import ParamsError, TrainParams, load_task
from synthdistill.sampling import sample_like
from synthdistill.stage import log, parser, run
from synthdistill.students import TRAINING_FILE, load_student
from synthdistill.students.families import STUDENT_FAMILIES
from synthdistill.students.seed_filter import drop_contradicted
from synthdistill.task_kinds import task_kind


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--data", type=Path, required=True, help="training examples")
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
    kind = task_kind(task)
    family = STUDENT_FAMILIES[kind.name]
    settings = family.settings(task, args.params)
    rows = read_jsonl(args.data, required=kind.fields, allow_empty=True)
    requested = None
    if args.match_counts:  # as many real rows as the synthetic set holds (maybe none)
        like = read_jsonl(args.match_counts, allow_empty=True)
        rows = sample_like(rows, like, settings.seed) if like else []
        requested = len(like)
        if len(rows) < requested:
            log.warning(
                "train %s: %s holds %d rows, fewer than the %d of %s: the comparison is "
                "at unequal sizes (eval.json says so)",
                args.task,
                args.data,
                len(rows),
                requested,
                args.match_counts,
            )
    if args.filter_model:
        if not isinstance(settings, TrainParams):
            raise ParamsError("--filter-model: a classification task's option (a label veto)")
        judge = load_student(args.filter_model)
        rows, report = drop_contradicted(rows, judge, settings.contradiction_threshold)
        if args.filter_report:
            write_json(args.filter_report, report)
        log.info("train %s: the seeds-only student vetoed %d rows", args.task, report["dropped"])
    if args.add_seeds:
        rows = rows + read_jsonl(args.add_seeds, required=kind.fields)
    val = read_jsonl(args.val, required=kind.fields) if args.val else []
    summary = family.fit(task, rows, settings, args.params, args.out, args.live, val)
    write_json(args.out / TRAINING_FILE, {"rows": len(rows), "requested": requested})
    log.info("train %s: %s -> %s (%s)", args.task, args.data, args.out, summary)


if __name__ == "__main__":
    run(main)
