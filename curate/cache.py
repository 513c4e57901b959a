"""A persistent key-value cache on sqlite, for work that costs money or politeness budget.

LLM responses and fetched video metadata go here, keyed by everything that determines them, so
a rerun (or a run resumed after SIGKILL) never pays twice. Writes are batched: `put` buffers and
`flush` commits in one transaction (WAL mode, no fsync per row); call `flush` often enough that a
kill loses little, and always before a task ends.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any


class KVCache:
    def __init__(self, path: Path, flush_every: int = 64) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.flush_every = flush_every
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self._pending: dict[str, str] = {}

    def get(self, key: str) -> Any | None:
        if key in self._pending:
            return json.loads(self._pending[key])
        row = self._db.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def get_many(self, keys: list[str]) -> dict[str, Any]:
        found: dict[str, Any] = {k: json.loads(self._pending[k]) for k in keys if k in self._pending}
        rest = [k for k in keys if k not in found]
        for i in range(0, len(rest), 500):
            chunk = rest[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(f"SELECT key, value FROM kv WHERE key IN ({marks})", chunk):
                found[key] = json.loads(value)
        return found

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def put(self, key: str, value: Any) -> None:
        self._pending[key] = json.dumps(value, ensure_ascii=False, sort_keys=True)
        if len(self._pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        items = list(self._pending.items())
        self._db.execute("BEGIN IMMEDIATE")
        self._db.executemany("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", items)
        self._db.execute("COMMIT")
        self._pending.clear()

    def __len__(self) -> int:
        self.flush()
        return self._db.execute("SELECT COUNT(*) FROM kv").fetchone()[0]

    def close(self) -> None:
        self.flush()
        self._db.close()

    def __enter__(self) -> KVCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
