"""Can the client keep a server busy? synthdistill's Teacher vs a plain async client.

    .venv/bin/python bench/teacher_dispatch.py [--quick]

Starts a loopback OpenAI-compatible server (aiohttp, its own process) that answers every
chat request after a fixed 0.5 s or a uniform 0.1-0.9 s delay (the delay is a hash of the
prompt, so every client meets the same delays), then for 512 requests at 64 in flight
and 2,048 at 256 in flight times:

- ``synthdistill``: ``Teacher`` + ``OpenAIBackend`` (empty temp cache: lookups, keys,
  commits included), ``teacher.parallel`` = the number in flight;
- ``plain``: 25 lines of aiohttp with a semaphore, the same requests;
- ``ideal``: requests / in flight x mean latency.

Writes bench/results/teacher_dispatch.json (``--quick``: 1/4 of the requests).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "teacher_dispatch.json"
CASES = [(512, 64), (2048, 256)]
LATENCIES = {"fixed": (0.5, 0.5), "uniform": (0.1, 0.9)}


def delay_for(prompt: str, low: float, high: float) -> float:
    fraction = int(hashlib.sha256(prompt.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return low + (high - low) * fraction


def serve(port: int, low: float, high: float) -> None:
    from aiohttp import web

    async def chat(request: web.Request) -> web.Response:
        body = await request.json()
        prompt = body["messages"][-1]["content"]
        await asyncio.sleep(delay_for(prompt, low, high))
        return web.json_response(
            {
                "model": body["model"],
                "choices": [{"message": {"content": f"re: {prompt}"}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 8, "completion_tokens": 4},
            }
        )

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    print("ready", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, backlog=4096)


def start_server(low: float, high: float) -> tuple[subprocess.Popen[str], str]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cmd = [sys.executable, __file__, "--serve", str(port), str(low), str(high)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):  # wait until it accepts connections
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, url


def prompts(n: int, tag: str) -> list[str]:
    return [f"{tag} request {i}" for i in range(n)]


def run_plain(url: str, texts: list[str], in_flight: int) -> float:
    import aiohttp

    async def main() -> float:
        limit = asyncio.Semaphore(in_flight)
        connector = aiohttp.TCPConnector(limit=in_flight)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(text: str) -> str:
                async with limit:
                    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
                    async with session.post(f"{url}/v1/chat/completions", json=body) as reply:
                        data = await reply.json()
                        return str(data["choices"][0]["message"]["content"])

            start = time.perf_counter()
            out = await asyncio.gather(*(one(t) for t in texts))
            assert len(out) == len(texts)
            return time.perf_counter() - start

    return asyncio.run(main())


def run_synthdistill(url: str, texts: list[str], in_flight: int) -> float:
    from synthdistill.teachers.base import Message, SamplingParams, TeacherRequest
    from synthdistill.teachers.cache import TeacherCache
    from synthdistill.teachers.openai_backend import OpenAIBackend
    from synthdistill.teachers.teacher import Teacher

    requests = [
        TeacherRequest(messages=(Message("user", t),), params=SamplingParams(max_tokens=8))
        for t in texts
    ]
    with tempfile.TemporaryDirectory() as tmp:
        backend = OpenAIBackend("m", base_url=url, concurrency=in_flight, max_retries=0)
        teacher = Teacher(backend, TeacherCache(Path(tmp) / "cache.sqlite"), progress=False)
        start = time.perf_counter()
        out = teacher.generate(requests)
        seconds = time.perf_counter() - start
        assert teacher.usage.teacher_calls == len(texts) and all(row for row in out)
        teacher.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1/4 of the requests")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per client")
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), float(args.serve[1]), float(args.serve[2]))
        return
    rows: list[dict[str, Any]] = []
    for latency, (low, high) in LATENCIES.items():
        proc, url = start_server(low, high)
        try:
            for requests, in_flight in CASES:
                n = requests // 4 if args.quick else requests
                mean = sum(delay_for(t, low, high) for t in prompts(n, "x")) / n
                times: dict[str, list[float]] = {"plain": [], "synthdistill": []}
                for rep in range(args.repeats):  # alternate, fresh prompts each run
                    texts = prompts(n, f"{latency}-{in_flight}-{rep}")
                    times["plain"].append(run_plain(url, texts, in_flight))
                    texts = prompts(n, f"{latency}-{in_flight}-{rep}-s")
                    times["synthdistill"].append(run_synthdistill(url, texts, in_flight))
                ideal = n / in_flight * mean
                best = {k: min(v) for k, v in times.items()}
                row = {
                    "requests": n,
                    "in_flight": in_flight,
                    "latency": latency,
                    "ideal_s": round(ideal, 2),
                    "plain_s": round(best["plain"], 2),
                    "synthdistill_s": round(best["synthdistill"], 2),
                    "synthdistill_vs_plain": round(best["plain"] / best["synthdistill"], 3),
                    "synthdistill_vs_ideal": round(ideal / best["synthdistill"], 3),
                    "plain_vs_ideal": round(ideal / best["plain"], 3),
                    "runs": {k: [round(x, 3) for x in v] for k, v in times.items()},
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
        finally:
            proc.terminate()
            proc.wait(10)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}",
                "command": "python bench/teacher_dispatch.py" + (" --quick" if args.quick else ""),
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
