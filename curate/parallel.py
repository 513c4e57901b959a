"""`parallel_map`: fan a global stage's independent pieces (e.g. dedup bands) out over the executor.

A global stage runs as one task; when its work splits into independent pieces it calls
`parallel_map(fn, items, context)`. On the local executor the pieces run in a process pool of the
run's worker count; on Ray each piece is a Ray task (submitted from inside the global task). `fn`
must be a module-level function and items picklable. Results come back in item order, so the
output does not depend on which worker finished first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from curate.stage import StageContext

T = TypeVar("T")
R = TypeVar("R")


def parallel_map(fn: Callable[[T], R], items: Sequence[T], context: StageContext) -> list[R]:
    if context.executor == "ray":
        import ray

        remote = ray.remote(num_cpus=1, max_retries=0)(fn)
        return ray.get([remote.remote(item) for item in items])
    if context.workers <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    with ProcessPoolExecutor(min(context.workers, len(items)), mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, items))
