"""Which student should ja_news default to? Every student on real labelled Japanese data.

    .venv/bin/python bench/ja_students.py [--students tfidf,e5-linear,minilm-l6] [--seeds 3]

Training sets (data/ja_news, written by `dvc repro prepare@ja_news` or
`python stages/prepare.py --task ja_news --out-dir data/ja_news`): the seed set (32), and
gold pool examples: samples matched to 32 and 48 examples (4 and 6 per label, one per
``--seeds`` sampling seed) and the whole pool. Each student is trained with params.yaml's
train section through ``train_student`` (the train stage's path) and scored on test.jsonl
(macro-F1, accuracy). Training time is the wall time of ``train_student`` (model load and
save included); latency is measured once per student, on its whole-pool model. Other
processes on the cores distort the times: the load average is recorded.
Writes bench/results/ja_students.json and prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from synthdistill.io import read_jsonl, write_json
from synthdistill.metrics.classification import classification_report, measure_latency
from synthdistill.params import load_section, load_task
from synthdistill.sampling import sample_like
from synthdistill.students import check_student, load_student, train_student

ROOT = Path(__file__).resolve().parent.parent
TASK = "ja_news"
LATENCY_TEXTS = 32


def training_sets(
    seed_rows: list[dict[str, Any]], pool: list[dict[str, Any]], labels: list[str], seeds: int
) -> list[tuple[str, int | None, list[dict[str, Any]]]]:
    """(name, sampling seed or None, rows) for every training set."""
    sets: list[tuple[str, int | None, list[dict[str, Any]]]] = [("seed", None, seed_rows)]
    for per_label in (4, 6):
        like = [{"label": label} for label in labels for _ in range(per_label)]
        name = f"gold-{per_label * len(labels)}"
        sets += [(name, seed, sample_like(pool, like, seed)) for seed in range(seeds)]
    return [*sets, ("gold-all", None, pool)]


def directory_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 2)


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (training set, student): means over sampling seeds, with the range."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["train_set"], run["student"]), []).append(run)
    rows = []
    for (train_set, student), items in groups.items():
        f1 = [item["macro_f1"] for item in items]
        rows.append(
            {
                "train_set": train_set,
                "n_train": items[0]["n_train"],
                "student": student,
                "runs": len(items),
                "macro_f1": round(statistics.mean(f1), 4),
                "macro_f1_range": [min(f1), max(f1)],
                "accuracy": round(statistics.mean(item["accuracy"] for item in items), 4),
                "train_seconds": round(statistics.mean(item["train_seconds"] for item in items), 1),
            }
        )
    return rows


def markdown(summary: list[dict[str, Any]], latency: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| training set | n | student | macro-F1 | accuracy | train s |",
        "|---|---|---|---|---|---|",
    ]
    for row in summary:
        f1 = f"{row['macro_f1']:.3f}"
        if row["runs"] > 1:
            low, high = row["macro_f1_range"]
            f1 += f" ({low:.3f}–{high:.3f})"
        lines.append(
            f"| {row['train_set']} | {row['n_train']} | {row['student']} | {f1} | "
            f"{row['accuracy']:.3f} | {row['train_seconds']:.1f} |"
        )
    lines += [
        "",
        "| student | ms/example, batch 1 | ms/example, batch 32 | saved model MB |",
        "|---|---|---|---|",
    ]
    for student, item in latency.items():
        lines.append(
            f"| {student} | {item['latency_ms_batch1_median']:.1f} | "
            f"{item['latency_ms_batched_per_example']:.1f} | {item['saved_mb']} |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", default="tfidf,e5-linear,minilm-l6")
    p.add_argument("--seeds", type=int, default=3, help="sampling seeds of the gold-32/48 sets")
    p.add_argument("--data-dir", type=Path, default=ROOT / "data" / TASK)
    p.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    p.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ja_students.json")
    args = p.parse_args()

    students = [check_student(name) for name in args.students.split(",")]
    task = load_task(TASK, args.params)
    labels = list(task.labels)
    train_params = load_section("train", args.params)
    files = {name: args.data_dir / f"{name}.jsonl" for name in ("seed", "pool", "test")}
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise SystemExit(
            f"missing {', '.join(missing)}; run `dvc repro prepare@{TASK}` or "
            f"`python stages/prepare.py --task {TASK} --out-dir data/{TASK}`"
        )
    data = {
        name: read_jsonl(path, required=("id", "text", "label")) for name, path in files.items()
    }
    test_texts = [row["text"] for row in data["test"]]
    test_gold = [row["label"] for row in data["test"]]

    load_before = os.getloadavg()
    runs: list[dict[str, Any]] = []
    latency: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for train_set, seed, rows in training_sets(data["seed"], data["pool"], labels, args.seeds):
            for student in students:
                params = train_params.model_copy(update={"student": student})
                out = Path(tmp) / f"{student}-{train_set}-{seed}"
                started = time.perf_counter()
                train_student(rows, labels, params, out, lang=task.language)
                seconds = time.perf_counter() - started
                model = load_student(out)
                report = classification_report(test_gold, model.predict(test_texts), labels)
                runs.append(
                    {
                        "train_set": train_set,
                        "sample_seed": seed,
                        "n_train": len(rows),
                        "student": student,
                        "macro_f1": report["macro_f1"],
                        "accuracy": report["accuracy"],
                        "train_seconds": round(seconds, 2),
                        "load1": round(os.getloadavg()[0], 2),
                    }
                )
                print(f"{runs[-1]}", file=sys.stderr, flush=True)
                if train_set == "gold-all":
                    probe = test_texts[:LATENCY_TEXTS]
                    latency[student] = {
                        **measure_latency(model.predict, probe, batch_size=LATENCY_TEXTS),
                        "saved_mb": directory_mb(out),
                    }

    summary = summarise(runs)
    report_json: dict[str, Any] = {
        "setup": {
            "task": TASK,
            "n_test": len(test_texts),
            "train_params": train_params.model_dump(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(),
            "torch_threads": torch.get_num_threads(),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "summary": summary,
        "latency": latency,
        "runs": runs,
    }
    write_json(args.out, report_json)
    print(markdown(summary, latency))
    print(f"\nload average before/after: {report_json['setup']['loadavg_before']} / "
          f"{report_json['setup']['loadavg_after']}; wrote {args.out}")  # fmt: skip


if __name__ == "__main__":
    main()
