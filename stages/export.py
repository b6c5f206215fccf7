"""Stage export: the shipped student and the kept synthetic data, each with a card."""

import shutil
import tempfile
from pathlib import Path

from synthdistill.export import (
    Provenance,
    RunFiles,
    dataset_card,
    export_dataset,
    model_card,
    write_card,
)
from synthdistill.export_model import export_model
from synthdistill.params import load_generate, load_section, load_task
from synthdistill.stage import log, parser, run


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--student", type=Path, required=True, help="models/<task>/<export.student>")
    p.add_argument("--train", type=Path, required=True, help="the kept synthetic rows")
    p.add_argument(
        "--rejected", action="append", default=[], metavar="STAGE=FILE", help="dropped rows"
    )
    p.add_argument("--metrics", type=Path, required=True, help="metrics/<task> (eval.json, ...)")
    p.add_argument("--out", type=Path, required=True, help="exports/<task>")
    args = p.parse_args()
    task = load_task(args.task, args.params)
    choice = load_section("export", args.params).student
    teacher = load_section("teacher", args.params)
    student = task.student or load_section("train", args.params).student
    prov = Provenance(
        args.task,
        task,
        task.teacher_model or teacher.model,
        teacher.backend,
        load_generate(args.task, args.params),
        student,
    )
    run_files = RunFiles.read(args.metrics)
    rejected = dict(item.split("=", 1) for item in args.rejected)
    args.out.mkdir(parents=True, exist_ok=True)
    # Built beside the outputs, then renamed into place: no half-written export survives.
    with tempfile.TemporaryDirectory(dir=args.out, prefix=".export-") as tmp:
        staging = Path(tmp)
        summary = export_dataset(
            task,
            args.train,
            {stage: Path(path) for stage, path in rejected.items()},
            staging / "dataset",
        )
        write_card(staging / "dataset", dataset_card(prov, run_files, summary))
        # the snippet names the folder where the model ends up, not the staging one
        exported = export_model(
            args.student, staging / "model", snippet_dir=str(args.out / "model")
        )
        write_card(staging / "model", model_card(prov, run_files, exported, choice, summary))
        for name in ("dataset", "model"):
            shutil.rmtree(args.out / name, ignore_errors=True)
            (staging / name).rename(args.out / name)
    log.info(
        "export %s: %s student and %d kept rows -> %s", args.task, choice, summary.kept, args.out
    )


if __name__ == "__main__":
    run(main)
