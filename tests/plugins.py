"""Stages used only by the foundation tests, loaded as `plugins:<Class>` (tests/ is on sys.path)."""

from __future__ import annotations

import os
import time

import polars as pl
import pyarrow as pa

from curate.hashing import stable_id
from curate.parallel import parallel_map
from curate.stage import GlobalStage, ShardStage, StageConfig, StageResult


class SlowConfig(StageConfig):
    seconds: float = 0.0


class SlowUpper(ShardStage):
    """Uppercases `title` and sleeps per batch, so a test can kill a run mid-step."""

    name = "slow_upper"
    Config = SlowConfig
    batch_size = 2

    def process(self, batch: pa.Table) -> StageResult:
        time.sleep(float(os.environ.get("CURATE_TEST_SLEEP", self.config.seconds)))
        rows = batch.to_pylist()
        for row in rows:
            row["title"] = (row.get("title") or "").upper()
        return StageResult(rows=rows)


class Derive(ShardStage):
    """Makes a new row per input row with its own id and a `parent_id`: a second lineage hop."""

    name = "derive"

    def process(self, batch: pa.Table) -> StageResult:
        rows = [
            {"id": stable_id("derived", row["id"]), "parent_id": row["id"], "text": f"about {row.get('title')}"}
            for row in batch.to_pylist()
        ]
        return StageResult(rows=rows)


class Boom(ShardStage):
    """Raises on a marked row: a stage bug, which must fail the task, not vanish."""

    name = "boom"

    def process(self, batch: pa.Table) -> StageResult:
        if "boom" in (batch.column("title").to_pylist() if "title" in batch.column_names else []):
            raise ValueError("planted bug")
        return StageResult(rows=batch)


def _square_sum(chunk: list[int]) -> int:
    return sum(v * v for v in chunk)


class ChunkedSum(GlobalStage):
    """A global stage that fans its work out with parallel_map: the dedup-bands pattern."""

    name = "chunked_sum"

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        (frame,) = tables.values()
        values = frame.select(pl.col("duration")).collect()["duration"].to_list()
        chunks = [values[i : i + 3] for i in range(0, len(values), 3)]
        sums = parallel_map(_square_sum, chunks, self.context)
        return StageResult(rows=[{"id": f"chunk:{i}", "parent_ids": [], "sum": s} for i, s in enumerate(sums)])


class LazyHalfConfig(StageConfig):
    shard_rows: int = 3


class LazyHalf(GlobalStage):
    """Keeps even durations, rejects the rest: both returned lazily, as dedup does at scale."""

    name = "lazy_half"
    Config = LazyHalfConfig

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        (frame,) = tables.values()
        odd = (pl.col("duration") // 20) % 2 == 1
        rejects = frame.filter(odd).with_columns(
            reason=pl.lit("odd"), detail=pl.lit("odd twenties"), related_id=pl.lit(None, pl.String),
            cluster_id=pl.lit(None, pl.String),
        )  # fmt: skip
        return StageResult(rows=frame.filter(~odd), rejects=rejects)
