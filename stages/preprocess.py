"""Stage preprocess: normalise, filter, dedup and decontaminate generated examples."""

from pathlib import Path

from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.preprocess import clean_dataset
from synthdistill.stage import log, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--generated", type=Path, required=True, help="generated examples")
    p.add_argument("--test", type=Path, required=True, help="gold test set (contamination)")
    p.add_argument("--out", type=Path, required=True, help="clean training set")
    p.add_argument("--rejected", type=Path, required=True, help="dropped rows + reason")
    p.add_argument("--counts", type=Path, required=True, help="filter counts (JSON)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("preprocess", args.params)
    rows = read_jsonl(args.generated, required=("id", "text", "label"), allow_empty=True)
    test = read_jsonl(args.test, required=("id", "text", "label"))
    result = clean_dataset(rows, test, task.language, list(task.labels), params)
    write_jsonl(args.out, result.kept)
    write_jsonl(args.rejected, result.rejected)
    write_json(args.counts, result.counts)
    dropped = ", ".join(f"{n} {r}" for r, n in result.counts["dropped"].items() if n)
    log.info("preprocess %s: kept %d of %d (%s)", args.task, len(result.kept), len(rows), dropped)


if __name__ == "__main__":
    run(main)
