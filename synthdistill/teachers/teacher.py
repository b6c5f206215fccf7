"""The Teacher: a backend behind the cache, with a usage ledger and a progress bar."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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


Todo = tuple[int, int, TeacherRequest, str]  # (request index, sample index, request, key)
# A worker holds the keys it calls for this long, renewed at every group commit; if it
# dies, others take its keys over after this. Others poll the cache at this interval.
LEASE_SECONDS = 300.0
LEASE_POLL_SECONDS = 0.5


class Teacher:
    """Every call goes through here: cache lookup, concurrent backend calls, ledger.

    Calls run on an event loop in a window of ``backend.concurrency`` calls in flight,
    refilled as each one finishes (no waves). Backends with ``acomplete`` (HTTP: the
    OpenAI-compatible servers and the in-process llama.cpp engine) are awaited directly;
    the others (``complete`` only) run in that many threads. Finished calls are cached
    in group commits while the rest keep running; after the first hard failure no new
    call starts, the running ones finish and are cached, and the error is raised.
    """

    def __init__(
        self,
        backend: TeacherBackend,
        cache: TeacherCache,
        progress: bool = True,
        lease_seconds: float = LEASE_SECONDS,
    ) -> None:
        self.backend = backend
        self.cache = cache
        self.identity = backend.identity()
        self.usage = Usage()
        self.progress = progress
        self.lease_seconds = lease_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._served: set[str] = set()  # model ids servers reported, already checked

    def generate(
        self, requests: Sequence[TeacherRequest], desc: str = "teacher"
    ) -> list[list[Completion]]:
        """Return ``n`` completions per request; finished calls are cached as they come."""
        flat: list[Todo] = []
        for ridx, request in enumerate(requests):
            for sidx in range(request.n):
                single = request.sample(sidx)
                flat.append((ridx, sidx, single, cache_key(self.identity, single, sidx)))
        results: list[list[Completion | None]] = [[None] * r.n for r in requests]
        todo: list[Todo] = []
        for ridx, sidx, single, key in flat:
            hit = self.cache.get(key)
            if hit is None:
                todo.append((ridx, sidx, single, key))
            else:
                results[ridx][sidx] = hit
                self.usage.count(hit)
        self.usage.requests += len(flat)
        self.usage.cache_hits += len(flat) - len(todo)
        if todo and self.cache.read_only:
            raise TeacherError(
                f"{len(todo)} of {len(flat)} teacher calls are not in the read-only cache "
                f"{self.cache.path}: its answers are served, new ones cannot be stored; make "
                "it writable or point $SYNTHDISTILL_CACHE_DIR at a writable copy"
            )
        while todo:  # the keys no other worker is answering are ours to call
            held = self.cache.claim([item[3] for item in todo], self.holder, self.lease_seconds)
            mine = [item for item in todo if item[3] in held]
            if mine:
                start = time.perf_counter()
                try:
                    asyncio.run(self._run(mine, results, desc))
                finally:
                    self.usage.seconds += time.perf_counter() - start
                    self.cache.release(self.holder)
            todo = self._wait_for_others([item for item in todo if item[3] not in held], results)
        return [[c for c in row if c is not None] for row in results]

    def _wait_for_others(
        self, pending: list[Todo], results: list[list[Completion | None]]
    ) -> list[Todo]:
        """Wait while other workers answer ``pending``; returns the keys whose lease
        expired unanswered (its holder died): they are claimed again."""
        while pending:
            left = []
            for item in pending:
                hit = self.cache.get(item[3])
                if hit is None:
                    left.append(item)
                else:
                    results[item[0]][item[1]] = hit
                    self.usage.count(hit)
                    self.usage.cache_hits += 1
            if not left or self.cache.claimable([item[3] for item in left]):
                return left
            pending = left
            time.sleep(LEASE_POLL_SECONDS)
        return []

    async def _run(
        self, todo: list[Todo], results: list[list[Completion | None]], desc: str
    ) -> None:
        window = max(1, self.backend.concurrency)
        acomplete = getattr(self.backend, "acomplete", None)
        threads = None if acomplete is not None else ThreadPoolExecutor(max_workers=window)
        writer = ThreadPoolExecutor(max_workers=1)  # one writer: group commits off the loop
        loop = asyncio.get_running_loop()
        finished_calls: asyncio.Queue[tuple[Todo, asyncio.Future[Completion]]] = asyncio.Queue()
        running: set[asyncio.Future[Completion]] = set()
        queue = iter(todo)

        def fill() -> None:
            """Start calls until the window is full or nothing is left."""
            while len(running) < window:
                item = next(queue, None)
                if item is None:
                    return
                if acomplete is not None:
                    future = asyncio.ensure_future(acomplete(item[2]))
                else:
                    future = loop.run_in_executor(threads, self.backend.complete, item[2])
                running.add(future)
                future.add_done_callback(lambda f, item=item: finished_calls.put_nowait((item, f)))

        bar = tqdm(total=len(todo), desc=desc, unit="call", disable=not self.progress)
        failure: BaseException | None = None
        finished = 0
        try:
            while True:
                if failure is None:
                    fill()
                if not running:
                    break
                batch = [await finished_calls.get()]
                while not finished_calls.empty():  # everything that finished meanwhile
                    batch.append(finished_calls.get_nowait())
                answers: list[tuple[Todo, Completion]] = []
                for item, future in batch:
                    running.discard(future)
                    try:
                        answer = future.result()
                        self._check_served(answer)
                    except Exception as err:  # a hard failure: no new call starts
                        failure = failure or err
                        continue
                    answers.append((item, answer))
                if failure is None:
                    fill()  # refill before writing: the calls run during the commit
                if answers:
                    finished += await loop.run_in_executor(writer, self._store, answers, results)
                    bar.update(len(answers))
        finally:
            if running:  # after a failure or an interrupt: let them finish, cache them
                await asyncio.wait(running)
                leftovers = []
                while not finished_calls.empty():
                    item, future = finished_calls.get_nowait()
                    if not future.cancelled() and future.exception() is None:
                        leftovers.append((item, future.result()))
                self._store(leftovers, results)
            closer = getattr(self.backend, "aclose", None)
            if closer is not None:
                await closer()
            for pool in (threads, writer):
                if pool is not None:
                    pool.shutdown(wait=True)
            bar.close()
        if failure is not None:
            raise TeacherError(
                f"{self.backend.name} teacher failed after {finished} finished calls "
                f"(they are cached; re-running resumes): {failure}"
            ) from failure

    def _check_served(self, answer: Completion) -> None:
        """Refuse an answer from another model than this identity's (checked once per id)."""
        if answer.served_model and answer.served_model not in self._served:
            self.cache.check_served(self.identity, answer.served_model)
            self._served.add(answer.served_model)

    def _store(
        self, answers: list[tuple[Todo, Completion]], results: list[list[Completion | None]]
    ) -> int:
        """Cache finished calls in one commit and put the stored answers in ``results``."""
        if not answers:
            return 0
        self.cache.renew(self.holder, self.lease_seconds)  # still working on the rest
        model = str(self.identity.get("model", ""))
        stored = self.cache.put_many([(item[3], answer, model) for item, answer in answers])
        for (item, _), completion in zip(answers, stored, strict=True):
            results[item[0]][item[1]] = completion
            self.usage.teacher_calls += 1
            self.usage.count(completion)
            self.usage.call_completion_tokens += completion.completion_tokens
        return len(answers)

    def close(self) -> None:
        self.backend.close()
        self.cache.close()
