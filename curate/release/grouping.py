"""Split groups: rows that must stay on one side of the train/eval split.

A row, its parent chain (QA pair -> summary -> song; transposition -> original tune), the members
of its near-duplicate cluster (from the rejects table, or a `cluster_id` column) all end up in one
group. Groups are connected components of those links; the split of a group is decided by a seeded
hash of its key, so the same song is on the same side in every format and in every later version.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import xxhash


class Groups:
    """Connected components of row links, computed vectorized (ids coded in sorted order, minimum-label
    propagation with pointer jumping in NumPy): millions of rows in seconds, a few bytes per id. The
    smallest id of a component is its key (deterministic)."""

    def __init__(self) -> None:
        self._edges: list[pl.DataFrame] = []
        self._table: pl.DataFrame | None = None

    def add(self, pairs: pl.DataFrame) -> int:
        """Link the two string columns of `pairs` row by row (nulls ignored); returns links added."""
        edges = pairs.select(pl.col(pairs.columns[0]).cast(pl.String).alias("a"),
                             pl.col(pairs.columns[1]).cast(pl.String).alias("b")).drop_nulls()  # fmt: skip
        self._edges.append(edges)
        self._table = None
        return edges.height

    def table(self) -> pl.DataFrame:
        """`id` -> `group` for every linked id (ids never linked are their own group)."""
        if self._table is None:
            self._table = _components(pl.concat(self._edges) if self._edges else pl.DataFrame(
                schema={"a": pl.String, "b": pl.String}))  # fmt: skip
        return self._table

    def find(self, item: str) -> str:
        found = self.table().filter(pl.col("id") == item)["group"]
        return found[0] if len(found) else item

    def keys(self, ids: pl.Series) -> pl.Series:
        """The group of each id, in order."""
        frame = pl.DataFrame({"id": ids}).join(self.table(), on="id", how="left", maintain_order="left")
        return frame.select(pl.coalesce("group", "id"))["group"]


def _components(edges: pl.DataFrame) -> pl.DataFrame:
    ids = pl.concat([edges["a"], edges["b"]]).unique().sort()
    coded = pl.DataFrame({"id": ids, "code": np.arange(len(ids), dtype=np.int64)})
    a = edges.join(coded, left_on="a", right_on="id", how="left")["code"].to_numpy()
    b = edges.join(coded, left_on="b", right_on="id", how="left")["code"].to_numpy()
    label = np.arange(len(ids), dtype=np.int64)
    while True:
        low = np.minimum(label[a], label[b])
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        while not np.array_equal(jumped := label[label], label):  # pointer jumping: straight to the root
            label = jumped
        if np.array_equal(label[a], label[b]):
            break
    return pl.DataFrame({"id": ids, "group": ids.gather(label)})


def link_tables(groups: Groups, tables: dict[str, pl.LazyFrame]) -> None:
    """Parent links (`parent_id`, `parent_ids`) and `cluster_id` columns of every input table."""
    for frame in tables.values():
        names = frame.collect_schema().names()
        if "id" not in names:
            continue
        for column in ("parent_id", "song_id"):
            if column in names:
                groups.add(frame.select("id", column).collect())
        if "parent_ids" in names:
            groups.add(frame.select("id", "parent_ids").explode("parent_ids").collect())
        if "cluster_id" in names:
            groups.add(frame.select("id", pl.lit("cluster:") + pl.col("cluster_id")).collect())


def link_rejects(groups: Groups, rejects: pl.LazyFrame | None) -> int:
    """Duplicates rejected by dedup stages join the group of the row that was kept. Returns links made."""
    if rejects is None:
        return 0
    frame = (
        rejects.filter(pl.col("cluster_id").is_not_null() & pl.col("row_id").is_not_null())
        .select("row_id", "related_id", "cluster_id")
        .collect()
    )
    groups.add(frame.select("row_id", "related_id"))
    groups.add(frame.select("row_id", pl.lit("cluster:") + pl.col("cluster_id")))
    return frame.height


def seeded_unit(seed: int, *parts: str) -> float:
    """A number in [0, 1) fixed by seed and parts (xxh3: cheap enough to call per row)."""
    return xxhash.xxh3_64_intdigest("\x1f".join(parts).encode(), seed=seed) / 2**64


def is_eval(group: str, seed: int, fraction: float) -> bool:
    """Seeded hash of the group key below `fraction`: stable as the data grows, same in every format."""
    return seeded_unit(seed, "split", group) < fraction
