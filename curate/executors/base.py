"""The executor interface: run a list of independent tasks, report each as it finishes; and map a
function over the independent pieces of one global task (`curate.parallel.parallel_map`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from curate.errors import CurateError, describe
from curate.tasks import Task, TaskReport


@dataclass
class TaskFailure:
    task: Task
    error: str
    user_error: bool = False  # a CurateError: its one sentence already says what to change

    @classmethod
    def of(cls, task: Task, err: BaseException) -> TaskFailure:
        return cls(task, describe(err), user_error=isinstance(err, CurateError))


OnDone = Callable[[Task, TaskReport | TaskFailure], None]
T = TypeVar("T")
R = TypeVar("R")


class Executor(ABC):
    name: str
    workers: int

    @abstractmethod
    def run(self, tasks: list[Task], on_done: OnDone) -> list[TaskReport | TaskFailure]:
        """Run every task (in any order), calling `on_done` as each ends; results in task order."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`fn` over independent pieces, results in item order; `fn` is a module-level function."""
        return [fn(item) for item in items]

    def close(self) -> None:  # noqa: B027  (optional hook: not every executor holds workers)
        """Release workers."""
