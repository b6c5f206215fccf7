"""The artefact audit: sample generated rows to hand-label, and score the filters on them.

Subcommands:

``gold-rates``  How often extraction would change, and the artefact filters would drop,
                real task texts (test + pool): the false-alarm rate on data that has no
                artefacts. Writes ``metrics/artefacts/gold_rates.json``.
``sample``      Generated rows that every non-artefact filter keeps, normalised, as an
                unlabelled audit file (``verdict`` null) to label by
                docs/artefact_audit.md.
``judge``       The optional model-based check: the task's teacher answers yes/no (constrained)
                "is this one clean example?" for each audit row of a split; its
                precision/recall against the hand labels and its cost in teacher calls
                and seconds. Writes ``metrics/artefacts/judge.json``.
``score``       Precision, recall and dirty share after filtering on the labelled audit
                file, per task and split (tune / heldout), plus self-consistency on the
                re-labelled rows. Writes ``metrics/artefacts/audit.json``.

Usage:
  python scripts/artefact_audit.py gold-rates
  python scripts/artefact_audit.py sample --task ja_news --generated G.jsonl --split tune \\
      --generate-seed 1 --out rows.jsonl [--limit 100]
  python scripts/artefact_audit.py score
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from synthdistill.io import read_jsonl, write_json, write_jsonl
from synthdistill.metrics.audit import agreement, score_filter, share
from synthdistill.metrics.audit import cleaning as audit_cleaning
from synthdistill.params import load_section, load_task
from synthdistill.preprocess import (
    Drop,
    RowFilter,
    artefact_filters,
    clean_dataset,
    normalized_row,
    task_artefact_context,
)
from synthdistill.text.artefacts import extract_reply

AUDIT = Path("data/annotations/artefact_audit.jsonl")
RELABEL = Path("data/annotations/artefact_audit_relabel.jsonl")
OUT = Path("metrics/artefacts")


def _real_texts(task_name: str) -> list[str]:
    return [
        row["text"]
        for part in ("pool", "seed")
        for row in read_jsonl(Path("data") / task_name / f"{part}.jsonl", required=("text",))
    ]


def task_filter(task_name: str) -> RowFilter:
    """The artefact filters exactly as stage preprocess builds them for ``task_name``."""
    task = load_task(task_name)
    context = task_artefact_context(task, _real_texts(task_name))
    return artefact_filters(task.language, load_section("artefacts"), context)


def cleaning(task_name: str) -> RowFilter:
    """Extraction then the artefact filters, for ``task_name`` (see metrics.audit)."""
    task = load_task(task_name)
    return audit_cleaning(task, load_section("artefacts"), _real_texts(task_name))


def gold_rates(tasks: list[str]) -> dict[str, Any]:
    artefacts = load_section("artefacts")
    report: dict[str, Any] = {}
    for name in tasks:
        task = load_task(name)
        lang = task.language
        rows = [
            normalized_row(row, lang)
            for part in ("test", "pool")
            for row in read_jsonl(Path("data") / name / f"{part}.jsonl", required=("text",))
        ]
        check = task_filter(name)
        drops = Counter(d.reason for d in (check.check(row) for row in rows) if d is not None)
        changed: Counter[str] = Counter()
        rows_changed = 0
        for row in rows:
            found = extract_reply(row["text"], lang, task.labels, artefacts)
            changed.update(found.cut)
            rows_changed += bool(found.cut)
        report[name] = {
            "real_rows": len(rows),
            "filter_drops": share(sum(drops.values()), len(rows)),
            "filter_drops_by_reason": dict(sorted(drops.items())),
            "extraction_cuts": share(rows_changed, len(rows)),
            "extraction_cuts_by_kind": dict(sorted(changed.items())),
        }
    return report


def sample(args: argparse.Namespace) -> None:
    task = load_task(args.task)
    rows = read_jsonl(args.generated, required=("id", "text", "label"))
    test = read_jsonl(Path("data") / args.task / "test.jsonl", required=("id", "text", "label"))
    kept = clean_dataset(
        rows, test, task.language, list(task.labels), load_section("preprocess")
    ).kept
    out = [
        {
            "id": row["id"],
            "task": args.task,
            "split": args.split,
            "generate_seed": args.generate_seed,
            "label": row["label"],
            "text": row["text"],
            "verdict": None,
            "kinds": [],
        }
        for row in kept[: args.limit]
    ]
    write_jsonl(args.out, out)
    print(f"{len(out)} rows to label -> {args.out}")


def score() -> dict[str, Any]:
    audit = read_jsonl(AUDIT, required=("id", "task", "split", "text", "verdict"))
    report: dict[str, Any] = {}
    for name in sorted({row["task"] for row in audit}):
        check = cleaning(name)
        lang = load_task(name).language
        mine = [normalized_row(row, lang) for row in audit if row["task"] == name]
        report[name] = {
            split: score_filter([r for r in mine if r["split"] == split], check)
            for split in sorted({r["split"] for r in mine})
        }
        kinds = Counter(k for r in mine if r["verdict"] == "dirty" for k in r.get("kinds", []))
        report[name]["dirty_kinds"] = dict(sorted(kinds.items()))
    if RELABEL.exists():
        report["self_consistency"] = agreement(audit, read_jsonl(RELABEL, required=("id",)))
    return report


def judge(split: str) -> dict[str, Any]:
    """Ask each task's teacher about every audit row of ``split``; score it like a filter."""
    import time

    from synthdistill.teachers import build_teacher
    from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
    from synthdistill.templates import render

    audit = [row for row in read_jsonl(AUDIT, required=("task", "split")) if row["split"] == split]
    report: dict[str, Any] = {}
    for name in sorted({row["task"] for row in audit}):
        task = load_task(name)
        rows = [row for row in audit if row["task"] == name]
        sampling = SamplingParams(temperature=0.0, max_tokens=4, choices=("yes", "no"))
        requests = [
            TeacherRequest(
                messages=(
                    Message(
                        "user",
                        render(
                            task.language,
                            "artefact_judge",
                            task_description=task.description,
                            text=row["text"],
                        ),
                    ),
                ),
                params=sampling,
            )
            for row in rows
        ]
        teacher = build_teacher(load_section("teacher"), task.teacher_model)
        start = time.perf_counter()
        try:
            outputs = teacher.generate(requests, desc=f"judge {name}")
            answers = {row["id"]: out[0].text for row, out in zip(rows, outputs, strict=True)}
        finally:
            usage = teacher.usage
            teacher.close()

        says_no = {key for key, answer in answers.items() if answer == "no"}

        def check(row: dict[str, Any], says_no: set[str] = says_no) -> Drop | None:
            return Drop("judge_no") if row["id"] in says_no else None

        report[name] = {
            **score_filter(rows, RowFilter(check)),
            "teacher_calls": len(requests),
            "new_calls": usage.teacher_calls,
            "seconds": round(time.perf_counter() - start, 1),
        }
    return report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    rates = sub.add_parser("gold-rates")
    rates.add_argument("--tasks", nargs="+", default=["bbc_news", "ja_news"])
    s = sub.add_parser("sample")
    s.add_argument("--task", required=True)
    s.add_argument("--generated", type=Path, required=True)
    s.add_argument("--split", choices=("tune", "heldout"), required=True)
    s.add_argument("--generate-seed", type=int, required=True)
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--limit", type=int, default=100)
    sub.add_parser("score")
    j = sub.add_parser("judge")
    j.add_argument("--split", default="heldout")
    args = p.parse_args()
    if args.command == "gold-rates":
        write_json(OUT / "gold_rates.json", gold_rates(args.tasks))
        print((OUT / "gold_rates.json").read_text())
    elif args.command == "sample":
        sample(args)
    elif args.command == "judge":
        write_json(OUT / "judge.json", judge(args.split))
        print((OUT / "judge.json").read_text())
    else:
        write_json(OUT / "audit.json", score())
        print((OUT / "audit.json").read_text())


if __name__ == "__main__":
    main()
