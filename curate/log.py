"""Console output: rich progress on a terminal, plain lines otherwise, JSON lines with --log-json."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Reporter:
    def __init__(self, json_lines: bool = False, quiet: bool = False) -> None:
        self.json_lines = json_lines
        self.quiet = quiet
        self.console = Console(stderr=True)
        self._progress: Progress | None = None
        self._bars: dict[str, Any] = {}
        self._last: dict[str, int] = {}

    def event(self, message: str, **fields: Any) -> None:
        if self.json_lines:
            print(json.dumps({"time": round(time.time(), 3), "event": message, **fields}, default=str),
                  file=sys.stderr, flush=True)  # fmt: skip
        elif not self.quiet:
            extra = " ".join(f"{k}={v}" for k, v in fields.items())
            self.console.print(f"{message} {extra}".rstrip(), highlight=False, soft_wrap=True)

    def progress(self, step: str, done: int, total: int) -> None:
        if self.json_lines or self.quiet or not self.console.is_terminal:
            if self._last.get(step) != done and (done == total or done == 0):
                self.event("step", step=step, done=done, total=total)
            self._last[step] = done
            return
        if self._progress is None:
            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                console=self.console,
            )  # fmt: skip
            self._progress.start()
        if step not in self._bars:
            self._bars[step] = self._progress.add_task(step, total=total)
        self._progress.update(self._bars[step], completed=done, total=total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
