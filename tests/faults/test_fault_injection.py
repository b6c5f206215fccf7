"""Fault injection: kill the in-process teacher and an OpenAI-compatible server at seeded
random moments, feed junk replies and corrupt caches through the real stage scripts.

For every kill point: no finished call is lost (the resumed run pays exactly for the calls
the cache lacks), none is repeated, and the output equals a rebuild from the cache.
Counts are printed (`make faults` shows them) and quoted in the README.

The number of kill points per sweep comes from ``SYNTHDISTILL_TEST_KILL_POINTS``: 2 in
`make test` (each point starts three interpreters that load the model), 10 in
`make test-all` and CI. The points are the same seeded sequence, so the 2 are the first 2 of
the 10.
"""

from __future__ import annotations

import http.server
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from synthdistill.io import read_jsonl, write_jsonl
from synthdistill.params import load_task
from synthdistill.tasks import load_examples

pytestmark = [pytest.mark.integration, pytest.mark.faults]
REPO = Path(__file__).resolve().parents[2]
MODEL = "smollm2-135m-instruct"
BUDGET = 12
KILL_POINTS = int(os.environ.get("SYNTHDISTILL_TEST_KILL_POINTS", "2"))
SERVER_KEY = "fault-suite-key"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """params.yaml for a 2-label toy task and its seed file."""
    root = tmp_path_factory.mktemp("faults")
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    bbc = load_task("bbc_news", REPO / "params.yaml")
    rows = load_examples("bbc_news", bbc)
    seeds = [r for label in ("business", "sports") for r in rows if r["label"] == label][:2]
    seeds += [r for r in rows if r["label"] == "sports"][:2]
    write_jsonl(root / "seed.jsonl", seeds)
    task = params["tasks"]["bbc_news"]
    task["labels"] = {k: v for k, v in task["labels"].items() if k in ("business", "sports")}
    params["tasks"] = {"toy": task}
    params["run_tasks"] = ["toy"]
    params["teacher"].update(model=MODEL, threads=1, parallel=2, context=2048, timeout=10)
    params["teacher"]["max_retries"] = 1
    params["generate"].update(budget=BUDGET, max_tokens=48)
    (root / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True))
    return root


def generate(work: Path, out: Path, cache: Path, env: dict[str, str] | None = None) -> Any:
    """Start stages/generate.py (a Popen) writing under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(REPO / "stages/generate.py"), "--task", "toy"]
    cmd += ["--params", str(work / "params.yaml"), "--seed", str(work / "seed.jsonl")]
    cmd += ["--out", str(out / "generated.jsonl"), "--rejected", str(out / "rejected.jsonl")]
    cmd += ["--report", str(out / "report.json"), "--usage", str(out / "usage.json")]
    cmd += ["--runtime", str(out / "runtime.json")]
    full_env = {**os.environ, "SYNTHDISTILL_CACHE_DIR": str(cache), **(env or {})}
    return subprocess.Popen(
        cmd, cwd=REPO, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def cached_calls(cache: Path) -> int:
    db = cache / "teacher_cache.sqlite"
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM completions").fetchone()[0])
    except sqlite3.OperationalError:  # created, table not yet
        return 0
    finally:
        conn.close()


def wait_for_progress(proc: Any, cache: Path, calls: int, rng: random.Random) -> None:
    """Return once ``calls`` answers are cached (or the run ended), plus a random delay:
    the kill then lands at a random point of the run, calls in flight included."""
    deadline = time.monotonic() + 300
    while cached_calls(cache) < calls and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 1.5))


def finish(proc: Any) -> None:
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"stage failed:\n{out}\n{err}"


def check_resume(work: Path, out: Path, cache: Path, before: int, env: dict[str, str]) -> None:
    """Resume to the end, then rebuild from the cache: compare calls and bytes."""
    finish(generate(work, out / "resumed", cache, env))
    runtime = json.loads((out / "resumed/runtime.json").read_text())
    assert runtime["cache_hits"] == before, "finished calls were lost"
    assert runtime["teacher_calls"] == BUDGET - before, "calls were repeated"
    finish(generate(work, out / "rebuilt", cache, env))
    rebuilt = json.loads((out / "rebuilt/runtime.json").read_text())
    assert rebuilt["teacher_calls"] == 0
    for name in ("generated.jsonl", "rejected.jsonl", "usage.json"):
        assert (out / "resumed" / name).read_bytes() == (out / "rebuilt" / name).read_bytes()


@pytest.mark.timeout(1200)
def test_kill_in_process_teacher_at_random_points(workdir: Path) -> None:
    rng = random.Random(0)
    landed = []
    for point in range(KILL_POINTS):
        cache, out = workdir / f"kill{point}/cache", workdir / f"kill{point}"
        proc = generate(workdir, out / "killed", cache)
        wait_for_progress(proc, cache, rng.randrange(0, BUDGET), rng)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        before = cached_calls(cache)
        landed.append(before)
        check_resume(workdir, out, cache, before, {})
    print(f"\nin-process kills: finished calls at each kill {landed}; 0 lost, 0 repeated")
    assert any(0 < n < BUDGET for n in landed), f"no kill landed mid-run: {landed}"


class Server:
    def __init__(self, port: int) -> None:
        env = {**os.environ, "SYNTHDISTILL_SERVER_API_KEY": SERVER_KEY}
        cmd = [sys.executable, "-m", "synthdistill.teachers.server", "--model", MODEL]
        cmd += ["--port", str(port), "--threads", "1", "--parallel", "2", "--context", "2048"]
        self.proc = subprocess.Popen(
            cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line.startswith("listening on http://"), line

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(30)


@pytest.mark.timeout(1200)
def test_kill_openai_compatible_server_at_random_points(workdir: Path) -> None:
    rng = random.Random(1)
    port = free_port()
    env = {
        "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1",
        "OPENAI_API_KEY": SERVER_KEY,
    }
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params["teacher"]["backend"] = "openai"
    served = workdir / "served"
    served.mkdir(exist_ok=True)
    (served / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True))
    (served / "seed.jsonl").write_bytes((workdir / "seed.jsonl").read_bytes())
    landed = []
    for point in range(KILL_POINTS):
        cache, out = served / f"kill{point}/cache", served / f"kill{point}"
        server = Server(port)
        proc = generate(served, out / "killed", cache, env)
        wait_for_progress(proc, cache, rng.randrange(0, BUDGET), rng)
        server.kill()
        _, err = proc.communicate(timeout=120)
        before = cached_calls(cache)
        landed.append(before)
        if proc.returncode != 0:  # died with the server: a clear error, nothing lost
            assert proc.returncode == 2 and "finished calls (they are cached" in err, err
            assert not (out / "killed/usage.json").exists()  # no ledger of a failed run
        server = Server(port)
        try:
            check_resume(served, out, cache, before, env)
        finally:
            server.kill()
    print(f"\nserver kills: finished calls at each kill {landed}; 0 lost, 0 repeated")
    assert any(0 < n < BUDGET for n in landed), f"no kill landed mid-run: {landed}"


JUNK = "\x00\x07\x1b[31m junk \x1b[0m \ufffd \u202e asdf qwer " + "words " * 12


class JunkHandler(http.server.BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that answers every chat request with junk."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        json.loads(self.rfile.read(length))
        body = json.dumps(
            {
                "model": "junk-model",
                "choices": [{"message": {"content": JUNK}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 20},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def junk_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), JunkHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_junk_replies_never_reach_train_jsonl(workdir: Path, junk_server: str) -> None:
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params["teacher"].update(backend="openai", model="junk-model")
    junk = workdir / "junk"
    junk.mkdir(exist_ok=True)
    (junk / "params.yaml").write_text(yaml.safe_dump(params, allow_unicode=True))
    (junk / "seed.jsonl").write_bytes((workdir / "seed.jsonl").read_bytes())
    env = {"OPENAI_BASE_URL": junk_server, "OPENAI_API_KEY": "k"}
    finish(generate(junk, junk / "out", junk / "cache", env))
    cmd = [sys.executable, str(REPO / "stages/preprocess.py"), "--task", "toy"]
    cmd += ["--params", str(junk / "params.yaml"), "--generated", str(junk / "out/generated.jsonl")]
    cmd += ["--test", str(junk / "seed.jsonl"), "--real", str(junk / "seed.jsonl")]
    cmd += ["--out", str(junk / "train.jsonl")]
    cmd += ["--rejected", str(junk / "dropped.jsonl"), "--counts", str(junk / "counts.json")]
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    assert read_jsonl(junk / "train.jsonl", allow_empty=True) == []
    counts = json.loads((junk / "counts.json").read_text())
    generated = len(read_jsonl(junk / "out/generated.jsonl", allow_empty=True))
    rejected = read_jsonl(junk / "out/rejected.jsonl", allow_empty=True)
    assert generated + len(rejected) == BUDGET and counts["kept"] == 0
    assert counts["dropped"]["control_chars"] == generated  # each with its reason


def test_corrupt_cache_fails_clearly_before_the_model_loads(workdir: Path) -> None:
    cache = workdir / "corrupt"
    cache.mkdir(exist_ok=True)
    (cache / "teacher_cache.sqlite").write_bytes(b"garbage" * 1000)
    start = time.perf_counter()
    proc = generate(workdir, workdir / "corrupt-out", cache)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert f"{cache / 'teacher_cache.sqlite'}: the teacher cache is unreadable" in err
    assert "llama" not in err.lower() and time.perf_counter() - start < 30
