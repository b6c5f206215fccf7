"""The ``synthdistill`` command: look at a pipeline's outputs from the shell.

Subcommands:

* ``show-rejected <task>``: what the generate and preprocess stages threw away, and why.
* ``compare``: methods across seeds from ``dvc exp show --json -A`` (mean, 95% CI, paired
  difference against a baseline method).
* ``replay export`` / ``replay import``: the teacher calls a pipeline used, as a file that
  travels with the repository, so a fresh clone reproduces the outputs with 0 calls.

Expected failures print ``error: ...`` on stderr and return 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from synthdistill.artifacts import write_artifacts
from synthdistill.compare import collect_experiments, format_table, summarise
from synthdistill.errors import ParamsError
from synthdistill.io import DataError, read_jsonl, write_text
from synthdistill.params import check_params, describe_calls, load_raw, planned_calls
from synthdistill.plots import write_offline_template
from synthdistill.replay import export_calls, import_calls, keys_in_outputs
from synthdistill.report import report
from synthdistill.stage import EXPECTED
from synthdistill.task_init import plan_task, write_task
from synthdistill.teachers.cache import TeacherCache

STAGES = ("generate", "preprocess")
TEXT_WIDTH = 100
DVC_EXP_SHOW = ("exp", "show", "--json", "-A")


class CliError(Exception):
    """An expected failure: printed as ``error: <message>``, exit status 2."""


def package_version() -> str:
    try:
        return metadata.version("synthdistill")
    except metadata.PackageNotFoundError:
        return "0+unknown"


# --------------------------------------------------------------------------- show-rejected


def rejected_path(root: Path, task: str, stage: str) -> Path:
    return root / "data" / task / f"{stage}_rejected.jsonl"


def _load_rejected(root: Path, task: str, stages: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    task_dir = root / "data" / task
    if not task_dir.is_dir():
        known = sorted(p.name for p in (root / "data").glob("*/") if p.is_dir())
        hint = f"; tasks with data: {', '.join(known)}" if known else ""
        raise CliError(f"no data directory for task {task!r} ({task_dir}){hint}")
    loaded: dict[str, list[dict[str, Any]]] = {}
    for stage in stages:
        path = rejected_path(root, task, stage)
        if not path.exists():
            raise CliError(
                f"{path} not found: the {stage} stage has not run for {task} here; run "
                f"`dvc repro {stage}@{task}` (or `dvc pull` if it is in a remote)"
            )
        try:
            loaded[stage] = read_jsonl(path, allow_empty=True)
        except DataError as exc:
            raise CliError(str(exc)) from None
    return loaded


def _one_line(text: Any, width: int = TEXT_WIDTH) -> str:
    flat = " ".join(str(text if text is not None else "").split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def cmd_show_rejected(args: argparse.Namespace) -> int:
    root = Path(args.root)
    stages = STAGES if args.stage == "all" else (args.stage,)
    loaded = _load_rejected(root, args.task, stages)
    counts = {
        stage: Counter(str(row.get("reason", "?")) for row in rows)
        for stage, rows in loaded.items()
    }
    valid = sorted(set().union(*counts.values()))
    if args.reason is not None and args.reason not in valid:
        where = "+".join(stages)
        choices = ", ".join(valid) if valid else "(none: no rejected rows)"
        raise CliError(
            f"unknown reason {args.reason!r} for {args.task} ({where}); valid reasons: {choices}"
        )
    selected = [
        {"stage": stage, **row}
        for stage, rows in loaded.items()
        for row in rows
        if args.reason is None or row.get("reason") == args.reason
    ]
    shown = selected if args.limit <= 0 else selected[: args.limit]
    if args.json:
        report = {
            "task": args.task,
            "files": {stage: str(rejected_path(root, args.task, stage)) for stage in loaded},
            "counts": {stage: dict(counter.most_common()) for stage, counter in counts.items()},
            "reason": args.reason,
            "matching": len(selected),
            "rows": shown,
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    for stage, counter in counts.items():
        total = sum(counter.values())
        print(f"{stage}: {total} rejected ({rejected_path(root, args.task, stage)})")
        width = max((len(reason) for reason in counter), default=0)
        for reason, count in counter.most_common():
            print(f"  {reason:<{width}}  {count:>6}")
    print()
    what = f"reason {args.reason!r}" if args.reason else "all reasons"
    print(f"{len(selected)} rows with {what}; showing {len(shown)}")
    for row in shown:
        label = row.get("label")
        print(
            f"[{row['stage']}] {row.get('id', '?')}  {row.get('reason', '?')}  "
            f"label={label if label is not None else '-'}"
        )
        print(f"    {_one_line(row.get('text'))}")
        if row.get("detail"):
            print(f"    detail: {_one_line(row['detail'])}")
    if len(shown) < len(selected):
        print(f"... {len(selected) - len(shown)} more (--limit 0 shows all)")
    return 0


# --------------------------------------------------------------------------- compare


def _dvc_exp_show(root: Path) -> Any:
    command = [sys.executable, "-m", "dvc", *DVC_EXP_SHOW]
    shown = "dvc " + " ".join(DVC_EXP_SHOW)
    try:
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise CliError(f"could not run `{shown}`: {exc}") from None
    if done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:]) or "no message"
        raise CliError(f"`{shown}` failed in {root.resolve()} (exit {done.returncode}): {tail}")
    return _parse_exp_show(done.stdout, f"`{shown}` output")


def _parse_exp_show(text: str, source: str) -> Any:
    if not text.strip():
        raise CliError(
            f"{source} is empty: nothing to compare (is this a dvc repo with commits? "
            "run `dvc exp show --json -A` to see what dvc says)"
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"{source} is not JSON ({exc.msg} at line {exc.lineno})") from None


def _split(values: Sequence[str] | None, default: Sequence[str]) -> list[str]:
    """Repeated and/or comma-separated option values; ``default`` when none given."""
    if not values:
        return list(default)
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _first_run_task(root: Path) -> str:
    tasks = load_raw(root / "params.yaml").get("run_tasks") or []
    if not tasks:
        raise CliError("run_tasks is empty: name the task with --task")
    return str(tasks[0])


def cmd_predict(args: argparse.Namespace) -> int:
    # lazy: torch (students); the other commands start in under a second
    from synthdistill.predict import open_student, predict_rows, read_texts, write_rows

    texts = read_texts(args.input, args.field)
    student = open_student(args.student)
    rows = list(predict_rows(student, texts, progress=args.out is not None))
    write_rows(rows, student.labels, args.out)
    if args.out:
        print(f"labelled {len(rows)} texts -> {args.out}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    # lazy: torch, onnx (export)
    from synthdistill.export_model import export_model

    exported = export_model(args.student, args.out, base_model=args.base_model)
    print(exported.snippet)
    print(
        f"exported {exported.format} ({len(exported.files)} files) -> {args.out}; "
        f"the snippet above is {args.out}/snippet.py",
        file=sys.stderr,
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Everything a run needs from params.yaml, before any model loads or teacher call."""
    problems, lines = check_params(args.params)
    for line in lines:
        print(line)
    if problems:
        raise CliError("\n  ".join(["params.yaml is not ready:", *problems]))
    print("ok: every task in run_tasks and run_generation_tasks is ready")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    if args.json_file is None:
        data = _dvc_exp_show(Path(args.root))
    elif args.json_file == "-":
        data = _parse_exp_show(sys.stdin.read(), "standard input")
    else:
        path = Path(args.json_file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
        data = _parse_exp_show(text, str(path))
    try:
        rows = collect_experiments(data)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    group_by = _split(args.group_by, ["generate.method"])
    task = args.task or _first_run_task(Path(args.root))
    summary = summarise(
        rows,
        task=task,
        group_by=group_by,
        metric=args.metric,
        baseline=args.baseline,
        pair_key=args.pair_key,
        extra_metrics=_split(args.extra_metric, ["student_plus_seeds.macro_f1"]),
    )
    if not summary.groups:
        key = f"{summary.metrics_file}:{summary.metric}"
        seen = sorted({k.split(":", 1)[0] for row in rows for k in row.metrics})
        raise CliError(
            f"no experiment has {key} and the params {', '.join(group_by)} "
            f"({len(rows)} rows read; metrics files seen: {', '.join(seen) or 'none'})"
        )
    print(format_table(summary), end="")
    return 0


# --------------------------------------------------------------------------- replay

REPLAY_FILE = "replay/teacher_calls.jsonl.gz"


def cmd_init(args: argparse.Namespace) -> int:
    try:
        plan = plan_task(
            args.task,
            args.file,
            args.text_field,
            args.label_field,
            args.output_field,
            args.language,
        )
        write_task(plan, args.file, args.params, run_only=not args.keep_run_tasks)
    except (DataError, ParamsError) as exc:
        raise CliError(str(exc)) from None
    for line in plan.lines():
        print(line)
    print(
        f"cost: {describe_calls(planned_calls(plan.name, args.params))} (cached answers are free)"
    )
    todo = "the label descriptions" if args.label_field else "the instruction"
    print(f"wrote tasks.{plan.name} to {args.params} and copied the data to {plan.data_path}")
    print(
        f"next: fill in tasks.{plan.name}.description and {todo} in {args.params} "
        "(marked TODO), then run:"
    )
    if args.label_field:
        print(f"  dvc exp run && synthdistill report --task {plan.name}")
    else:
        print("  dvc repro pipelines/generation/dvc.yaml")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    tasks = args.task
    if not tasks:
        try:
            raw = load_raw(args.root / args.params)
        except ParamsError as exc:
            raise CliError(str(exc)) from None
        tasks = [*(raw.get("run_tasks") or []), *(raw.get("run_generation_tasks") or [])]
    try:
        text = report(tasks, args.root)
    except DataError as exc:
        raise CliError(str(exc)) from None
    print(text, end="")
    if args.out:
        write_text(args.out, text)
    return 0


def cmd_plots_template(args: argparse.Namespace) -> int:
    if not args.dvc_dir.is_dir():
        raise CliError(f"{args.dvc_dir}: no such directory (run in a DVC project, or --dvc-dir)")
    path = write_offline_template(args.dvc_dir)
    print(f"wrote {path} (dvc plots show renders offline with it)")
    return 0


def cmd_artifacts(args: argparse.Namespace) -> int:
    path = write_artifacts(args.root)
    print(f"wrote the artifacts section of {path} (list: dvc.api.artifacts_show / README)")
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    cache = TeacherCache()
    try:
        if args.action == "import":
            read, new = import_calls(cache, Path(args.file))
            print(f"imported {read} teacher calls from {args.file} ({new} new) into {cache.path}")
            return 0
        root = Path(args.root)
        keys = None
        if not args.all:
            dirs = [p for p in (root / "data").glob("*/") if p.is_dir()]
            keys = keys_in_outputs(dirs)
            if not keys:
                raise CliError(f"no teacher calls named in {root / 'data'}; run `dvc repro` first")
        count = export_calls(cache, Path(args.file), keys)
        print(f"exported {count} teacher calls from {cache.path} to {args.file}")
        return 0
    except DataError as exc:
        raise CliError(str(exc)) from None
    finally:
        cache.close()


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synthdistill",
        description="Inspect synthdistill pipeline outputs and compare experiments.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    show = commands.add_parser(
        "show-rejected",
        help="rows the generate/preprocess stages rejected, counted and listed by reason",
        description=(
            "Read data/<task>/generate_rejected.jsonl and data/<task>/preprocess_rejected.jsonl"
            ", print the number of rejected rows per reason and stage, then the rows."
        ),
    )
    show.add_argument("task", help="task name (data/<task>/ must exist)")
    show.add_argument("--reason", help="only rows with this reason (e.g. near_duplicate)")
    show.add_argument(
        "--stage", choices=[*STAGES, "all"], default="all", help="which file(s) (default all)"
    )
    show.add_argument("--limit", type=int, default=20, help="rows to list (default 20; 0 = all)")
    show.add_argument("--json", action="store_true", help="one JSON object: counts and full rows")
    show.add_argument("--root", default=".", help="repository directory (default: cwd)")
    show.set_defaults(func=cmd_show_rejected)

    compare = commands.add_parser(
        "compare",
        help="methods across seeds from `dvc exp show --json -A`: mean, CI, paired diff",
        description=(
            "Group experiments (workspace, commits, dvc experiments) by --group-by params, "
            "report each group's mean of --metric over seeds with a 95% Student t interval, "
            "and compare it with --baseline seed by seed (paired on --pair-key). "
            "Rows with the same group and seed are counted once (the newest)."
        ),
    )
    compare.add_argument("--task", help="task (default: the first of run_tasks)")
    compare.add_argument(
        "--metric",
        default="student.macro_f1",
        help="dotted key in metrics/<task>/eval.json (default student.macro_f1)",
    )
    compare.add_argument(
        "--group-by",
        action="append",
        metavar="PARAM",
        help="param(s) to group by; repeat or comma-separate (default generate.method)",
    )
    compare.add_argument(
        "--baseline",
        default="fewgen",
        help="group to compare against (values joined by ' / ' for several params)",
    )
    compare.add_argument(
        "--pair-key", default="generate.seed", help="param to pair rows on (default generate.seed)"
    )
    compare.add_argument(
        "--extra-metric",
        action="append",
        metavar="METRIC",
        help="more metrics to summarise where present (default student_plus_seeds.macro_f1)",
    )
    compare.add_argument(
        "--json-file",
        metavar="F",
        help="read saved `dvc exp show --json` output instead of running dvc ('-' = stdin)",
    )
    compare.add_argument("--root", default=".", help="repository directory (default: cwd)")
    compare.set_defaults(func=cmd_compare)

    init = commands.add_parser(
        "init",
        help="add your own task to params.yaml from a CSV/JSONL/Parquet file",
        description=(
            "Read FILE, find its labels (--label-field) or check its outputs "
            "(--output-field), detect the language, choose a split that leaves seeds, a "
            "test set and a pool, copy FILE to data/tasks/ (stage prepare depends on that "
            "folder) and write tasks.<TASK> into params.yaml, making it the task `dvc "
            "repro` runs. The descriptions only you can write are left as TODO "
            "placeholders: every stage refuses to start until they are filled in."
        ),
    )
    init.add_argument("file", type=Path, help="your data: .csv, .jsonl or .parquet")
    init.add_argument("--task", required=True, help="a name for the task (params key)")
    init.add_argument("--text-field", default="text", help="field with the text (default text)")
    target = init.add_mutually_exclusive_group(required=True)
    target.add_argument("--label-field", help="field with the label: a classification task")
    target.add_argument("--output-field", help="field with the output: a generation task")
    init.add_argument("--language", help="ISO 639-1 code (default: detected from the texts)")
    init.add_argument(
        "--keep-run-tasks",
        action="store_true",
        help="add the task to run_tasks instead of making it the only one",
    )
    init.add_argument("--params", type=Path, default=Path("params.yaml"), help="params file")
    init.set_defaults(func=cmd_init)

    check = commands.add_parser(
        "check",
        help="check params.yaml before a run: task names, TODOs, methods, cost",
        description=(
            "Validate every task that run_tasks and run_generation_tasks name (a misspelt "
            "name gets a did-you-mean; TODO placeholders and bad keys are named), its "
            "method, and print the teacher calls each run makes at most. `make repro` "
            "runs it first; run it before `dvc exp run`."
        ),
    )
    check.add_argument("--params", type=Path, default=Path("params.yaml"))
    check.set_defaults(func=cmd_check)

    predict = commands.add_parser(
        "predict",
        help="label new texts with a trained student (label + probability of each label)",
        description=(
            "Load a student directory (models/<task>/student, any folder a train stage "
            "wrote, or one `synthdistill export` wrote: ONNX when it has onnx/) and label "
            "the texts of FILE's --field (CSV, JSONL or Parquet) or of "
            "stdin, one text a line. Writes JSONL to stdout, or --out FILE.jsonl / .csv."
        ),
    )
    predict.add_argument("student", type=Path, help="student directory, e.g. models/T/student")
    predict.add_argument("input", nargs="?", type=Path, help="data file (default: stdin lines)")
    predict.add_argument("--field", default="text", help="the text field (default text)")
    predict.add_argument("--out", type=Path, help="write .jsonl or .csv here (default: stdout)")
    predict.set_defaults(func=cmd_predict)

    export = commands.add_parser(
        "export",
        help="export a student for use without synthdistill (HF folder + ONNX, or weights)",
        description=(
            "Write an encoder student as a save_pretrained folder (label names in config.json) "
            "plus onnx/model.onnx, an e5-linear or tfidf student as head.json (weights, no "
            "pickle). The folder's snippet.py loads and predicts without synthdistill; "
            "`synthdistill predict` reads the folder too (ONNX on onnxruntime)."
        ),
    )
    export.add_argument("student", type=Path, help="student directory, e.g. models/T/student")
    export.add_argument("out", type=Path, help="folder to write (replaced if it exists)")
    export.add_argument("--base-model", help="what the student was tuned from, for export.json")
    export.set_defaults(func=cmd_export)

    report_cmd = commands.add_parser(
        "report",
        help="one table per task: students and baselines with CIs, verdicts, teacher spend",
        description=(
            "Read the task's metrics and data reports (eval.json, teacher usage, latency, "
            "split and cleaning counts) and print one Markdown table per task with a "
            "plain-language verdict: did the synthetic data add to the seeds?"
        ),
    )
    report_cmd.add_argument(
        "--task", action="append", help="task(s) (default: run_tasks + run_generation_tasks)"
    )
    report_cmd.add_argument("--out", type=Path, help="also write the Markdown to this file")
    report_cmd.add_argument("--params", type=Path, default=Path("params.yaml"))
    report_cmd.add_argument("--root", type=Path, default=Path("."), help="repository directory")
    report_cmd.set_defaults(func=cmd_report)

    plots_template = commands.add_parser(
        "plots-template",
        help="write .dvc/plots/offline.html: `dvc plots show` renders with no network",
        description=(
            "DVC's plots page loads Vega from a CDN. Write a template holding Vega, "
            "Vega-Lite and Vega-Embed inline (from the vl-convert-python package) to "
            "DVC_DIR/plots/offline.html, which .dvc/config names as plots.html_template. "
            "`make install` runs it."
        ),
    )
    plots_template.add_argument("--dvc-dir", type=Path, default=Path(".dvc"))
    plots_template.set_defaults(func=cmd_plots_template)

    artifacts = commands.add_parser(
        "artifacts",
        help="write dvc.yaml's artifacts: section (DVC model registry) from the metrics",
        description=(
            "Declare each task's exported model and dataset (exports/<task>/) as DVC "
            "artifacts, their metadata (method, teacher, macro-F1 and its CI) taken from "
            "params.yaml and metrics/<task>/eval.json. Run after a pipeline run changed them."
        ),
    )
    artifacts.add_argument("--root", type=Path, default=Path("."), help="repository directory")
    artifacts.set_defaults(func=cmd_artifacts)

    replay = commands.add_parser(
        "replay",
        help="export / import the teacher calls a pipeline used (reproduce with 0 calls)",
        description=(
            "export: write the teacher-cache entries that the outputs under data/ name in "
            "their lineage (--all: every entry in the cache) to FILE, sorted, gzipped JSONL. "
            "import: add FILE's entries to the teacher cache ($SYNTHDISTILL_CACHE_DIR); "
            "existing entries keep their answer."
        ),
    )
    replay.add_argument("action", choices=["export", "import"])
    replay.add_argument("--file", default=REPLAY_FILE, help=f"default {REPLAY_FILE}")
    replay.add_argument("--all", action="store_true", help="export every cache entry")
    replay.add_argument("--root", default=".", help="repository directory (default: cwd)")
    replay.set_defaults(func=cmd_replay)
    return parser


class _StderrHandler(logging.Handler):
    """Library warnings as ``warning: ...`` lines on the current sys.stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"warning: {record.getMessage()}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logger = logging.getLogger("synthdistill.compare")
    handler = _StderrHandler(logging.WARNING)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        result: int = args.func(args)
        return result
    except (CliError, *EXPECTED) as exc:  # expected failures: one line, never a traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stop the flush at exit failing
        return 0
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


if __name__ == "__main__":
    sys.exit(main())
