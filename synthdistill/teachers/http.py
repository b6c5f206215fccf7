"""The async HTTP core of every OpenAI-style teacher: endpoints, dispatch, retries, limits.

One :class:`EndpointPool` posts JSON to a path on one of several equivalent servers
(the same model behind each): the least-loaded endpoint that is not set aside gets the
call; an endpoint that fails ``set_aside_after`` times in a row rests for ``rest``
seconds (doubling while it keeps failing) while the others carry on; a transient failure
(429, 5xx, timeout, connection error, a reply that is not JSON) is retried on whichever
endpoint is best then, with exponential backoff when none is healthy, at most
``max_retries`` times, each retry logged with its cause and delay. Optional request and
token rate limits (hosted APIs) are sliding one-minute windows; a Retry-After header
rests the endpoint that sent it for that long.

The API key never appears in logs or errors (:meth:`EndpointPool.scrub`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from synthdistill.teachers.base import Completion, TeacherError

log = logging.getLogger("synthdistill")
T = TypeVar("T")

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})
MAX_REST = 120.0  # seconds: the longest an endpoint is set aside before it is tried again


def normalize_base_url(url: str) -> str:
    """Drop credentials, query and trailing slash; a bare host gets ``/v1``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TeacherError(f"base_url must be an http(s) URL like http://host:8080/v1, got {url!r}")
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if parts.port:
        netloc += f":{parts.port}"
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, netloc, path, "", ""))


class Transient(Exception):
    """A failure worth retrying (429, 5xx, timeout, connection error)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Reply:
    """What a server answered: status, headers (lower-case names) and body text."""

    status: int
    headers: Mapping[str, str]
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


# POST ``payload`` as JSON to a URL with headers and return the reply; a transport failure
# raises OSError (refused, reset), TimeoutError or aiohttp.ClientError. Tests pass fakes.
Send = Callable[[str, dict[str, Any], Mapping[str, str]], Awaitable[Reply]]


def _retry_after(reply: Reply) -> float | None:
    try:
        return float(reply.headers.get("retry-after", ""))
    except ValueError:
        return None


def server_message(reply: Reply) -> str:
    """The error text a server put in its reply (OpenAI ``{"error": {"message"}}`` or raw)."""
    try:
        data = reply.json()
    except ValueError:
        return reply.text[:500] or f"HTTP {reply.status}"
    error = data.get("error", data) if isinstance(data, dict) else data
    if isinstance(error, dict):
        return str(error.get("message") or error)[:500]
    return str(error)[:500]


@dataclass
class Endpoint:
    """One server: how busy it is and whether it is resting after failures."""

    url: str
    in_flight: int = 0
    failures: int = 0  # consecutive
    rest_until: float = 0.0
    served: int = 0  # calls it answered (reported by benchmarks and tests)


class MinuteWindow:
    """At most ``limit`` units (requests or tokens) started in any 60 s window."""

    def __init__(self, limit: int, clock: Callable[[], float] | None = None) -> None:
        if limit <= 0:
            raise ValueError("a rate limit must be > 0")
        self.limit = limit
        self._clock = clock or (lambda: time.monotonic())
        self._spent: deque[tuple[float, int]] = deque()
        self._total = 0
        self._lock = asyncio.Lock()

    def _expire(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - 60.0:
            self._total -= self._spent.popleft()[1]

    async def acquire(self, units: int) -> None:
        units = min(units, self.limit)  # one oversized call still goes, alone
        async with self._lock:  # first come, first served
            while True:
                now = self._clock()
                self._expire(now)
                if self._total + units <= self.limit:
                    self._spent.append((now, units))
                    self._total += units
                    return
                await asyncio.sleep(max(0.01, self._spent[0][0] + 60.0 - now))

    def correct(self, estimated: int, actual: int) -> None:
        """Book the difference once the server reported what a call really cost."""
        delta = actual - estimated
        if delta:
            self._spent.append((self._clock(), delta))
            self._total += delta


class EndpointPool:
    """Least-loaded dispatch of JSON POSTs over equivalent endpoints, with bounded retries."""

    def __init__(
        self,
        base_urls: Sequence[str],
        *,
        api_key: str = "",
        concurrency: int = 8,
        timeout: float = 120.0,
        max_retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        set_aside_after: int = 2,
        rest: float = 5.0,
        max_requests_per_minute: int | None = None,
        max_tokens_per_minute: int | None = None,
        send: Send | None = None,
        label: str = "teacher",
    ) -> None:
        urls = [normalize_base_url(u) for u in base_urls]
        if not urls:
            raise TeacherError("no teacher endpoint: set teacher.base_urls or OPENAI_BASE_URL")
        if len(set(urls)) != len(urls):
            raise TeacherError(f"teacher.base_urls lists an endpoint twice: {urls}")
        self.endpoints = [Endpoint(u) for u in urls]
        self.api_key = api_key
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.set_aside_after = set_aside_after
        self.rest = rest
        self.label = label
        self._send = send
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._requests = MinuteWindow(max_requests_per_minute) if max_requests_per_minute else None
        self._tokens = MinuteWindow(max_tokens_per_minute) if max_tokens_per_minute else None
        self._client: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def scrub(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text

    def _session(self) -> aiohttp.ClientSession:
        """The HTTP session of the running event loop (a session cannot outlive its loop).

        aiohttp, not httpx: at 256 calls in flight httpx's connection pool spends most
        of the time scanning its connections (bench/teacher_dispatch.py: 8x slower).
        """
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            slots = self.concurrency * len(self.endpoints)  # one connection per call in flight
            self._client = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=slots),
                timeout=aiohttp.ClientTimeout(total=self.timeout, connect=min(self.timeout, 10)),
            )
            self._loop = loop
        return self._client

    async def _aiohttp_send(
        self, url: str, payload: dict[str, Any], headers: Mapping[str, str]
    ) -> Reply:
        async with self._session().post(url, json=payload, headers=headers) as response:
            text = await response.text()
            found = {k.lower(): v for k, v in response.headers.items()}
            return Reply(response.status, found, text)

    async def aclose(self) -> None:
        """Close the session of the running loop (call before the loop ends)."""
        client, self._client, self._loop = self._client, None, None
        if client is not None:
            await client.close()

    def _pick(self, now: float, avoid: Endpoint | None = None) -> Endpoint | None:
        """The least-loaded endpoint that is not resting (ties: list order); a retry
        avoids the endpoint that just failed it while another one is ready."""
        ready = [e for e in self.endpoints if e.rest_until <= now]
        if avoid is not None and len(ready) > 1:
            ready = [e for e in ready if e is not avoid]
        return min(ready, key=lambda e: e.in_flight) if ready else None

    def _failed(self, endpoint: Endpoint, err: Transient, now: float) -> None:
        """Rest an endpoint for its Retry-After, or (several endpoints) after repeated failures."""
        endpoint.failures += 1
        rest = min(err.retry_after, self.max_backoff) if err.retry_after is not None else 0.0
        if len(self.endpoints) > 1 and endpoint.failures >= self.set_aside_after:
            doubling = self.rest * 2 ** (endpoint.failures - self.set_aside_after)
            rest = max(rest, min(MAX_REST, doubling))
            log.warning(
                "%s: endpoint %s set aside for %.0f s after %d failures in a row (%s)",
                self.label,
                endpoint.url,
                rest,
                endpoint.failures,
                self.scrub(str(err)),
            )
        endpoint.rest_until = max(endpoint.rest_until, now + rest)

    async def post(self, path: str, payload: dict[str, Any], cost: int = 0) -> dict[str, Any]:
        """POST ``payload`` to ``{endpoint}/{path}``; the parsed JSON reply.

        ``cost`` is the call's token estimate for the token limit (prompt + max_tokens).
        """
        last: Transient | None = None
        failed_on: Endpoint | None = None
        for attempt in range(1, self.max_retries + 2):
            if self._requests is not None:
                await self._requests.acquire(1)
            if self._tokens is not None:
                await self._tokens.acquire(cost)
            endpoint = self._pick(time.monotonic(), avoid=failed_on)
            while endpoint is None:  # every endpoint rests: wait for the first to wake
                wake = min(e.rest_until for e in self.endpoints)
                await asyncio.sleep(max(0.0, wake - time.monotonic()))
                endpoint = self._pick(time.monotonic())
            try:
                endpoint.in_flight += 1
                data = await self._post_once(endpoint, path, payload)
            except Transient as err:
                last, failed_on = err, endpoint
                self._failed(endpoint, err, time.monotonic())
                if attempt > self.max_retries:
                    break
                delay = self._delay(attempt, err, endpoint)
                log.warning(
                    "%s: attempt %d of %d failed on %s (%s); retrying in %.1f s",
                    self.label,
                    attempt,
                    self.max_retries + 1,
                    endpoint.url,
                    self.scrub(str(err)),
                    delay,
                )
                await asyncio.sleep(delay)
                continue
            finally:
                endpoint.in_flight -= 1
            endpoint.failures = 0
            endpoint.served += 1
            if self._tokens is not None:
                where = f"{endpoint.url}/{path}"
                actual = usage_count(data, "prompt_tokens", where) + usage_count(
                    data, "completion_tokens", where
                )
                if actual:
                    self._tokens.correct(min(cost, self._tokens.limit), actual)
            return data
        if len(self.endpoints) == 1:
            target = f"{self.endpoints[0].url}/{path}"
        else:
            target = f"{path} on {', '.join(e.url for e in self.endpoints)}"
        raise TeacherError(
            self.scrub(
                f"POST {target} failed after {self.max_retries + 1} attempts ({self.label}): {last}"
            )
        )

    def _delay(self, attempt: int, err: Transient, failed: Endpoint) -> float:
        """No wait when another endpoint is ready; else exponential backoff (or Retry-After)."""
        other = self._pick(time.monotonic(), avoid=failed)
        if other is not None and other is not failed:
            return 0.0
        delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        if err.retry_after is not None:
            delay = max(delay, min(err.retry_after, self.max_backoff))
        return delay

    async def _post_once(self, endpoint: Endpoint, path: str, payload: dict[str, Any]) -> Any:
        url = f"{endpoint.url}/{path}"
        send = self._send or self._aiohttp_send
        try:
            reply = await send(url, payload, self._headers)
        except TimeoutError as err:
            raise Transient(f"timeout ({type(err).__name__})") from None
        except (OSError, aiohttp.ClientError) as err:
            raise Transient(self.scrub(f"{type(err).__name__}: {err}")) from None
        if reply.status in RETRY_STATUS:
            message = self.scrub(f"HTTP {reply.status}: {server_message(reply)}")
            raise Transient(message, _retry_after(reply))
        if reply.status >= 400:
            message = f"HTTP {reply.status}: {server_message(reply)}"
            raise TeacherError(self.scrub(f"POST {url} failed: {message}"))
        try:
            data = reply.json()
        except ValueError:
            raise Transient(self.scrub(f"invalid JSON in reply: {reply.text[:200]!r}")) from None
        if not isinstance(data, dict):
            raise Transient(self.scrub(f"unexpected reply: {str(data)[:200]}"))
        return data


def call_once(pool: EndpointPool, call: Coroutine[Any, Any, T]) -> T:
    """Run one backend call outside an event loop (tests, scripts); the Teacher awaits
    calls on its own loop instead."""

    async def once() -> T:
        try:
            return await call
        finally:
            await pool.aclose()

    return asyncio.run(once())


def usage_count(data: dict[str, Any], field: str, where: str) -> int:
    """``usage.<field>`` of a reply as a count (absent: 0); anything else is an error
    naming the field and the server."""
    usage = data.get("usage") or {}
    value = usage.get(field) if isinstance(usage, dict) else usage
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise TeacherError(
            f"POST {where}: the reply's usage.{field} is {value!r}, not a token count; "
            "the server does not speak the OpenAI API as expected"
        )
    return int(value)


def parse_reply(
    data: dict[str, Any], chat: bool, path: str, scrub: Callable[[str], str] = str
) -> Completion:
    """A :class:`Completion` from an OpenAI-style reply (chat or text completion)."""
    if "error" in data:
        raise TeacherError(scrub(f"POST {path}: server error: {data['error']}"))
    try:
        choice = data["choices"][0]
        text = (choice.get("message") or {}).get("content") if chat else choice.get("text")
        return Completion(
            text=text or "",
            finish_reason=str(choice.get("finish_reason") or "stop"),
            prompt_tokens=usage_count(data, "prompt_tokens", path),
            completion_tokens=usage_count(data, "completion_tokens", path),
            served_model=str(data.get("model") or ""),
        )
    except (KeyError, IndexError, TypeError, AttributeError) as err:
        raise TeacherError(f"POST {path}: malformed reply ({err!r})") from None
