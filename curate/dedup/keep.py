"""Which rows a dedup stage keeps and drops: the keep priority, the published table it dedups against,
the kept rows in input order and the rejects of a cluster."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl
import pyarrow as pa

from curate.dedup.clusters import DEFAULT_COLUMN, KeepPolicy, priority
from curate.hashing import stable_id
from curate.stage import StageConfig, StoreInput


def keep_frame(frame: pl.LazyFrame, text: pl.Expr, policy: KeepPolicy, column: str | None) -> pl.LazyFrame:
    """id plus the value the policy ranks on (`longest` measures the deduplicated text)."""
    if policy == "smallest_id":
        return frame.select("id")
    if policy == "longest" and column is None:
        return frame.select("id", text.str.len_chars().alias(DEFAULT_COLUMN["longest"]))
    return frame.select("id", pl.col(column or DEFAULT_COLUMN[policy]))


AGAINST = "@against"  # where a dedup stage finds the published table it dedups against


def against(config: StageConfig, step: str) -> dict[str, StoreInput]:
    """Incremental dedup reads a table of an earlier version: declared, so its bytes are in the fingerprint."""
    version, table = getattr(config, "against_version", None), getattr(config, "against_table", None)
    return {AGAINST: StoreInput(table or step, version)} if version else {}


def read_columns(config: StageConfig) -> list[str]:
    """The input columns a dedup stage reads: its text columns, then its keep column if it names one."""
    keep = getattr(config, "keep_column", None)
    return [*getattr(config, "columns", []), *([keep] if keep else [])]


def ordered_priority(keys: pl.DataFrame, policy: KeepPolicy, column: str | None, is_old: np.ndarray) -> np.ndarray:
    """Priority per row: published rows always win, then the policy, then the smallest id."""
    rank = priority(keys, policy, column)
    return np.where(is_old, rank - len(rank), rank)


def kept_rows(frame: pl.LazyFrame, drop: np.ndarray, chunk_rows: int = 50_000) -> Iterator[pa.Table]:
    """The kept rows in input order, read back one slice of the input at a time (slices push down to
    the Parquet reader): memory holds one slice. Which rows are kept never depends on input order."""
    for lo in range(0, len(drop), chunk_rows):
        part = frame.slice(lo, chunk_rows).collect()
        yield part.filter(pl.Series(~drop[lo : lo + chunk_rows])).to_arrow()
    if not len(drop):
        yield frame.head(0).collect().to_arrow()


def dropped_rows(frame: pl.LazyFrame, drop: np.ndarray, kept_ids: list[str], reason: str,
                 detail: list[str], chunk_rows: int = 50_000) -> Iterator[pl.DataFrame]:  # fmt: skip
    """The dropped rows (input order) with the kept row of their cluster and a stable cluster id, one
    slice of the input at a time: the rejects the executor streams into the rejects table."""
    positions = np.flatnonzero(drop)
    cut = np.searchsorted(positions, np.arange(0, len(drop) + chunk_rows, chunk_rows))
    for i, lo in enumerate(range(0, len(drop), chunk_rows)):
        first, last = cut[i], cut[i + 1]
        if first == last:
            continue
        part = frame.slice(lo, chunk_rows).collect()[positions[first:last] - lo]
        kept = kept_ids[first:last]
        yield part.with_columns(
            reason=pl.lit(reason),
            detail=pl.Series(detail[first:last], dtype=pl.String),
            related_id=pl.Series(kept, dtype=pl.String),
            cluster_id=pl.Series([stable_id("cluster", k) for k in kept], dtype=pl.String),
        )
