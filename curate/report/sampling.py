"""Seeded samples of a table's rows that cost the same whatever the table's size.

A small table (or the part of it holding one reject reason) is read whole and its rows chosen by a
seeded hash of their id; a large one is read one seeded Parquet row group at a time, so a report of a
billion-row table reads a few row groups, never the table. The choice is stable: the same store and
seed give the same rows on every run and machine (xxhash, not Python's or polars' hash).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import xxhash

from curate.store import Store

READ_WHOLE_BYTES = 32 * 1024 * 1024  # candidate rows are read whole below this many uncompressed bytes
READ_WHOLE_ROWS = 65_536  # ... and this many rows (each is hashed in Python)


def seeded_key(seed: int, value: object) -> int:
    return xxhash.xxh64_intdigest(f"{seed}\x00{value}".encode())


@dataclass(frozen=True)
class RowGroup:
    path: str  # full store path
    name: str  # path relative to the version folder: stable between machines, so it seeds the choice
    index: int
    rows: int
    bytes: int


def row_groups(store: Store, paths: list[str]) -> list[RowGroup]:
    """Every row group of the files (footers only)."""
    out = []
    for path in paths:
        meta = store.parquet_file(path).metadata
        for i in range(meta.num_row_groups):
            group = meta.row_group(i)
            out.append(RowGroup(path, store.relative(path), i, group.num_rows, group.total_byte_size))
    return out


def _read(store: Store, groups: list[RowGroup], columns: list[str] | None = None) -> pa.Table:
    tables = [store.parquet_file(g.path).read_row_group(g.index, columns=columns) for g in groups]
    return pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})


def _candidates(groups: list[RowGroup], seed: int, salt: str) -> list[RowGroup]:
    if sum(g.bytes for g in groups) <= READ_WHOLE_BYTES and sum(g.rows for g in groups) <= READ_WHOLE_ROWS:
        return groups
    return [min(groups, key=lambda g: seeded_key(seed, f"{salt}\x00{g.name}#{g.index}"))]


def _pick(table: pa.Table, k: int, seed: int) -> list[tuple[int, dict[str, Any]]]:
    """The k rows with the smallest seeded hash of their id (of their position without an id column)."""
    if table.num_rows == 0:
        return []
    ids = table["id"].to_pylist() if "id" in table.column_names else range(table.num_rows)
    keyed = heapq.nsmallest(k, ((seeded_key(seed, v), i) for i, v in enumerate(ids)))
    rows = table.take(pa.array([i for _, i in keyed], pa.int64())).to_pylist()
    return [(key, row) for (key, _), row in zip(keyed, rows, strict=True)]


def sample_rows(store: Store, paths: list[str], k: int, seed: int) -> list[dict[str, Any]]:
    """Up to k rows of the files, chosen by seeded hash of their id."""
    groups = [g for g in row_groups(store, paths) if g.rows]
    if not groups:
        return []
    return [row for _, row in _pick(_read(store, _candidates(groups, seed, "rows")), k, seed)]


def sample_by(store: Store, paths: list[str], column: str, k: int, seed: int) -> dict[str, list[dict[str, Any]]]:
    """Up to k rows per value of `column` (a reject reason): only `column` is read whole, then for each
    value the row groups holding it (or one seeded group of them when they are large), each group once."""
    holding: dict[str, list[RowGroup]] = defaultdict(list)
    for group in (g for g in row_groups(store, paths) if g.rows):
        for value in pc.unique(_read(store, [group], [column])[column]).to_pylist():
            holding[str(value)].append(group)
    plan: dict[RowGroup, list[str]] = defaultdict(list)
    for value, where in holding.items():
        for group in _candidates(where, seed, value):
            plan[group].append(value)
    best: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for group, values in plan.items():  # one read per group; only the picked rows are kept
        table = _read(store, [group])
        for value in values:
            best[value] += _pick(table.filter(pc.equal(table[column], value)), k, seed)
    return {v: [row for _, row in sorted(best[v], key=lambda p: p[0])[:k]] for v in sorted(best)}
