"""Stage retrieve: for each seed example, the passages SynthesizRR will rewrite."""

import json
from pathlib import Path

from synthdistill.io import read_jsonl, write_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.retrieval import NO_INDEX
from synthdistill.retrieval.retrievers import make_retriever, retrieve_passages
from synthdistill.stage import log, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--seed", type=Path, required=True, help="labelled seed examples (queries)")
    p.add_argument("--index", type=Path, required=True, help="index dir from retrieve_index")
    p.add_argument("--out", type=Path, required=True, help="seed -> passage rows (JSONL)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("retrieval", args.params)
    meta = json.loads((args.index / "meta.json").read_text())
    if meta["kind"] == NO_INDEX:
        write_jsonl(args.out, [])
        log.info("retrieve %s: no index (method %s); nothing retrieved", args.task, meta["method"])
        return
    retriever = make_retriever(meta["kind"], task.language, meta.get("model", "auto"))
    retriever.load(args.index)
    seeds = read_jsonl(args.seed, required=("id", "text", "label"))
    rows = retrieve_passages(
        retriever,
        seeds,
        params.top_k,
        band=(params.band_low, params.band_high),
        n_per_seed=params.per_seed,
        seed=params.seed,
    )
    write_jsonl(args.out, rows)
    empty = sum(1 for row in rows if row.get("passage_id") is None)
    log.info(
        "retrieve %s: %d passages for %d seeds (%d seeds without)",
        args.task,
        len(rows) - empty,
        len(seeds),
        empty,
    )


if __name__ == "__main__":
    run(main)
