"""Stage teacher_prompting: the teacher labels the gold test set (a baseline).

The seeds are its few-shot turns and its answer is constrained to the label names. With
``teacher_prompting.teacher: tuned`` the tune_teacher stage's LoRA teacher answers
instead, zero-shot, with the prompt it was tuned on (it learned the seeds).
"""

from pathlib import Path

from synthdistill.baselines import teacher_latency
from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.methods.finetuned import tuned_annotation_requests
from synthdistill.params import ParamsError, load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.task_kinds import task_kind
from synthdistill.teacher_requests import answer_requests, read_answers
from synthdistill.teachers import build_teacher, prompting_teacher_params
from synthdistill.teachers.base import SamplingParams
from synthdistill.teachers.tuned import tuned_adapter


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--test", type=Path, required=True, help="gold test set")
    p.add_argument("--seeds", type=Path, required=True, help="labelled seeds (few-shot turns)")
    p.add_argument("--out", type=Path, required=True, help="teacher predictions (JSONL)")
    p.add_argument("--usage", type=Path, required=True, help="teacher budget spent (JSON)")
    p.add_argument("--runtime", type=Path, help="calls vs cache hits + latency probe (JSON)")
    p.add_argument("--tuned-teacher", type=Path, help="tune_teacher's output (teacher: tuned)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    kind = task_kind(task)
    params = load_section("teacher_prompting", args.params)
    tuned = params.teacher == "tuned"
    if tuned and (not kind.tuned_prompting or not args.tuned_teacher):
        raise ParamsError(
            "teacher_prompting.teacher: 'tuned' needs a classification task and "
            "--tuned-teacher (tune_teacher's output); choose one of: base, tuned"
        )
    lora = tuned_adapter(args.tuned_teacher) if tuned else None
    test = read_jsonl(args.test, required=kind.fields)
    seeds = read_jsonl(args.seeds, required=("text", kind.target))
    use_shots = params.shots and not tuned  # the tuned teacher learned the seeds
    shots = kind.take(seeds, params.max_shots) if use_shots else []
    rows = kind.take(test, params.max_examples)  # labels in turn (classification)
    teacher_params = prompting_teacher_params(load_section("teacher", args.params), bool(shots))
    teacher = build_teacher(teacher_params, task.teacher_model, lora=lora)
    # The answer's room: a label's (max_tokens), or an output's: the students' answer budget
    # (lm.max_new_tokens), the same room for every system.
    section, key = kind.answer_budget
    max_tokens = getattr(load_section(section, args.params), key)
    if tuned:
        choices = tuple(task.labels) if params.constrained else ()
        sampling = SamplingParams(0.0, 1.0, max_tokens=max_tokens, choices=choices)
        requests = tuned_annotation_requests(task, rows, sampling)
    else:
        requests = answer_requests(task, rows, max_tokens, shots, params.constrained)
    try:
        predictions = read_answers(teacher, task, rows, requests)
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
        "teacher_prompting %s (%s teacher): %d predictions, %d shots, constrained=%s",
        args.task,
        params.teacher,
        len(predictions),
        len(shots),
        params.constrained,
    )


if __name__ == "__main__":
    run(main)
