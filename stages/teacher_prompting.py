"""Stage teacher_prompting: the teacher labels the gold test set zero-shot (a baseline)."""

from pathlib import Path

from synthdistill.baselines import interleave_labels, teacher_classify, teacher_latency
from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.teachers import build_teacher


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--test", type=Path, required=True, help="gold test set")
    p.add_argument("--out", type=Path, required=True, help="teacher predictions (JSONL)")
    p.add_argument("--usage", type=Path, required=True, help="teacher budget spent (JSON)")
    p.add_argument("--runtime", type=Path, help="calls vs cache hits + latency probe (JSON)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("teacher_prompting", args.params)
    test = read_jsonl(args.test, required=("id", "text", "label"))
    rows = interleave_labels(test, params.max_examples)
    teacher = build_teacher(load_section("teacher", args.params), task.teacher_model)
    try:
        predictions = teacher_classify(teacher, task, rows, params.max_tokens)
        latency = teacher_latency(teacher, task, rows[: params.latency_probe], params.max_tokens)
    finally:  # on failure the git-tracked ledger of the last good run stays as it is
        usage = teacher.usage
        log.info("teacher_prompting %s: teacher usage %s", args.task, usage.as_dict())
        teacher.close()
    write_jsonl(args.out, predictions)
    write_json(args.usage, usage.ledger())
    if args.runtime:
        write_json(args.runtime, {**usage.runtime(), **latency})
    log.info("teacher_prompting %s: %d predictions", args.task, len(predictions))


if __name__ == "__main__":
    run(main)
