"""Stages used only by the foundation tests, loaded as `plugins:<Class>` (tests/ is on sys.path)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from curate.hashing import stable_id
from curate.parallel import parallel_map
from curate.stage import (
    Drop,
    FilterStage,
    GlobalStage,
    InputShard,
    Record,
    Reject,
    ShardStage,
    SourceStage,
    StageConfig,
    StageResult,
)


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


class CountingConfig(StageConfig):
    n: int = 10
    batch_rows: int = 4


class Counting(SourceStage):
    """Yields `n` numbered records per file, every third one a reject; records how it was batched."""

    name = "counting"
    Config = CountingConfig
    config: CountingConfig

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        return [InputShard(p) for p in paths]

    def records(self, shard: InputShard) -> Iterator[Record]:
        for i in range(self.config.n):
            yield Reject({"i": i}, "third") if i % 3 == 2 else {"id": f"{shard.path.name}:{i}", "i": i}

    def batch(self, shard: InputShard, rows: list[dict[str, Any]], rejects: list[Reject]) -> StageResult:
        self.counters[f"batch_of_{len(rows) + len(rejects)}"] += 1
        return StageResult(rows=rows, rejects=rejects)


class OddOut(FilterStage):
    """Drops rows whose `views` is an odd number of hundreds, and annotates `checked`."""

    name = "odd_out"

    def annotate(self, batch: pa.Table) -> tuple[pa.Table, list[Reject]]:
        return batch.append_column("checked", pa.array([True] * batch.num_rows)), []

    def verdicts(self, table: pa.Table) -> list[Drop | None]:
        return [Drop("odd", f"views={v}") if v // 100 % 2 else None for v in table.column("views").to_pylist()]


class Snoop(ShardStage):
    """Writes down everything a stage is handed (its context and attributes) into a `seen` column, and
    those that are paths or strings (cache_dir, pipeline_dir, scratch...) as JSON into a `paths` column."""

    name = "snoop"

    def process(self, batch: pa.Table) -> StageResult:
        handed = {**vars(self.context), **vars(self)}
        seen = repr(sorted((k, repr(v)) for k, v in handed.items()))
        paths = json.dumps({k: str(v) for k, v in handed.items() if isinstance(v, Path | str)}, sort_keys=True)
        rows = batch.append_column("seen", pa.array([seen] * batch.num_rows, pa.string()))
        return StageResult(rows=rows.append_column("paths", pa.array([paths] * batch.num_rows, pa.string())))
