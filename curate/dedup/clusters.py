"""Union-find over verified pairs and the keep policy that picks one row per cluster.

Every choice is made on ids and values, never on input position, so the kept rows are the same
whatever the input order or the number of workers.
"""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np
import polars as pl

KeepPolicy = Literal["smallest_id", "longest", "most_views", "highest_fidelity"]
DEFAULT_COLUMN = {"longest": "_length", "most_views": "view_count", "highest_fidelity": "fidelity"}


@numba.njit(cache=True)
def _find(parent: np.ndarray, x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:
        parent[x], x = root, parent[x]
    return root


@numba.njit(cache=True)
def components(n: int, pairs: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """For each document, the member of its component with the lowest priority value (the row to keep)."""
    parent = np.arange(n)
    for k in range(pairs.shape[0]):
        a, b = _find(parent, pairs[k, 0]), _find(parent, pairs[k, 1])
        if a != b:
            if priority[a] <= priority[b]:
                parent[b] = a
            else:
                parent[a] = b
    out = np.empty(n, dtype=np.int64)
    for x in range(n):
        out[x] = _find(parent, x)
    return out


def priority(frame: pl.DataFrame, policy: KeepPolicy, column: str | None = None) -> np.ndarray:
    """Rank of each row under the policy (0 = keep first): best value first, ties by smallest id.

    `frame` has `id` and, for value policies, the policy's column (nulls rank last).
    """
    by: list[pl.Expr] = []
    if policy != "smallest_id":
        by.append(pl.col(column or DEFAULT_COLUMN[policy]).cast(pl.Float64).fill_nan(None).neg().fill_null(np.inf))
    by.append(pl.col("id"))
    order = frame.with_row_index("_row").sort(by)["_row"].to_numpy()
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return ranks
