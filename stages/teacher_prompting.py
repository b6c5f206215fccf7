"""Stage teacher_prompting: the teacher labels the gold test set zero-shot (a baseline)."""

from pathlib import Path

from synthdistill.baselines import teacher_classify, teacher_latency
from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.teachers import build_teacher


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--test", type=Path, required=True, help="gold test set")
    p.add_argument("--out", type=Path, required=True, help="teacher predictions (JSONL)")
    p.add_argument("--usage", type=Path, required=True, help="usage + latency (JSON)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("teacher_prompting", args.params)
    rows = read_jsonl(args.test, required=("id", "text", "label"))[: params.max_examples]
    teacher = build_teacher(load_section("teacher", args.params), task.teacher_model)
    try:
        predictions = teacher_classify(teacher, task, rows, params.max_tokens)
        latency = teacher_latency(teacher, task, rows[: params.latency_probe], params.max_tokens)
    finally:
        usage = teacher.usage.as_dict()
        teacher.close()
    write_jsonl(args.out, predictions)
    write_json(args.usage, {**usage, **latency})
    log.info("teacher_prompting %s: %d predictions; %s", args.task, len(predictions), usage)


if __name__ == "__main__":
    run(main)
