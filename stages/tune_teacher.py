"""Stage tune_teacher: LoRA-tune the task's teacher on the labelled seeds (both jobs:
label -> text and text -> label) and export the adapter for llama.cpp. For a method that
uses no tuned teacher (and no ``teacher_prompting.teacher: tuned``) it records that and
tunes nothing."""

from pathlib import Path

from synthdistill.io import read_jsonl
from synthdistill.methods import get_spec
from synthdistill.methods.finetuned import tuning_pairs
from synthdistill.params import load_generate, load_section, load_task
from synthdistill.stage import log, parser, run
from synthdistill.task_kinds import task_kind
from synthdistill.teachers.tuned import skip_tuning


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--seed", type=Path, required=True, help="labelled seed examples")
    p.add_argument("--out", type=Path, required=True, help="tuned teacher directory")
    p.add_argument("--live", type=Path, help="dvclive directory (the tuning loss)")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    method = load_generate(args.task, args.params).method
    spec = get_spec(method, task.kind)  # an unknown method fails here, listing the valid ones
    prompting = load_section("teacher_prompting", args.params).teacher
    if not spec.tuned_teacher and (prompting != "tuned" or not task_kind(task).tuned_prompting):
        skip_tuning(args.out, "neither the method nor teacher_prompting uses a tuned teacher")
        log.info(
            "tune_teacher %s: neither method %s nor teacher_prompting uses a tuned teacher; "
            "nothing tuned",
            args.task,
            method,
        )
        return
    from synthdistill.teachers.tuning import tune_teacher  # loads torch: only here

    model = task.teacher_model or load_section("teacher", args.params).model
    settings = load_section("finetune", args.params)
    seeds = read_jsonl(args.seed, required=("id", "text", "label"))
    pairs = tuning_pairs(task, seeds)
    meta = tune_teacher(model, pairs, settings.lm(model), args.out, args.live)
    how = f"reused from {meta['reused']}" if "reused" in meta else "tuned"
    log.info(
        "tune_teacher %s: %s on %d pairs %s (tuning took %.0f s) -> %s",
        args.task,
        model,
        meta["pairs"],
        how,
        meta["tuning_seconds"],
        args.out,
    )


if __name__ == "__main__":
    run(main)
