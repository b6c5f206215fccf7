"""Stage generate: the chosen method turns teacher calls into labelled examples."""

from pathlib import Path

from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.methods import GenerationContext, get_spec
from synthdistill.params import (
    ParamsError,
    describe_calls,
    load_generate,
    load_section,
    load_task,
    planned_calls,
)
from synthdistill.stage import log, parser, run
from synthdistill.task_kinds import task_kind
from synthdistill.teachers import build_teacher, prompting_teacher_params
from synthdistill.teachers.tuned import tuned_adapter


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--seed", type=Path, required=True, help="labelled seed examples")
    p.add_argument("--retrieved", type=Path, help="seed -> passage rows (synthesizrr)")
    p.add_argument("--out", type=Path, required=True, help="generated examples (JSONL)")
    p.add_argument("--rejected", type=Path, required=True, help="unparseable outputs + reason")
    p.add_argument("--report", type=Path, required=True, help="parse counts (JSON)")
    p.add_argument("--usage", type=Path, required=True, help="teacher budget spent (JSON)")
    p.add_argument("--runtime", type=Path, help="calls vs cache hits, seconds (JSON)")
    p.add_argument("--method", help="this method instead of the task's (a baseline stage)")
    p.add_argument("--pool", type=Path, help="unlabelled inputs (annotation methods)")
    p.add_argument("--tuned-teacher", type=Path, help="tune_teacher's output (ft_* methods)")
    p.add_argument(
        "--annotation-plot", type=Path, help="annotated pool inputs: gold vs answer rows (JSON)"
    )
    args = p.parse_args()
    task = load_task(args.task, args.params)
    params = load_generate(args.task, args.params, args.method)
    spec = get_spec(params.method, task.kind)  # validates before the teacher loads
    calls = describe_calls(planned_calls(args.task, args.params))
    log.info("generate %s (%s): this run makes %s", args.task, params.method, calls)
    artefacts = load_section("artefacts", args.params)
    seeds = read_jsonl(args.seed, required=task_kind(task).fields, allow_empty=True)
    retrieved = read_jsonl(args.retrieved, allow_empty=True) if args.retrieved else []
    # the pool's labels stay in the file: only the annotation score reads them
    pool = read_jsonl(args.pool, required=("id", "text"), allow_empty=True) if args.pool else []
    model = task.teacher_model
    selfguide = None
    if spec.self_generating:  # the student model writes its own data
        model = load_section("lm", args.params).student
        selfguide = load_section("selfguide", args.params)
    lora = None
    if spec.tuned_teacher:
        if not args.tuned_teacher:
            raise ParamsError(f"method '{params.method}' needs --tuned-teacher (tune_teacher)")
        lora = tuned_adapter(args.tuned_teacher)
    active = trainer = None
    if spec.in_loop_student:  # the task's student, unless active.student
        from synthdistill.students import is_lm, is_setfit  # loads torch: only here
        from synthdistill.students.in_loop import StudentTrainer

        active = load_section("active", args.params)
        train = load_section("train", args.params)
        student = active.student or task.student or train.student
        train = train.model_copy(update={"student": student})
        lm = load_section("lm", args.params) if is_lm(student) else None
        setfit = load_section("setfit", args.params) if is_setfit(student) else None
        trainer = StudentTrainer(list(task.labels), train, task.language, lm, setfit)
        if active.warm_start:  # validated at stage start, before the teacher loads
            trainer.check_warm_start()
    teacher_params = prompting_teacher_params(
        load_section("teacher", args.params), shared_prefix=spec.shared_prefix
    )
    teacher = build_teacher(teacher_params, model, lora=lora)
    try:
        ctx = GenerationContext(
            task_name=args.task,
            task=task,
            params=params,
            teacher=teacher,
            seed_rows=seeds,
            artefacts=artefacts,
            retrieved=retrieved,
            selfguide=selfguide,
            pool=pool,
            finetune=load_section("finetune", args.params),
            active=active,
            student_trainer=trainer,
        )
        result = spec.method.generate(ctx)
    finally:  # on failure the git-tracked ledger of the last good run stays as it is
        log.info("generate %s: teacher usage %s", args.task, teacher.usage.as_dict())
        teacher.close()
    write_json(args.usage, teacher.usage.ledger())
    if args.runtime:
        write_json(args.runtime, teacher.usage.runtime())
    write_jsonl(args.out, result.rows)
    write_jsonl(args.rejected, result.rejected)
    counts = result.counts()
    if args.annotation_plot:  # empty for a method that annotates nothing
        write_json(args.annotation_plot, result.annotation_rows())
    write_json(args.report, counts)
    log.info(
        "generate %s (%s): %d examples, %d rejected %s; teacher %s",
        args.task,
        params.method,
        len(result.rows),
        len(result.rejected),
        counts["rejected"],
        teacher.usage.as_dict(),
    )


if __name__ == "__main__":
    run(main)
