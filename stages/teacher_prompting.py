"""Stage teacher_prompting: the teacher labels the gold test set (a baseline).

The seeds are its few-shot turns and its answer is constrained to the label names.
"""

from pathlib import Path

from synthdistill.baselines import (
    classify_requests,
    generation_requests,
    interleave_labels,
    prompting_teacher_params,
    teacher_answers,
    teacher_classify,
    teacher_latency,
)
from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.params import load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.teachers import build_teacher


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--test", type=Path, required=True, help="gold test set")
    p.add_argument("--seeds", type=Path, required=True, help="labelled seeds (few-shot turns)")
    p.add_argument("--out", type=Path, required=True, help="teacher predictions (JSONL)")
    p.add_argument("--usage", type=Path, required=True, help="teacher budget spent (JSON)")
    p.add_argument("--runtime", type=Path, help="calls vs cache hits + latency probe (JSON)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_section("teacher_prompting", args.params)
    generation = task.kind == "generation"
    target = "output" if generation else "label"
    test = read_jsonl(args.test, required=("id", "text", target))
    seeds = read_jsonl(args.seeds, required=("text", target))
    shots = (seeds if generation else interleave_labels(seeds, None)) if params.shots else []
    rows = (
        test[: params.max_examples] if generation else interleave_labels(test, params.max_examples)
    )
    teacher_params = prompting_teacher_params(load_section("teacher", args.params), bool(shots))
    teacher = build_teacher(teacher_params, task.teacher_model)
    if generation:  # the teacher answers each test input (scored by stage evaluate) with
        # the students' answer budget (lm.max_new_tokens): the same room for every system
        answer_tokens = load_section("lm", args.params).max_new_tokens
        requests = generation_requests(task, rows, answer_tokens, shots)
    else:
        requests = classify_requests(task, rows, params.max_tokens, shots, params.constrained)
    try:
        if generation:
            predictions = teacher_answers(teacher, rows, requests)
        else:
            predictions = teacher_classify(teacher, task, rows, requests)
        latency = teacher_latency(teacher, requests[: params.latency_probe])
    finally:  # on failure the git-tracked ledger of the last good run stays as it is
        usage = teacher.usage
        log.info("teacher_prompting %s: teacher usage %s", args.task, usage.as_dict())
        teacher.close()
    write_jsonl(args.out, predictions)
    write_json(args.usage, usage.ledger())
    if args.runtime:
        write_json(args.runtime, {**usage.runtime(), **latency})
    log.info(
        "teacher_prompting %s: %d predictions, %d shots, constrained=%s",
        args.task,
        len(predictions),
        len(shots),
        params.constrained,
    )


if __name__ == "__main__":
    run(main)
