"""What the dedup stages share: reading the rows they need, the keep priority and the rejects of a cluster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from curate.dedup.clusters import DEFAULT_COLUMN, KeepPolicy, priority
from curate.hashing import stable_id


def keep_frame(frame: pl.LazyFrame, text: pl.Expr, policy: KeepPolicy, column: str | None) -> pl.LazyFrame:
    """id plus the value the policy ranks on (`longest` measures the deduplicated text)."""
    if policy == "smallest_id":
        return frame.select("id")
    if policy == "longest" and column is None:
        return frame.select("id", text.str.len_chars().alias(DEFAULT_COLUMN["longest"]))
    return frame.select("id", pl.col(column or DEFAULT_COLUMN[policy]))


def published(store_base: Path, version: str, table: str) -> pl.LazyFrame | None:
    """The rows of an earlier version of this dataset (None when it has no such table)."""
    files = sorted((store_base.parent / version / table).glob("part-*.parquet"))
    return pl.scan_parquet(files) if files else None


def ordered_priority(keys: pl.DataFrame, policy: KeepPolicy, column: str | None, is_old: np.ndarray) -> np.ndarray:
    """Priority per row: published rows always win, then the policy, then the smallest id."""
    rank = priority(keys, policy, column)
    return np.where(is_old, rank - len(rank), rank)


def kept_rows(frame: pl.LazyFrame, drop: np.ndarray, ids: pl.Series, chunk_rows: int = 100_000) -> Iterator[pa.Table]:
    """The kept rows sorted by id (so output never depends on input order), read back from the input one
    chunk of positions at a time: memory holds one chunk, never the whole table."""
    keep = np.flatnonzero(~drop)
    order = keep[np.argsort(ids.gather(keep).to_numpy(), kind="stable")]
    indexed = frame.with_row_index("_pos")
    for lo in range(0, len(order), chunk_rows):
        chunk = pl.Series("_pos", order[lo : lo + chunk_rows], dtype=pl.UInt32)
        part = indexed.filter(pl.col("_pos").is_in(chunk.implode())).collect(engine="streaming")
        yield part.sort("id").drop("_pos").to_arrow()
    if not len(order):
        yield frame.head(0).collect().to_arrow()


def dropped_rows(frame: pl.LazyFrame, drop: np.ndarray, kept_ids: list[str], reason: str,
                 detail: list[str]) -> pl.LazyFrame:  # fmt: skip
    """The dropped rows (input order) with the kept row of their cluster and a stable cluster id: a lazy
    rejects frame the executor streams into the rejects table."""
    meta = pl.DataFrame(
        {
            "_pos": pl.Series(np.flatnonzero(drop), dtype=pl.UInt32),
            "reason": [reason] * len(kept_ids),
            "detail": detail,
            "related_id": kept_ids,
            "cluster_id": [stable_id("cluster", kept) for kept in kept_ids],
        },
        schema={"_pos": pl.UInt32, "reason": pl.String, "detail": pl.String, "related_id": pl.String,
                "cluster_id": pl.String},
    )  # fmt: skip
    return frame.with_row_index("_pos").join(meta.lazy(), on="_pos", how="inner", maintain_order="left").drop("_pos")
