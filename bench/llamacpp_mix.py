"""The in-process llama.cpp teacher on the real bbc_news few-shot request mix.

    .venv/bin/python bench/llamacpp_mix.py [--calls 40] [--repeats 1]

The requests are exactly those stage generate sends for bbc_news with the committed
params (fewgen, teacher qwen2.5-0.5b-instruct, its threads/parallel/context), the first
``--calls`` of them. Rows:

- ``synthdistill``: ``Teacher`` + ``LlamaCppBackend`` (empty temp cache);
- ``engine_http``: the same xllamacpp engine and settings driven directly by a plain
  aiohttp client with a semaphore at its HTTP listener (prompt cache on);
- ``engine_threads``: the engine driven in-process (``handle_chat_completions`` from
  ``parallel`` threads), the way the previous code did, without waves.

- ``two_servers``: two ``python -m synthdistill.teachers.server`` processes (threads and
  slots split between them) as two endpoints of ``OpenAIBackend`` (``teacher.base_urls``).

Each row: wall time, prompt and completion tokens per second of wall time, and from
llama.cpp's own timings the prompt tokens it read (``prompt_n``) vs took from a slot's
KV cache (``cache_n``). Writes bench/results/llamacpp_mix.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from synthdistill.assets import resolve_model
from synthdistill.methods import GenerationContext, get_method
from synthdistill.params import load_section, load_task
from synthdistill.tasks import load_examples, split_examples
from synthdistill.teachers.base import TeacherRequest
from synthdistill.teachers.cache import TeacherCache
from synthdistill.teachers.fake import FakeBackend
from synthdistill.teachers.llamacpp import (
    LlamaCppBackend,
    engine_payload,
    server_params,
    start_server,
)
from synthdistill.teachers.openai_backend import OpenAIBackend
from synthdistill.teachers.teacher import Teacher

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "llamacpp_mix.json"
TASK = "bbc_news"


def request_mix(calls: int) -> list[TeacherRequest]:
    """The requests stage generate sends for TASK (recorded with a fake teacher)."""
    params_file = REPO / "params.yaml"
    task = load_task(TASK, params_file)
    params = load_section("generate", params_file)
    if task.budget:
        params = params.model_copy(update={"budget": task.budget})
    splits = split_examples(
        load_examples(TASK, task), task, load_section("prepare", params_file).seed
    )
    recorder = FakeBackend()
    with tempfile.TemporaryDirectory() as tmp:
        teacher = Teacher(recorder, TeacherCache(Path(tmp) / "c.sqlite"), progress=False)
        ctx = GenerationContext(
            TASK, task, params, teacher, splits["seed"], load_section("artefacts", params_file)
        )
        get_method(params.method).generate(ctx)
        teacher.close()
    return recorder.requests[:calls]


def totals(replies: list[dict[str, Any]], wall: float) -> dict[str, Any]:
    usage = [r.get("usage") or {} for r in replies]
    timings = [r.get("timings") or {} for r in replies]
    prompt = sum(int(u.get("prompt_tokens") or 0) for u in usage)
    completion = sum(int(u.get("completion_tokens") or 0) for u in usage)
    return {
        "wall_s": round(wall, 2),
        "calls": len(replies),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "prompt_tok_s": round(prompt / wall, 1),
        "completion_tok_s": round(completion / wall, 1),
        "prompt_read": sum(int(t.get("prompt_n") or 0) for t in timings),
        "prompt_from_kv_cache": sum(int(t.get("cache_n") or 0) for t in timings),
    }


def run_teacher(
    backend: LlamaCppBackend | OpenAIBackend, requests: list[TeacherRequest]
) -> dict[str, Any]:
    """The Teacher on ``requests`` (empty cache), with llama.cpp's replies recorded."""
    seen: list[dict[str, Any]] = []
    post = backend.pool.post

    async def recording(path: str, payload: dict[str, Any], cost: int = 0) -> dict[str, Any]:
        reply = await post(path, payload, cost)
        seen.append(reply)
        return reply

    backend.pool.post = recording  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory() as tmp:
        teacher = Teacher(backend, TeacherCache(Path(tmp) / "c.sqlite"), progress=False)
        start = time.perf_counter()
        teacher.generate(requests)
        wall = time.perf_counter() - start
        assert teacher.usage.teacher_calls == len(requests)
        teacher.cache.close()
    backend.pool.post = post  # type: ignore[method-assign]
    return totals(seen, wall)


def run_engine_http(
    address: str, key: str, payloads: list[dict[str, Any]], parallel: int
) -> dict[str, Any]:
    import aiohttp

    async def main() -> tuple[list[dict[str, Any]], float]:
        limit = asyncio.Semaphore(parallel)
        headers = {"Authorization": f"Bearer {key}"}
        timeout = aiohttp.ClientTimeout(total=3600)
        async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:

            async def one(payload: dict[str, Any]) -> dict[str, Any]:
                async with limit:
                    url = f"{address}/v1/chat/completions"
                    async with session.post(url, json=payload) as reply:
                        return dict(await reply.json())

            start = time.perf_counter()
            replies = await asyncio.gather(*(one(p) for p in payloads))
            return list(replies), time.perf_counter() - start

    replies, wall = asyncio.run(main())
    return totals(replies, wall)


def run_engine_threads(
    server: Any, payloads: list[dict[str, Any]], parallel: int
) -> dict[str, Any]:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        replies = list(pool.map(server.handle_chat_completions, payloads))
    return totals(replies, time.perf_counter() - start)


def run_two_servers(
    model: str, requests: list[TeacherRequest], threads: int, parallel: int, context: int
) -> dict[str, Any]:
    """Two llama.cpp HTTP servers, each with half the threads and slots, as two endpoints."""
    import subprocess
    import sys

    half_threads, half_slots = max(1, threads // 2), max(1, parallel // 2)
    servers = []
    for _ in range(2):
        cmd = [sys.executable, "-m", "synthdistill.teachers.server", "--model", model]
        cmd += ["--port", "0", "--threads", str(half_threads), "--parallel", str(half_slots)]
        cmd += ["--context", str(context)]
        servers.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True))
    try:
        urls = []
        for proc in servers:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("listening on http://"), line
            urls.append(line.split()[-1])
        backend = OpenAIBackend(model, base_urls=urls, concurrency=half_slots, timeout=3600)
        row = run_teacher(backend, requests)
        row["served_per_endpoint"] = [e.served for e in backend.pool.endpoints]
        return row
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=40, help="the first N calls of the mix")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--two-servers-only", action="store_true", help="only the two-endpoint row (merged in)"
    )
    args = parser.parse_args()
    teacher_params = load_section("teacher", REPO / "params.yaml")
    task = load_task(TASK, REPO / "params.yaml")
    model = resolve_model(task.teacher_model or teacher_params.model)
    threads, parallel, context = (
        teacher_params.threads,
        teacher_params.parallel,
        teacher_params.context,
    )
    requests = request_mix(args.calls)
    if args.two_servers_only:
        previous = json.loads(RESULTS.read_text())
        row = run_two_servers(model.name, requests, threads, parallel, context)
        print("two_servers", row, flush=True)
        previous["best"]["two_servers"] = row
        previous["runs"]["two_servers"] = [row]
        RESULTS.write_text(json.dumps(previous, indent=2) + "\n")
        return
    payloads = [engine_payload(r) for r in requests]
    key = "bench-key"
    rows: dict[str, list[dict[str, Any]]] = {"synthdistill": [], "engine_http": []}
    rows["engine_threads"] = []
    for _ in range(args.repeats):
        backend = LlamaCppBackend(model, threads=threads, parallel=parallel, context=context)
        rows["synthdistill"].append(run_teacher(backend, requests))
        print("synthdistill", rows["synthdistill"][-1], flush=True)
        backend.close()
        del backend
    for _ in range(args.repeats):
        # A fresh engine for each row: a warm one holds the same prompts in its slots.
        server = start_server(server_params(model.path, threads, parallel, context, api_key=key))
        rows["engine_http"].append(
            run_engine_http(str(server.listening_address), key, payloads, parallel)
        )
        print("engine_http", rows["engine_http"][-1], flush=True)
        del server
        server = start_server(server_params(model.path, threads, parallel, context, api_key=key))
        rows["engine_threads"].append(run_engine_threads(server, payloads, parallel))
        print("engine_threads", rows["engine_threads"][-1], flush=True)
        del server
    best = {k: min(v, key=lambda r: r["wall_s"]) for k, v in rows.items()}
    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "command": f"python bench/llamacpp_mix.py --calls {args.calls} --repeats {args.repeats}",
        "model": model.name,
        "threads": threads,
        "parallel": parallel,
        "context": context,
        "best": best,
        "synthdistill_vs_engine_http": round(
            best["engine_http"]["wall_s"] / best["synthdistill"]["wall_s"], 3
        ),
        "runs": rows,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(best, indent=1))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
