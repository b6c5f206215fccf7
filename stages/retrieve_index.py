"""Stage retrieve_index: build the passage corpus (pool + packaged corpora, no test
examples) and its retrieval index, once per task."""

from pathlib import Path

from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.methods import get_spec
from synthdistill.params import load_generate, load_section, load_task
from synthdistill.retrieval import NO_INDEX
from synthdistill.retrieval.corpus import assert_no_test_leak, build_corpus
from synthdistill.retrieval.retrievers import make_retriever
from synthdistill.stage import log, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--pool", type=Path, required=True, help="unlabelled pool (labels ignored)")
    p.add_argument("--test", type=Path, required=True, help="gold test set (kept out of corpus)")
    p.add_argument("--out-dir", type=Path, required=True, help="corpus, report and index/")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("retrieval", args.params)
    method = load_generate(args.task, args.params).method  # the task's method overrides
    if not get_spec(method, task.kind).retrieval:
        write_json(args.out_dir / "index" / "meta.json", {"kind": NO_INDEX, "method": method})
        log.info(
            "retrieve_index %s: method %s uses no retrieval; no index built", args.task, method
        )
        return
    retriever = make_retriever(params.retriever, task.language, params.dense_model)
    pool = read_jsonl(args.pool, required=("id", "text"), allow_empty=True)
    test = read_jsonl(args.test, required=("id", "text"))
    corpus = build_corpus(
        args.task,
        task,
        pool,
        test,
        params.extra_sources,
        params.max_passage_chars,
        min_passage_words=params.min_passage_words,
        leak_threshold=params.leak_threshold,
        num_perm=params.num_perm,
    )
    assert_no_test_leak(corpus.passages, test, task.language, params.leak_threshold)
    write_jsonl(args.out_dir / "corpus.jsonl", corpus.passages)
    write_jsonl(args.out_dir / "corpus_rejected.jsonl", corpus.rejected)
    write_json(args.out_dir / "corpus_report.json", corpus.report())
    retriever.index(corpus.passages)
    retriever.save(args.out_dir / "index")
    log.info("retrieve_index %s: %s", args.task, corpus.summary())
    log.info("retrieve_index %s: %s index (%s) saved", args.task, params.retriever, retriever.model)


if __name__ == "__main__":
    run(main)
