"""Ray executor: each task is a Ray task running the same `run_task` as the local pool.

Completion records and shards live in the shared store, so a run started locally can resume on Ray
and the other way round, with byte-identical output. Needs the `ray` extra.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from curate.errors import MissingDependencyError
from curate.executors.base import Executor, OnDone, R, T, TaskFailure
from curate.tasks import Task, TaskReport, run_task


def _run_task_remote(task: Task) -> TaskReport:
    return run_task(task)


class RayExecutor(Executor):
    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        try:
            import ray
        except ImportError as err:
            raise MissingDependencyError("executor ray", "ray", "ray") from err
        self._ray = ray
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": True, "configure_logging": False}
            if address is None:
                options["num_cpus"] = workers or os.cpu_count() or 1
                # local cluster: workers import what the driver imports (plugins on PYTHONPATH included)
                if os.environ.get("PYTHONPATH"):
                    options["runtime_env"] = {"env_vars": {"PYTHONPATH": os.environ["PYTHONPATH"]}}
            ray.init(address=address, **options)
            self._owns_cluster = True
        else:
            self._owns_cluster = False
        self.workers = workers or int(ray.cluster_resources().get("CPU", 1))
        self._remote = ray.remote(num_cpus=1, max_retries=0)(_run_task_remote)

    def run(self, tasks: list[Task], on_done: OnDone) -> list[TaskReport | TaskFailure]:
        ray = self._ray
        index = {self._remote.remote(task): i for i, task in enumerate(tasks)}
        results: list[TaskReport | TaskFailure | None] = [None] * len(tasks)
        pending = list(index)
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            for ref in done:
                i = index[ref]
                try:
                    result: TaskReport | TaskFailure = ray.get(ref)
                except ray.exceptions.RayTaskError as err:
                    cause = err.cause if err.cause is not None else err
                    result = TaskFailure.of(tasks[i], cause)
                results[i] = result
                on_done(tasks[i], result)
        return results  # type: ignore[return-value]

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        remote = self._ray.remote(num_cpus=1, max_retries=0)(fn)
        return list(self._ray.get([remote.remote(item) for item in items]))

    def close(self) -> None:
        from curate.ratelimit import release_shared_limiters

        if self._ray.is_initialized():
            release_shared_limiters()
        if self._owns_cluster and self._ray.is_initialized():
            self._ray.shutdown()
