"""The Teacher: a backend behind the cache, with a usage ledger and a progress bar."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from synthdistill.teachers.base import Completion, TeacherBackend, TeacherError, TeacherRequest
from synthdistill.teachers.cache import TeacherCache, cache_key


@dataclass
class Usage:
    """What a stage spent on its teacher.

    :meth:`ledger` depends only on the requests and the cached answers, so a re-run from
    the cache writes the same file (it is tracked in dvc.lock); :meth:`runtime` says how
    this run got them (calls vs cache hits, wall time) and goes to an untracked-by-lock
    runtime file.
    """

    requests: int = 0  # samples asked for: the teacher budget spent
    prompt_tokens: int = 0  # of every answer used, from the cache or not
    completion_tokens: int = 0  # of every answer used
    cache_hits: int = 0  # answered from the cache
    teacher_calls: int = 0  # answered by the backend (requests - cache_hits)
    call_completion_tokens: int = 0  # of backend calls only (throughput)
    seconds: float = 0.0  # wall time spent in backend calls

    def ledger(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }

    def runtime(self) -> dict[str, Any]:
        rate = round(self.call_completion_tokens / self.seconds, 1) if self.seconds else 0.0
        return {
            "teacher_calls": self.teacher_calls,
            "cache_hits": self.cache_hits,
            "seconds": round(self.seconds, 2),
            "completion_tokens_per_s": rate,
        }

    def as_dict(self) -> dict[str, Any]:
        return {**self.ledger(), **self.runtime()}

    def count(self, completion: Completion) -> None:
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens


WAVE_FACTOR = 2  # requests submitted per wave = backend.concurrency * WAVE_FACTOR


class Teacher:
    """Every call goes through here: cache lookup, concurrent backend calls, ledger."""

    def __init__(self, backend: TeacherBackend, cache: TeacherCache, progress: bool = True) -> None:
        self.backend = backend
        self.cache = cache
        self.identity = backend.identity()
        self.usage = Usage()
        self.progress = progress

    def generate(
        self, requests: Sequence[TeacherRequest], desc: str = "teacher"
    ) -> list[list[Completion]]:
        """Return ``n`` completions per request; each finished call is cached at once."""
        flat: list[tuple[int, int, TeacherRequest, str]] = []
        for ridx, request in enumerate(requests):
            for sidx in range(request.n):
                single = request.sample(sidx)
                flat.append((ridx, sidx, single, cache_key(self.identity, single, sidx)))
        results: list[list[Completion | None]] = [[None] * r.n for r in requests]
        todo: list[tuple[int, int, TeacherRequest, str]] = []
        for ridx, sidx, single, key in flat:
            hit = self.cache.get(key)
            if hit is None:
                todo.append((ridx, sidx, single, key))
            else:
                results[ridx][sidx] = hit
                self.usage.count(hit)
        self.usage.requests += len(flat)
        self.usage.cache_hits += len(flat) - len(todo)
        if todo:
            self._run(todo, results, desc)
        return [[c for c in row if c is not None] for row in results]

    def _run(
        self,
        todo: list[tuple[int, int, TeacherRequest, str]],
        results: list[list[Completion | None]],
        desc: str,
    ) -> None:
        model = str(self.identity.get("model", ""))
        bar = tqdm(total=len(todo), desc=desc, unit="call", disable=not self.progress)
        start = time.perf_counter()
        finished = 0
        failure: BaseException | None = None
        pool = ThreadPoolExecutor(max_workers=max(1, self.backend.concurrency))
        futures: dict[Future[Completion], tuple[int, int, str]] = {}

        def collect(done: set[Future[Completion]]) -> None:
            nonlocal failure, finished
            for future in done:
                if future.cancelled():
                    continue
                exc = future.exception()
                if exc is not None:
                    failure = failure or exc
                    continue
                ridx, sidx, key = futures[future]
                answer = future.result()
                try:
                    if answer.served_model:
                        self.cache.check_served(self.identity, answer.served_model)
                except TeacherError as exc:  # not cached: it came from another model
                    failure = failure or exc
                    continue
                completion = self.cache.put(key, answer, model)
                results[ridx][sidx] = completion
                finished += 1
                self.usage.teacher_calls += 1
                self.usage.count(completion)
                self.usage.call_completion_tokens += completion.completion_tokens
                bar.update(1)

        # Submit in waves: llama.cpp (xllamacpp) hands results back only when its queue
        # drains, so one wave at a time keeps results (and the cache) flowing.
        wave = max(1, self.backend.concurrency) * WAVE_FACTOR
        pending: set[Future[Completion]] = set()
        try:
            for begin in range(0, len(todo), wave):
                for ridx, sidx, single, key in todo[begin : begin + wave]:
                    future = pool.submit(self.backend.complete, single)
                    futures[future] = (ridx, sidx, key)
                    pending.add(future)
                while pending and failure is None:
                    done, pending = wait(pending, return_when=FIRST_EXCEPTION)
                    collect(done)
                if failure is not None:
                    break
            if failure is not None:
                # Queued calls are dropped; calls already running still finish and are
                # cached, so nothing the backend computed is lost.
                for future in pending:
                    future.cancel()
                collect(wait(pending).done)
                raise TeacherError(
                    f"{self.backend.name} teacher failed after {finished} finished calls "
                    f"(they are cached; re-running resumes): {failure}"
                ) from failure
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self.usage.seconds += time.perf_counter() - start
            bar.close()

    def close(self) -> None:
        self.backend.close()
        self.cache.close()
