"""Keep the first N rows of a table (in shard order, or sorted by a column): a global stage."""

from __future__ import annotations

from collections import Counter

import polars as pl
from pydantic import Field

from curate.stage import GlobalStage, StageConfig, StageResult


class LimitConfig(StageConfig):
    n: int
    order_by: str | None = None  # sort by this column first (ties broken by id), for a stable choice
    shard_rows: int = Field(100_000, ge=1)  # rows per output shard


class Limit(GlobalStage):
    name = "limit"
    Config = LimitConfig
    config: LimitConfig

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, LimitConfig)
        return [config.order_by, "id"] if config.order_by else []

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        (frame,) = tables.values()
        if self.config.order_by:
            frame = frame.sort([self.config.order_by, "id"])
        total = frame.select(pl.len()).collect().item()
        over = Counter({"over_limit": total - self.config.n}) if total > self.config.n else Counter()
        return StageResult(rows=frame.head(self.config.n).collect().to_arrow(), dropped=over)
