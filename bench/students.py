"""Which student should a task default to? Every candidate on the task's real labelled data
(by default ja_news, Japanese).

    .venv/bin/python bench/students.py [--students tfidf,e5-linear,minilm-l6,gemma3-270m]
                                          [--probes gemma3-270m,qwen2.5-0.5b-instruct]
    .venv/bin/python bench/students.py --task bbc_news --sets seeds --probes "" \
        --students minilm-l6,setfit,e5-linear,tfidf   # another task's seeds-only students

Training sets (data/ja_news, written by `dvc repro prepare@ja_news`): the seed set and
*all real*: the seeds plus the whole pool with its gold labels, the most labelled data
the task has, i.e. each candidate's ceiling. Two kinds of candidate:

* **student kinds** (``--students``): trained through ``train_student`` with params.yaml's
  train and lm sections (the train stage's path); a packaged GGUF chat model name is the
  LM classifier (LoRA-tuned to answer with the label name);
* **probes** (``--probes``, not student kinds): frozen mean-pooled hidden states of a
  packaged causal LM (its middle and last layer) + standardised logistic regression,
  asking whether a bigger multilingual model's features would carry a ja_news student.

Each is scored on test.jsonl: macro-F1 with its 95% bootstrap CI over the test rows.
Training time is the wall time of the fit (model load included); latency (ms a sentence,
batch 1 median and batched) is measured on the all-real model. Other processes on the
cores distort the times: the load average is recorded.
Writes bench/results/students_<task>.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from synthdistill.docs_gen import students_table
from synthdistill.io import read_jsonl, write_json
from synthdistill.lm.model import load_lm
from synthdistill.metrics.classification import classification_report, measure_latency
from synthdistill.metrics.stats import bootstrap_ci, paired_bootstrap
from synthdistill.params import load_section, load_task
from synthdistill.students import check_student, is_lm, load_student, train_student

ROOT = Path(__file__).resolve().parent.parent
TASK = "ja_news"
LATENCY_TEXTS = 16
Predict = Callable[[list[str]], Sequence[str]]


def directory_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 2)


class HiddenStates:
    """Mean-pooled hidden states of a packaged causal LM: (middle layer, last layer)."""

    def __init__(self, name: str) -> None:
        self.lm = load_lm(name)
        self.lm.model.eval()

    @torch.no_grad()
    def __call__(self, texts: Sequence[str], batch_size: int = 8) -> dict[str, np.ndarray]:
        tok = self.lm.tokenizer
        tok.padding_side = "right"
        out: dict[str, list[np.ndarray]] = {"mid": [], "last": []}
        for start in range(0, len(texts), batch_size):
            batch = tok(list(texts[start : start + batch_size]), return_tensors="pt",
                        padding=True, truncation=True, max_length=128)  # fmt: skip
            states = self.lm.model(**batch, output_hidden_states=True).hidden_states
            mask = batch["attention_mask"].unsqueeze(-1).float()
            for key, layer in (("mid", len(states) // 2), ("last", -1)):
                pooled = (states[layer] * mask).sum(1) / mask.sum(1)
                out[key].append(pooled.float().numpy())
        return {key: np.concatenate(parts) for key, parts in out.items()}


def fit_probe(features: np.ndarray, labels: list[str]) -> Any:
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=0.1))
    return model.fit(features, labels)


def probe_predict(encoder: HiddenStates, head: Any, layer: str, texts: list[str]) -> Any:
    return head.predict(encoder(texts)[layer])


def score(
    candidate: str, kind: str, train_set: str, n_train: int, gold: list[str],
    pred: Sequence[str], labels: list[str], seconds: float,
) -> dict[str, Any]:  # fmt: skip
    report = classification_report(gold, list(pred), labels)
    ci = bootstrap_ci(gold, list(pred), labels)
    row = {
        "candidate": candidate,
        "kind": kind,
        "train_set": train_set,
        "n_train": n_train,
        "macro_f1": round(report["macro_f1"], 4),
        "macro_f1_ci": [ci["macro_f1_ci_low"], ci["macro_f1_ci_high"]],
        "accuracy": round(report["accuracy"], 4),
        "train_seconds": round(seconds, 1),
        "load1": round(os.getloadavg()[0], 2),
    }
    print(row, file=sys.stderr, flush=True)
    return row


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--students", default="tfidf,e5-linear,minilm-l6,gemma3-270m")
    p.add_argument("--probes", default="gemma3-270m,qwen2.5-0.5b-instruct")
    p.add_argument("--task", default=TASK, help="another task: its seeds-only students")
    p.add_argument("--sets", default="seeds,all_real", help="training sets: seeds, all_real")
    p.add_argument("--data-dir", type=Path, help="default: data/<task>")
    p.add_argument("--params", type=Path, default=ROOT / "params.yaml")
    p.add_argument(
        "--append",
        action="store_true",
        help="keep the other candidates already in --out (one slow candidate at a time)",
    )
    p.add_argument("--out", type=Path, help="default: bench/results/students_<task>.json")
    args = p.parse_args()
    args.out = args.out or ROOT / "bench" / "results" / f"students_{args.task}.json"
    args.data_dir = args.data_dir or ROOT / "data" / args.task

    students = [check_student(name) for name in args.students.split(",") if name]
    probes = [name for name in args.probes.split(",") if name]
    task = load_task(args.task, args.params)
    labels = list(task.labels)
    train_params = load_section("train", args.params)
    lm_params = load_section("lm", args.params)
    setfit = load_section("setfit", args.params)
    files = {name: args.data_dir / f"{name}.jsonl" for name in ("seed", "pool", "test")}
    missing = [str(path) for path in files.values() if not path.exists()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}; run `dvc repro prepare@{args.task}`")
    data = {
        name: read_jsonl(path, required=("id", "text", "label")) for name, path in files.items()
    }
    every = {"seeds": data["seed"], "all_real": data["seed"] + data["pool"]}
    sets = {key: every[key] for key in args.sets.split(",")}
    test_texts = [str(row["text"]) for row in data["test"]]
    gold = [str(row["label"]) for row in data["test"]]
    probe_texts = test_texts[:LATENCY_TEXTS]

    last_set = list(sets)[-1]  # latency is measured on the model of the last set
    reference = task.student or train_params.student  # the task's configured student
    preds: dict[tuple[str, str], Sequence[str]] = {}
    load_before = os.getloadavg()
    rows: list[dict[str, Any]] = []
    latency: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for student in students:
            kind = "student kind (LM classifier, LoRA)" if is_lm(student) else "student kind"
            for set_name, train_rows in sets.items():
                params = train_params.model_copy(update={"student": student})
                lm = lm_params.model_copy(update={"student": student}) if is_lm(student) else None
                out = Path(tmp) / f"{student}-{set_name}"
                started = time.perf_counter()
                train_student(
                    train_rows, labels, params, out, lang=task.language, lm=lm, setfit=setfit
                )
                seconds = time.perf_counter() - started
                model = load_student(out)
                pred = model.predict(test_texts)
                preds[(student, set_name)] = pred
                rows.append(score(student, kind, set_name, len(train_rows), gold, pred,
                                  labels, seconds))  # fmt: skip
                if set_name == last_set:
                    latency[student] = {
                        **measure_latency(model.predict, probe_texts, batch_size=LATENCY_TEXTS),
                        "saved_mb": directory_mb(out),
                    }
        for name in probes:
            started = time.perf_counter()
            encoder = HiddenStates(name)
            load_seconds = time.perf_counter() - started
            test_features = encoder(test_texts)
            for set_name, train_rows in sets.items():
                started = time.perf_counter()
                train_features = encoder([str(r["text"]) for r in train_rows])
                targets = [str(r["label"]) for r in train_rows]
                for layer in ("mid", "last"):
                    head = fit_probe(train_features[layer], targets)
                    candidate = f"{name} {layer}-layer probe"
                    pred = [str(x) for x in head.predict(test_features[layer])]
                    preds[(candidate, set_name)] = pred
                    seconds = load_seconds + time.perf_counter() - started
                    rows.append(score(candidate, "probe (frozen LM features + LR)", set_name,
                                      len(train_rows), gold, pred, labels, seconds))  # fmt: skip
                    if set_name == last_set:
                        latency[candidate] = measure_latency(
                            functools.partial(probe_predict, encoder, head, layer),
                            probe_texts,
                            batch_size=LATENCY_TEXTS,
                        )
            del encoder

    for row in rows:  # paired on the same test rows: does a candidate beat the task's student?
        ref = preds.get((reference, row["train_set"]))
        if ref is not None and row["candidate"] != reference:
            own = preds[(row["candidate"], row["train_set"])]
            row["paired_vs_task_student"] = {
                "reference": reference,
                **paired_bootstrap(gold, list(own), list(ref), labels),
            }
    run = {
        "candidates": sorted({row["candidate"] for row in rows}),
        "loadavg_before": round(load_before[0], 2),
        "loadavg_after": round(os.getloadavg()[0], 2),
    }
    runs = [run]
    if args.append and args.out.exists():  # keep the candidates this run did not measure
        old = json.loads(args.out.read_text(encoding="utf-8"))
        done = set(run["candidates"])
        rows = [r for r in old["rows"] if r["candidate"] not in done] + rows
        latency = {k: v for k, v in old["latency"].items() if k not in done} | latency
        runs = [r for r in old["setup"].get("runs", []) if set(r["candidates"]) - done] + runs
    report_json: dict[str, Any] = {
        "setup": {
            "task": args.task,
            "n_test": len(test_texts),
            "train_sets": {name: len(r) for name, r in sets.items()},
            "train_params": train_params.model_dump(),
            "lm_params": lm_params.model_dump(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "python": platform.python_version(),
            "torch_threads": torch.get_num_threads(),
            "runs": runs,  # each invocation: its candidates and the load average around it
        },
        "rows": rows,
        "latency": latency,
    }
    write_json(args.out, report_json)
    print(students_table(report_json))
    print(f"\nload average before/after: {run['loadavg_before']} / {run['loadavg_after']}; "
          f"wrote {args.out}")  # fmt: skip


if __name__ == "__main__":
    main()
