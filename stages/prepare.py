"""Stage prepare: load a task's labelled data, remove copies, split it into seed / test /
pool, and check the split before any teacher call."""

from pathlib import Path

from synthdistill.io import write_json, write_jsonl
from synthdistill.params import load_generate, load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.tasks import (
    check_pool,
    deduplicate,
    gold_shortfall,
    load_examples,
    split_examples,
    with_gold_fraction,
)


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out-dir", type=Path, required=True, help="where seed/test/pool.jsonl go")
    p.add_argument("--report", type=Path, help="copies removed and split sizes (JSON)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("prepare", args.params)
    rows, report = deduplicate(
        load_examples(args.task, task), task.language, params.dedup_threshold
    )
    splits = split_examples(rows, task, params.seed)
    splits = with_gold_fraction(splits, task, params.gold_fraction, params.seed)
    check_pool(args.task, task, splits)
    for warning in gold_shortfall(task, splits, load_generate(args.task, args.params).budget):
        log.warning("prepare %s: %s", args.task, warning)
    for name, split in splits.items():
        write_jsonl(args.out_dir / f"{name}.jsonl", split)
    if args.report:
        write_json(args.report, {**report, "splits": {n: len(r) for n, r in splits.items()}})
    log.info(
        "prepare %s: %s copies removed; %s",
        args.task,
        sum(report["dropped"].values()),
        ", ".join(f"{len(r)} {n}" for n, r in splits.items()),
    )


if __name__ == "__main__":
    run(main)
