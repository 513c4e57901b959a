"""The executor interface: run a list of independent tasks, report each as it finishes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from curate.tasks import Task, TaskReport


@dataclass
class TaskFailure:
    task: Task
    error: str


OnDone = Callable[[Task, TaskReport | TaskFailure], None]


class Executor(ABC):
    name: str
    workers: int

    @abstractmethod
    def run(self, tasks: list[Task], on_done: OnDone) -> list[TaskReport | TaskFailure]:
        """Run every task (in any order), calling `on_done` as each ends; results in task order."""

    def close(self) -> None:  # noqa: B027  (optional hook: not every executor holds workers)
        """Release workers."""
