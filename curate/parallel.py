"""`parallel_map`: fan a global stage's independent pieces (e.g. dedup bands) out over the executor.

A global stage runs as one task; when its work splits into independent pieces it calls
`parallel_map(fn, items, context)`, which hands them to the run's executor (`Executor.map`): a
process pool of the run's worker count locally, Ray tasks on Ray (submitted from inside the global
task). `fn` must be a module-level function and items picklable. Results come back in item order,
so the output does not depend on which worker finished first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from curate.stage import StageContext

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(fn: Callable[[T], R], items: Sequence[T], context: StageContext) -> list[R]:
    from curate.executors import make_executor  # executors import the task machinery, which imports stages

    return make_executor(context.executor, workers=context.workers).map(fn, items)
