"""Teacher generation throughput: synthdistill's llama.cpp path vs xllamacpp driven directly.

    .venv/bin/python bench/teacher_throughput.py [--requests 16 --tokens 64 --parallel 8]
        [--llama-cpp-python /tmp/lcp-venv/bin/python]

Rows per model: (a) LlamaCppBackend through Teacher (empty temp cache), (b) the same
xllamacpp engine driven directly with the same threads and concurrency, (c) one request
alone (single-stream decode), and optionally (d) llama-cpp-python, one request, run in
another interpreter (it is not a project dependency). Completion tokens/s = completion
tokens / wall time of the batch. Writes bench/results/teacher_throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from synthdistill.assets import resolve_model
from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.llamacpp import LlamaCppBackend, server_params, start_server
from synthdistill.teachers.teacher import Teacher

MODELS = ("smollm2-135m-instruct", "qwen2.5-0.5b-instruct")
TOPICS = [
    "a lighthouse", "a lost key", "a rainy market", "an old clock", "a mountain train",
    "a kitchen robot", "a desert well", "a winter garden", "a jazz club", "a paper boat",
    "a tiny dragon", "a library cat", "a broken bridge", "a night bus", "a space farm",
    "a village fair",
]  # fmt: skip
CONTEXT = 512  # tokens per slot: prompt (~40) + 64 generated

LCP_SNIPPET = """
import json, sys, time
from llama_cpp import Llama
path, threads, tokens, prompt = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t0 = time.perf_counter()
llm = Llama(model_path=path, n_threads=threads, n_threads_batch=threads, n_ctx=512, verbose=False)
load = time.perf_counter() - t0
msgs = [{"role": "user", "content": prompt}]
llm.create_chat_completion(messages=msgs, max_tokens=4, temperature=0.8, seed=0)  # warm-up
runs = []
for seed in (1, 2, 3):
    t0 = time.perf_counter()
    out = llm.create_chat_completion(messages=msgs, max_tokens=tokens, temperature=0.8, seed=seed)
    runs.append((out["usage"]["completion_tokens"], time.perf_counter() - t0))
print(json.dumps({"load_s": load, "runs": runs}))
"""


def load1() -> float:
    """1-minute load average after a run (> threads means other work competed for CPU)."""
    return round(os.getloadavg()[0], 2)


def prompt(i: int) -> str:
    return f"Write a short story about {TOPICS[i % len(TOPICS)]}."


def run_teacher(backend: LlamaCppBackend, n: int, tokens: int) -> dict[str, float]:
    requests = [
        TeacherRequest(
            messages=(Message("user", prompt(i)),),
            params=SamplingParams(max_tokens=tokens, temperature=0.8, top_p=0.95, seed=i),
        )
        for i in range(n)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        teacher = Teacher(backend, TeacherCache(Path(tmp) / "cache.sqlite"), progress=False)
        start = time.perf_counter()
        out = teacher.generate(requests)
        wall = time.perf_counter() - start
        teacher.cache.close()
    assert teacher.usage.cache_hits == 0
    done = sum(c.completion_tokens for row in out for c in row)
    return {"wall_s": wall, "completion_tokens": done, "tok_s": done / wall, "load1": load1()}


def run_direct(server: Any, n: int, tokens: int, workers: int) -> dict[str, float]:
    def one(i: int) -> int:
        reply = server.handle_chat_completions(
            {
                "messages": [{"role": "user", "content": prompt(i)}],
                "max_tokens": tokens,
                "temperature": 0.8,
                "top_p": 0.95,
                "top_k": 0,
                "seed": i,
            }
        )
        return int(reply["usage"]["completion_tokens"])

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = sum(pool.map(one, range(n)))
    wall = time.perf_counter() - start
    return {"wall_s": wall, "completion_tokens": done, "tok_s": done / wall, "load1": load1()}


def summarise(runs: list[dict[str, float]]) -> dict[str, Any]:
    rates = [r["tok_s"] for r in runs]
    return {
        "tok_s_median": round(statistics.median(rates), 1),
        "tok_s_best": round(max(rates), 1),  # least disturbed by other load on the machine
        "runs": runs,
    }


def bench_model(name: str, args: argparse.Namespace) -> dict[str, Any]:
    resolved = resolve_model(name)
    result: dict[str, Any] = {"model": name, "sha256": resolved.sha256}
    start = time.perf_counter()
    backend = LlamaCppBackend(
        resolved, threads=args.threads, parallel=args.parallel, context=CONTEXT
    )
    result["load_s"] = round(time.perf_counter() - start, 2)
    params = server_params(resolved.path, args.threads, args.parallel, CONTEXT)
    server = start_server(params)
    teacher_runs, direct_runs, single_runs = [], [], []
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits both alike
        teacher_runs.append(run_teacher(backend, args.requests, args.tokens))
        direct_runs.append(run_direct(server, args.requests, args.tokens, args.parallel))
        single_runs.append(run_direct(server, 1, args.tokens, 1))
    backend.close()
    del server
    result["synthdistill_teacher"] = summarise(teacher_runs)
    result["xllamacpp_direct"] = summarise(direct_runs)
    result["xllamacpp_single_request"] = summarise(single_runs)
    if args.llama_cpp_python:
        run = subprocess.run(
            [args.llama_cpp_python, "-c", LCP_SNIPPET, resolved.path, str(args.threads),
             str(args.tokens), prompt(0)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        data = json.loads(run.stdout.strip().splitlines()[-1])
        runs = [{"completion_tokens": c, "wall_s": w, "tok_s": c / w} for c, w in data["runs"]]
        result["llama_cpp_python_single_request"] = {**summarise(runs), "load_s": data["load_s"]}
    return result


def lcp_version(python: str) -> str:
    code = "import llama_cpp; print(llama_cpp.__version__)"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--requests", type=int, default=16)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--llama-cpp-python", help="python of a venv with llama-cpp-python")
    parser.add_argument(
        "--out", default=str(Path(__file__).parent / "results/teacher_throughput.json")
    )
    args = parser.parse_args()

    import xllamacpp

    load_before = os.getloadavg()
    models = [bench_model(name, args) for name in args.models]
    report: dict[str, Any] = {
        "setup": {
            "requests": args.requests,
            "max_tokens": args.tokens,
            "parallel": args.parallel,
            "threads": args.threads,
            "context_per_slot": CONTEXT,
            "repeats": args.repeats,
            "cpu_count": os.cpu_count(),
            "machine": platform.machine(),
            "python": platform.python_version(),
            "xllamacpp": xllamacpp.__version__,
            "llama_cpp_python": lcp_version(args.llama_cpp_python)
            if args.llama_cpp_python
            else None,
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "models": models,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")

    p, t = args.parallel, args.threads
    rows = [
        ("synthdistill_teacher", f"LlamaCppBackend via Teacher, {args.requests} req, {p} slots"),
        ("xllamacpp_direct", f"xllamacpp Server direct, {args.requests} req, {p} concurrent"),
        ("xllamacpp_single_request", "xllamacpp Server direct, 1 request"),
        ("llama_cpp_python_single_request", "llama-cpp-python, 1 request"),
    ]
    print(f"\ncompletion tokens/s, {args.tokens} tokens/request, {t} threads\n")
    print("| model | path | tok/s median | best | runs (load1) |")
    print("|---|---|---:|---:|---|")
    for model in models:
        for key, label in rows:
            if key in model:
                stats = model[key]
                runs = ", ".join(
                    f"{r['tok_s']:.0f} ({r['load1']})" if "load1" in r else f"{r['tok_s']:.0f}"
                    for r in stats["runs"]
                )
                print(
                    f"| {model['model']} | {label} | {stats['tok_s_median']} "
                    f"| {stats['tok_s_best']} | {runs} |"
                )
    print(f"\nload average before/after: {report['setup']['loadavg_before']} / "
          f"{report['setup']['loadavg_after']}; wrote {out}")  # fmt: skip


if __name__ == "__main__":
    main()
