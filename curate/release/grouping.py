"""Split groups: rows that must stay on one side of the train/eval split.

A row, its parent chain (QA pair -> summary -> song; transposition -> original tune), the members
of its near-duplicate cluster (from the rejects table, or a `cluster_id` column) all end up in one
group. Groups are connected components of those links; the split of a group is decided by a seeded
hash of its key, so the same song is on the same side in every format and in every later version.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl
import xxhash


class Groups:
    """Union-find over row ids; the smallest id of a component is its key (deterministic)."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self._parent.setdefault(item, item)
        root = item
        while parent != root:
            root, parent = parent, self._parent[parent]
        while item != root:  # path compression
            item, self._parent[item] = self._parent[item], root
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            low, high = sorted((ra, rb))
            self._parent[high] = low

    def link_pairs(self, pairs: Iterable[tuple[str | None, str | None]]) -> None:
        for a, b in pairs:
            if a and b:
                self.union(a, b)


def link_tables(groups: Groups, tables: dict[str, pl.LazyFrame]) -> None:
    """Parent links (`parent_id`, `parent_ids`) and `cluster_id` columns of every input table."""
    for frame in tables.values():
        names = frame.collect_schema().names()
        if "id" not in names:
            continue
        for column in ("parent_id", "song_id"):
            if column in names:
                pairs = frame.select("id", column).drop_nulls().collect()
                groups.link_pairs(pairs.iter_rows())
        if "parent_ids" in names:
            pairs = frame.select("id", "parent_ids").explode("parent_ids").drop_nulls().collect()
            groups.link_pairs(pairs.iter_rows())
        if "cluster_id" in names:
            pairs = frame.select("id", pl.lit("cluster:") + pl.col("cluster_id")).drop_nulls().collect()
            groups.link_pairs(pairs.iter_rows())


def link_rejects(groups: Groups, reject_files: list[Path]) -> int:
    """Duplicates rejected by dedup stages join the group of the row that was kept. Returns links made."""
    if not reject_files:
        return 0
    frame = (
        pl.scan_parquet(reject_files)
        .filter(pl.col("cluster_id").is_not_null() & pl.col("row_id").is_not_null())
        .select("row_id", "related_id", "cluster_id")
        .collect()
    )
    for row_id, related, cluster in frame.iter_rows():
        if related:
            groups.union(row_id, related)
        groups.union(row_id, f"cluster:{cluster}")
    return frame.height


def seeded_unit(seed: int, *parts: str) -> float:
    """A number in [0, 1) fixed by seed and parts (xxh3: cheap enough to call per row)."""
    return xxhash.xxh3_64_intdigest("\x1f".join(parts).encode(), seed=seed) / 2**64


def is_eval(group: str, seed: int, fraction: float) -> bool:
    """Seeded hash of the group key below `fraction`: stable as the data grows, same in every format."""
    return seeded_unit(seed, "split", group) < fraction
