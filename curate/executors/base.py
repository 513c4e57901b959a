"""The executor interface: run a list of independent tasks, report each as it finishes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

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


class Executor(ABC):
    name: str
    workers: int

    @abstractmethod
    def run(self, tasks: list[Task], on_done: OnDone) -> list[TaskReport | TaskFailure]:
        """Run every task (in any order), calling `on_done` as each ends; results in task order."""

    def close(self) -> None:  # noqa: B027  (optional hook: not every executor holds workers)
        """Release workers."""
