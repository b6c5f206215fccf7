"""torch vs ONNX (onnxruntime) for the bbc_news encoder student: parity and latency.

    .venv/bin/python bench/onnx_speed.py [--threads 2] [--repeats 3] [--single 100]

Exports models/bbc_news/student (``synthdistill.export_model``, the time is recorded),
then on data/bbc_news/test.jsonl: parity (labels on every text, the largest probability
gap, macro-F1 of each) and latency at batch 1 (``--single`` texts, one call each) and at
batch 32 (the whole test set in calls of 32 texts; tokenisation included, as in
``synthdistill predict``). torch and onnxruntime get the same thread count and take turns
each repeat, so a change of machine load hits both; the load average is recorded. Writes
bench/results/onnx_speed.json and docs/benchmarks/onnx.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import torch
import transformers
from sklearn.metrics import f1_score

from synthdistill.export_model import export_model
from synthdistill.exported import OnnxClassifier
from synthdistill.io import read_jsonl, write_json, write_text
from synthdistill.students import load_student

ROOT = Path(__file__).resolve().parent.parent
BATCH = 32


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def timed(model: Any, texts: list[str]) -> float:
    """Seconds for one ``predict_proba`` call (one forward pass: batch_size = len)."""
    started = time.perf_counter()
    model.predict_proba(texts, batch_size=BATCH)
    return time.perf_counter() - started


def latencies(
    models: dict[str, Any], texts: Sequence[str], single: int, repeats: int
) -> dict[str, dict[str, float]]:
    """Per model: median ms of a one-text call, median ms of a 32-text call, and texts/s
    over the whole set in calls of 32; the models take turns every repeat."""
    ones: dict[str, list[float]] = {name: [] for name in models}
    batches: dict[str, list[float]] = {name: [] for name in models}
    totals: dict[str, list[float]] = {name: [] for name in models}
    chunks = [list(texts[i : i + BATCH]) for i in range(0, len(texts), BATCH)]
    for model in models.values():  # warm-up: lazy init, allocator, caches
        model.predict_proba(chunks[0], batch_size=BATCH)
        model.predict_proba(chunks[0][:1], batch_size=BATCH)
    for _ in range(repeats):
        for name, model in models.items():
            for text in texts[:single]:
                ones[name].append(timed(model, [text]))
            times = [timed(model, chunk) for chunk in chunks]
            batches[name] += times[:-1] if len(chunks[-1]) < BATCH else times
            totals[name].append(sum(times))
    return {
        name: {
            "batch1_ms_median": round(1000 * statistics.median(ones[name]), 2),
            "batch32_ms_median": round(1000 * statistics.median(batches[name]), 2),
            "texts_per_s_batch32": round(len(texts) / statistics.median(totals[name]), 1),
        }
        for name in models
    }


def markdown(report: dict[str, Any]) -> str:
    setup, parity, speed = report["setup"], report["parity"], report["latency"]
    t, o = speed["torch"], speed["onnxruntime"]
    lines = [
        "# ONNX export: parity and speed (bbc_news encoder student)",
        "",
        "Written by `bench/onnx_speed.py` (`make bench`); the numbers are in "
        "`bench/results/onnx_speed.json`.",
        "",
        f"Command: `{setup['command']}`",
        "",
        f"Machine: {setup['cpu']}, {setup['cores']} cores; {setup['threads']} threads for "
        f"torch and onnxruntime each; load average {setup['loadavg_before'][0]} before, "
        f"{setup['loadavg_after'][0]} after"
        + (
            " (other processes shared the cores: times are noisy, the ratio less so since "
            "both take turns)."
            if max(setup["loadavg_before"][0], setup["loadavg_after"][0]) > setup["threads"]
            else " (no more than the bench's own threads: a quiet machine)."
        ),
        f"Versions: torch {setup['torch']}, onnxruntime {setup['onnxruntime']}, transformers "
        f"{setup['transformers']}, Python {setup['python']}.",
        "",
        f"Student: `{setup['student']}` ({setup['base_model']}); export took "
        f"{setup['export_s']} s (torch.onnx dynamo exporter + an onnxruntime check).",
        "",
        f"## Parity on the whole test set ({parity['n']} texts)",
        "",
        "| | torch | ONNX |",
        "|---|---|---|",
        f"| macro-F1 | {parity['macro_f1_torch']} | {parity['macro_f1_onnx']} |",
        f"| same label as torch | | {parity['same_label']} / {parity['n']} |",
        f"| largest probability gap | | {parity['max_abs_prob_diff']:.2e} |",
        "",
        f"## Latency ({setup['threads']} threads, tokenisation included)",
        "",
        "| | torch | ONNX | speed-up |",
        "|---|---|---|---|",
        f"| batch 1, ms per call (median of {setup['single']} texts x {setup['repeats']}) | "
        f"{t['batch1_ms_median']} | {o['batch1_ms_median']} | "
        f"{t['batch1_ms_median'] / o['batch1_ms_median']:.2f}x |",
        f"| batch 32, ms per call (median) | {t['batch32_ms_median']} | "
        f"{o['batch32_ms_median']} | {t['batch32_ms_median'] / o['batch32_ms_median']:.2f}x |",
        f"| batch 32, texts/s over the test set | {t['texts_per_s_batch32']} | "
        f"{o['texts_per_s_batch32']} | "
        f"{o['texts_per_s_batch32'] / t['texts_per_s_batch32']:.2f}x |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--student", type=Path, default=ROOT / "models/bbc_news/student")
    p.add_argument("--test", type=Path, default=ROOT / "data/bbc_news/test.jsonl")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--single", type=int, default=100, help="texts timed at batch 1")
    p.add_argument("--out", type=Path, default=ROOT / "bench/results/onnx_speed.json")
    p.add_argument("--markdown", type=Path, default=ROOT / "docs/benchmarks/onnx.md")
    args = p.parse_args()
    if not args.student.exists() or not args.test.exists():
        raise SystemExit(f"missing {args.student} or {args.test}: run `make repro` first")

    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # load_classifier keeps it
    torch.set_num_threads(args.threads)
    rows = read_jsonl(args.test, required=("text", "label"))
    texts, gold = [row["text"] for row in rows], [row["label"] for row in rows]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        exported = export_model(args.student, Path(tmp) / "export")
        export_s = round(time.perf_counter() - started, 1)
        models = {
            "torch": load_student(args.student),
            "onnxruntime": OnnxClassifier(Path(tmp) / "export/onnx", threads=args.threads),
        }
        proba = {
            name: model.predict_proba(texts, batch_size=BATCH) for name, model in models.items()
        }
        labels = models["torch"].labels
        predicted = {name: [labels[i] for i in p.argmax(axis=1)] for name, p in proba.items()}

        def macro(pred: list[str]) -> float:
            return round(float(f1_score(gold, pred, average="macro", labels=sorted(set(gold)))), 4)

        parity = {
            "n": len(texts),
            "same_label": int(sum(a == b for a, b in zip(*predicted.values(), strict=True))),
            "max_abs_prob_diff": float(np.abs(proba["torch"] - proba["onnxruntime"]).max()),
            "macro_f1_torch": macro(predicted["torch"]),
            "macro_f1_onnx": macro(predicted["onnxruntime"]),
        }
        speed = latencies(models, texts, args.single, args.repeats)
    report = {
        "setup": {
            "command": " ".join([".venv/bin/python bench/onnx_speed.py", *sys.argv[1:]]),
            "student": str(args.student),
            "base_model": exported.base_model,
            "export_s": export_s,
            "cpu": cpu_name(),
            "cores": os.cpu_count(),
            "threads": args.threads,
            "repeats": args.repeats,
            "single": min(args.single, len(texts)),
            "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
            "python": platform.python_version(),
            "torch": torch.__version__,
            "onnxruntime": onnxruntime.__version__,
            "transformers": transformers.__version__,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "parity": parity,
        "latency": speed,
    }
    write_json(args.out, report)
    write_text(args.markdown, markdown(report))
    print(markdown(report))
    print(f"wrote {args.out} and {args.markdown}")


if __name__ == "__main__":
    main()
