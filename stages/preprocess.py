"""Stage preprocess: normalise, filter, dedup and decontaminate generated examples."""

from pathlib import Path

from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.preprocess import clean_task_rows
from synthdistill.stage import log, parser, run
from synthdistill.task_kinds import task_kind


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--generated", type=Path, required=True, help="generated examples")
    p.add_argument("--test", type=Path, required=True, help="gold test set (contamination)")
    p.add_argument(
        "--real", type=Path, nargs="+", required=True, help="real task texts (label-leak rates)"
    )
    p.add_argument("--seeds", type=Path, help="the seeds (a generated copy of one is dropped)")
    p.add_argument("--out", type=Path, required=True, help="clean training set")
    p.add_argument("--rejected", type=Path, required=True, help="dropped rows + reason")
    p.add_argument("--counts", type=Path, required=True, help="filter counts (JSON)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("preprocess", args.params)
    artefacts = load_section("artefacts", args.params)
    fields = task_kind(task).fields
    rows = read_jsonl(args.generated, required=fields, allow_empty=True)
    test = read_jsonl(args.test, required=fields)
    real = [row["text"] for path in args.real for row in read_jsonl(path, required=("text",))]
    seeds = read_jsonl(args.seeds, required=fields) if args.seeds else []
    result = clean_task_rows(task, rows, test, real, params, artefacts, seeds)
    write_jsonl(args.out, result.kept)
    write_jsonl(args.rejected, result.rejected)
    write_json(args.counts, {**result.counts, **result.settings})
    log.info("preprocess %s: %s", args.task, result.summary())


if __name__ == "__main__":
    run(main)
