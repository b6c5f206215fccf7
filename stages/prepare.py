"""Stage prepare: load a task's labelled data and split it into seed / test / pool."""

from pathlib import Path

from synthdistill.io import write_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.tasks import load_examples, split_examples, with_gold_fraction


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--out-dir", type=Path, required=True, help="where seed/test/pool.jsonl go")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("prepare", args.params)
    splits = split_examples(load_examples(args.task, task), task, params.seed)
    splits = with_gold_fraction(splits, task, params.gold_fraction, params.seed)
    for name, rows in splits.items():
        write_jsonl(args.out_dir / f"{name}.jsonl", rows)
    log.info("prepare %s: %s", args.task, ", ".join(f"{len(r)} {n}" for n, r in splits.items()))


if __name__ == "__main__":
    run(main)
