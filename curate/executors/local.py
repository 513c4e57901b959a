"""Local executor: a process pool (spawned workers, safe with polars' and Arrow's threads)."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from curate.errors import CurateError
from curate.executors.base import Executor, OnDone, R, T, TaskFailure
from curate.tasks import Task, TaskReport, run_task


class LocalExecutor(Executor):
    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def run(self, tasks: list[Task], on_done: OnDone) -> list[TaskReport | TaskFailure]:
        if self.workers == 1 or len(tasks) <= 1:
            return [self._run_inline(task, on_done) for task in tasks]
        pool = self._get_pool()
        futures: dict[Future[TaskReport], int] = {pool.submit(run_task, t): i for i, t in enumerate(tasks)}
        results: list[TaskReport | TaskFailure | None] = [None] * len(tasks)
        try:
            for future in as_completed(futures):
                i = futures[future]
                err = future.exception()
                if isinstance(err, BrokenProcessPool):
                    raise CurateError(f"a worker process died while running {tasks[i].label}") from err
                results[i] = TaskFailure.of(tasks[i], err) if err else future.result()
                on_done(tasks[i], results[i])  # type: ignore[arg-type]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            raise
        return results  # type: ignore[return-value]

    def _run_inline(self, task: Task, on_done: OnDone) -> TaskReport | TaskFailure:
        try:
            result: TaskReport | TaskFailure = run_task(task)
        except Exception as err:  # noqa: BLE001  (a stage bug: recorded by run_task, reported by the runner)
            result = TaskFailure.of(task, err)
        on_done(task, result)
        return result

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self.workers <= 1 or len(items) <= 1:
            return [fn(item) for item in items]
        with ProcessPoolExecutor(
            min(self.workers, len(items)), mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            return list(pool.map(fn, items))

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
