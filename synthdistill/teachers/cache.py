"""Content-addressed SQLite cache of teacher calls, shared by processes and experiments."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from synthdistill.cachedir import CACHE_ENV as CACHE_ENV
from synthdistill.cachedir import default_cache_dir
from synthdistill.teachers.base import Completion, TeacherError, TeacherRequest

# A reply longer than this is cut here and stored as truncated (finish_reason "length"): a
# generation is at most a few thousand characters, so more means a broken server or model.
MAX_COMPLETION_CHARS = 100_000
# The stored fields of an entry, as records() returns them (the replay file's schema).
_SURROGATE = re.compile("[\ud800-\udfff]")
RECORD_FIELDS = ("key", "text", "finish_reason", "prompt_tokens", "completion_tokens", "model")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def cache_key(identity: dict[str, Any], request: TeacherRequest, sample_index: int) -> str:
    """Hash of everything that determines a sample's answer."""
    if request.n != 1:
        raise ValueError("cache_key takes a single-sample request (use request.sample(i))")
    payload = {
        "identity": identity,
        "input": request.rendered(),
        "params": request.params.as_dict(),
        "sample_index": sample_index,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


class TeacherCache:
    """``key -> completion`` in SQLite (WAL mode: several readers + one writer at a time)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_cache_dir() / "teacher_cache.sqlite"
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except (OSError, RuntimeError) as err:
            raise TeacherError(
                f"{self.path.parent}: cannot be the teacher cache directory ({err}); point "
                f"${CACHE_ENV} at a writable directory"
            ) from None
        # A cache someone made read-only (a shared, frozen copy) still serves its answers.
        self.read_only = self.path.exists() and not (
            os.access(self.path, os.W_OK) and os.access(self.path.parent, os.W_OK)
        )
        try:
            if self.read_only:
                uri = f"file:{self.path}?mode=ro&immutable=1"
                self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
            else:
                self._conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
                self._create()
            self._conn.execute("SELECT key FROM completions LIMIT 1").fetchall()
        except sqlite3.DatabaseError as err:
            raise TeacherError(
                f"{self.path}: the teacher cache is unreadable ({err}); move it aside to start "
                f"an empty one, or point ${CACHE_ENV} elsewhere"
            ) from None

    def _create(self) -> None:
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS completions ("
            " key TEXT PRIMARY KEY, text TEXT NOT NULL, finish_reason TEXT NOT NULL,"
            " prompt_tokens INTEGER, completion_tokens INTEGER, model TEXT, created REAL)"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS served (identity TEXT PRIMARY KEY, model TEXT)"
        )
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, holder TEXT NOT NULL,"
            " expires REAL NOT NULL)"
        )
        self._conn.commit()

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT text, finish_reason, prompt_tokens, completion_tokens"
                " FROM completions WHERE key = ?",
                (key,),
            ).fetchone()
        if row is None:
            return None
        return Completion(row[0], row[1], row[2] or 0, row[3] or 0, cached=True, key=key)

    def put(self, key: str, completion: Completion, model: str = "") -> Completion:
        """Store one finished call at once, so a crash later loses nothing."""
        return self.put_many([(key, completion, model)])[0]

    def put_many(self, entries: list[tuple[str, Completion, str]]) -> list[Completion]:
        """Store finished calls ``(key, completion, model)`` in one transaction (a group
        commit: one fsync for every call that finished meanwhile).

        The first answer stored for a key wins (several processes may compute the same
        key): the stored answers are returned, and callers use them, so every output can
        be rebuilt from the cache.
        """
        if self.read_only:
            raise TeacherError(
                f"{self.path}: the teacher cache is read-only; its answers are served, but "
                f"new calls cannot be stored: make it writable or point ${CACHE_ENV} at a "
                "writable copy"
            )
        rows = []
        for key, completion, model in entries:
            # a lone surrogate (a model's broken UTF-16 pair) cannot be stored as UTF-8:
            # it becomes U+FFFD, which cleaning drops as replacement_char
            text = _SURROGATE.sub("\ufffd", completion.text)
            finish = completion.finish_reason
            if len(text) > MAX_COMPLETION_CHARS:
                text, finish = text[:MAX_COMPLETION_CHARS], "length"
            rows.append(
                (
                    key,
                    text,
                    finish,
                    completion.prompt_tokens,
                    completion.completion_tokens,
                    model,
                    time.time(),
                )
            )
        with self._lock:
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?)", rows
            )
            self._conn.commit()
            all_new = self._conn.total_changes - before == len(rows)
        if all_new:  # nobody stored these keys before: the answers are as given
            return [
                Completion(row[1], row[2], row[3], row[4], cached=False, key=row[0]) for row in rows
            ]
        stored = []
        for key, _, _ in entries:
            hit = self.get(key)
            assert hit is not None  # just inserted, or inserted earlier by another writer
            stored.append(replace(hit, cached=False))
        return stored

    def _reap_dead(self) -> None:
        """Drop the leases of holders on this machine whose process is gone (a killed
        run resumes at once instead of waiting for its own leases to expire); holders
        are ``host:pid:nonce``. Called with the lock held, inside a transaction."""
        host = socket.gethostname()
        holders = {row[0] for row in self._conn.execute("SELECT DISTINCT holder FROM leases")}
        for holder in holders:
            where, _, rest = holder.partition(":")
            pid = rest.partition(":")[0]
            if where == host and pid.isdigit() and not _alive(int(pid)):
                self._conn.execute("DELETE FROM leases WHERE holder = ?", (holder,))

    def claim(self, keys: list[str], holder: str, ttl: float) -> set[str]:
        """Lease the unanswered ``keys`` to ``holder`` for ``ttl`` seconds; returns the keys
        it holds now. A key another live holder leased is left to it (its answer will
        come to the cache); a lease whose holder died expires and can be taken. So
        concurrent workers on one cache (``dvc exp run --queue``) pay once per key."""
        if self.read_only:  # nothing can be stored: no call is leased (the teacher refuses)
            return set()
        now = time.time()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")  # one claimer at a time across processes
            try:
                self._conn.execute("DELETE FROM leases WHERE expires < ?", (now,))
                self._reap_dead()
                self._conn.executemany(
                    "INSERT OR IGNORE INTO leases SELECT ?, ?, ? WHERE NOT EXISTS"
                    " (SELECT 1 FROM completions WHERE key = ?)",
                    [(key, holder, now + ttl, key) for key in keys],
                )
                held = {
                    row[0]
                    for row in self._conn.execute(
                        "SELECT key FROM leases WHERE holder = ?", (holder,)
                    ).fetchall()
                }
                self._conn.commit()
            except BaseException:
                self._conn.rollback()
                raise
        return held & set(keys)

    def claimable(self, keys: list[str]) -> bool:
        """Whether any of ``keys`` has no live lease (its holder died or let it go)."""
        if self.read_only:
            return bool(keys)
        now = time.time()
        with self._lock:
            self._reap_dead()
            self._conn.commit()
            live = {
                row[0]
                for row in self._conn.execute(
                    "SELECT key FROM leases WHERE expires >= ?", (now,)
                ).fetchall()
            }
        return any(key not in live for key in keys)

    def renew(self, holder: str, ttl: float) -> None:
        """Extend every lease of ``holder`` (it is still working on them)."""
        if self.read_only:
            return
        with self._lock:
            self._conn.execute(
                "UPDATE leases SET expires = ? WHERE holder = ?", (time.time() + ttl, holder)
            )
            self._conn.commit()

    def release(self, holder: str, keys: list[str] | None = None) -> None:
        """Drop ``holder``'s leases (of ``keys``; all of them if None)."""
        if self.read_only:
            return
        with self._lock:
            if keys is None:
                self._conn.execute("DELETE FROM leases WHERE holder = ?", (holder,))
            else:
                self._conn.executemany(
                    "DELETE FROM leases WHERE key = ? AND holder = ?", [(k, holder) for k in keys]
                )
            self._conn.commit()

    def check_served(self, identity: dict[str, Any], served_model: str) -> None:
        """Refuse answers from another model than the one this identity's answers came from.

        A server identity is the model *name* (not the URL: any of several equivalent
        servers may answer); the first model id a server reported for it is recorded,
        and a different one later is an error (the cache would otherwise mix, or wrongly
        reuse, two models' answers).
        """
        blob = json.dumps(identity, sort_keys=True, ensure_ascii=False)
        if self.read_only:
            return
        with self._lock:
            self._conn.execute("INSERT OR IGNORE INTO served VALUES (?, ?)", (blob, served_model))
            self._conn.commit()
            row = self._conn.execute("SELECT model FROM served WHERE identity = ?", (blob,))
            recorded = row.fetchone()[0]
        if recorded != served_model:
            raise TeacherError(
                f"the server now reports model '{served_model}' for {identity}, but the answers "
                f"cached for that identity came from '{recorded}'; serve the same model, or give "
                f"this one its own name (teacher.model) so its answers are cached apart"
            )

    def records(self, keys: set[str] | None = None) -> list[dict[str, Any]]:
        """Stored entries as dicts (all of them, or those of ``keys``)."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {', '.join(RECORD_FIELDS)} FROM completions"
            ).fetchall()
        found = [dict(zip(RECORD_FIELDS, row, strict=True)) for row in rows]
        return found if keys is None else [row for row in found if row["key"] in keys]

    def add_records(self, records: list[dict[str, Any]]) -> int:
        """Insert exported entries; existing keys keep their answer. Returns how many were new."""
        if self.read_only:
            raise TeacherError(f"{self.path}: the teacher cache is read-only; import into a copy")
        with self._lock:
            before = self._conn.total_changes
            self._conn.executemany(
                "INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r["key"],
                        r["text"],
                        r["finish_reason"],
                        r["prompt_tokens"],
                        r["completion_tokens"],
                        r["model"],
                        time.time(),
                    )
                    for r in records
                ],
            )
            self._conn.commit()
            return self._conn.total_changes - before

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM completions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
