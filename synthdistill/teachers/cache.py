"""Content-addressed SQLite cache of teacher calls, shared by processes and experiments."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from synthdistill.cachedir import CACHE_ENV as CACHE_ENV
from synthdistill.cachedir import default_cache_dir
from synthdistill.teachers.base import Completion, TeacherRequest


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, timeout=60, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS completions ("
            " key TEXT PRIMARY KEY, text TEXT NOT NULL, finish_reason TEXT NOT NULL,"
            " prompt_tokens INTEGER, completion_tokens INTEGER, model TEXT, created REAL)"
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

    def put(self, key: str, completion: Completion, model: str = "") -> None:
        """Store one finished call at once, so a crash later loses nothing."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    completion.text,
                    completion.finish_reason,
                    completion.prompt_tokens,
                    completion.completion_tokens,
                    model,
                    time.time(),
                ),
            )
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM completions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
