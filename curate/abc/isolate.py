"""Run converter calls in a child process with a per-call time limit.

The reference converters can hang, raise anything, call `sys.exit` or print to stdout. Each
`Isolated` owns one child (forked from a forkserver, so it is cheap and safe beside Arrow's
threads); a call that times out or kills the child gets a fresh child for the next call.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

_PRELOAD = ["curate.abc.verified_tunes"]


@dataclass(frozen=True)
class ChildResult:
    ok: bool
    value: Any = None
    error: str = ""  # "timeout", "crash" or the exception's type name
    detail: str = ""


def _serve(conn: Connection) -> None:
    # Converters print to stdout; the parent's stdout is not theirs to write.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    while True:
        try:
            fn, args = conn.recv()
        except EOFError:
            return
        try:
            conn.send(ChildResult(True, fn(*args)))
        # Everything a converter raises (SystemExit included) becomes a reject, never our crash.
        except BaseException as err:  # noqa: BLE001
            tail = traceback.format_exception_only(type(err), err)[-1].strip()
            conn.send(ChildResult(False, error=type(err).__name__, detail=tail[:500]))


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")


class Isolated:
    """One child process; `call(fn, *args)` runs fn there within `timeout_s`."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self.restarts = 0

    def _start(self) -> Connection:
        if self._conn is None:
            parent, child = multiprocessing.Pipe()
            proc = _context().Process(target=_serve, args=(child,), daemon=True)  # type: ignore[attr-defined]
            proc.start()
            child.close()
            self._proc, self._conn = proc, parent
        return self._conn

    def call(self, fn: Callable[..., Any], *args: Any) -> ChildResult:
        conn = self._start()
        conn.send((fn, args))
        if not conn.poll(self.timeout_s):
            self._kill()
            return ChildResult(False, error="timeout", detail=f"no result within {self.timeout_s:g} s")
        try:
            return conn.recv()
        except EOFError:  # the child died (segfault, os._exit, out of memory)
            code = None
            if self._proc is not None:
                self._proc.join(5)
                code = self._proc.exitcode
            self._kill()
            return ChildResult(False, error="crash", detail=f"converter process died (exit code {code})")

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.join(5)
            self.restarts += 1
        if self._conn is not None:
            self._conn.close()
        self._proc, self._conn = None, None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the child's recv sees EOF and returns
        if self._proc is not None:
            self._proc.join(2)
            if self._proc.is_alive():
                self._proc.kill()
                self._proc.join(2)
        self._proc, self._conn = None, None
