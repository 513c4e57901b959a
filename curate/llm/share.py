"""`llm.concurrency` is the step's total in flight: the tasks of a step that are sending right now
split it between them, so one shard on a many-core machine still gets all of it, and two tasks
each get half.

The runner says how many of the step's tasks run at once (`StageContext.parallel_tasks`: the
workers that have a task, not all of them). Each task starts with that share, then follows the
tasks actually sending: they register in a small sqlite table next to the response cache and
refresh their row every `HEARTBEAT_S`; a row not refreshed for `STALE_S` (a killed worker) no
longer counts. A task divides by the registered count only once it has seen every expected peer
register (so a peer still starting up is never crowded out); after that, peers that finish leave
their share to the tasks still sending (the step's tail).
"""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import time
import uuid
from pathlib import Path

HEARTBEAT_S = 0.5
STALE_S = 5.0


class Gate:
    """An asyncio semaphore whose size can change while requests hold it; remembers the peak."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.busy = 0
        self.peak = 0
        self._free = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._free:
            await self._free.wait_for(lambda: self.busy < self.limit)
            self.busy += 1
            self.peak = max(self.peak, self.busy)

    async def __aexit__(self, *exc: object) -> None:
        async with self._free:
            self.busy -= 1
            self._free.notify()

    async def resize(self, limit: int) -> None:
        async with self._free:
            self.limit = limit
            self._free.notify_all()


class Share:
    """This task's part of a step's concurrency, among the step's tasks that are sending now."""

    def __init__(self, path: Path, scope: str, concurrency: int, expected: int = 1) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.scope = scope
        self.concurrency = concurrency
        self.expected = max(1, expected)
        self._all_seen = False
        self.member = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS sending (scope TEXT, member TEXT, seen REAL, "
                         "PRIMARY KEY (scope, member))")  # fmt: skip

    def refresh(self) -> tuple[int, int]:
        """Mark this task as sending; return its share (requests it may have in flight) and the number
        of the step's tasks sending now."""
        now = time.time()
        self._db.execute("DELETE FROM sending WHERE seen < ?", (now - 60 * STALE_S,))  # long gone
        self._db.execute("INSERT OR REPLACE INTO sending VALUES (?, ?, ?)", (self.scope, self.member, now))
        (tasks,) = self._db.execute(
            "SELECT COUNT(*) FROM sending WHERE scope = ? AND seen >= ?", (self.scope, now - STALE_S)
        ).fetchone()
        self._all_seen = self._all_seen or tasks >= self.expected
        tasks = max(1, tasks) if self._all_seen else max(self.expected, tasks)
        return max(1, math.ceil(self.concurrency / tasks)), tasks

    def leave(self) -> None:
        self._db.execute("DELETE FROM sending WHERE scope = ? AND member = ?", (self.scope, self.member))

    def close(self) -> None:
        self.leave()
        self._db.close()
