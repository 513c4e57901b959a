"""What the dedup stages share: reading the rows they need, the keep priority and the rejects of a cluster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from curate.dedup.clusters import DEFAULT_COLUMN, KeepPolicy, priority
from curate.hashing import stable_id
from curate.stage import Reject


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


def split_rows(frame: pl.LazyFrame, drop: np.ndarray) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(kept rows sorted by id, dropped rows with their input position `_pos`), read lazily from the input:
    only the kept rows are held whole (the output table), never the input plus annotated copies of it."""
    positions = pl.Series("_pos", np.flatnonzero(drop), dtype=pl.UInt32)
    indexed = frame.with_row_index("_pos")
    kept = (
        indexed.filter(~pl.col("_pos").is_in(positions.implode())).drop("_pos").sort("id").collect(engine="streaming")
    )
    gone = indexed.filter(pl.col("_pos").is_in(positions.implode())).collect()
    return kept, gone


def cluster_rejects(
    rows: pl.DataFrame, kept_ids: list[str], reason: str, detail: list[str] | None = None
) -> list[Reject]:
    """Rejects for dropped rows with the id of the row kept in their cluster and a stable cluster id."""
    notes = detail or [""] * rows.height
    return [
        Reject(row, reason, note, related_id=kept, cluster_id=stable_id("cluster", kept))
        for row, kept, note in zip(rows.to_dicts(), kept_ids, notes, strict=True)
    ]
