"""Executors run tasks; they never decide what to run. The runner plans, an executor maps."""

from curate.errors import CurateError
from curate.executors.base import Executor, TaskFailure
from curate.executors.local import LocalExecutor


def make_executor(name: str, workers: int | None = None, address: str | None = None) -> Executor:
    if name == "local":
        return LocalExecutor(workers=workers)
    if name == "ray":
        from curate.executors.ray import RayExecutor  # optional extra

        return RayExecutor(workers=workers, address=address)
    raise CurateError(f"unknown executor '{name}' (use local or ray)")


__all__ = ["Executor", "LocalExecutor", "TaskFailure", "make_executor"]
