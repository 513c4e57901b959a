"""Keep, drop and rename columns."""

from __future__ import annotations

import pyarrow as pa

from curate.errors import CurateError
from curate.stage import ShardStage, StageConfig, StageResult


class SelectConfig(StageConfig):
    columns: list[str] | None = None  # keep these, in this order (default: all)
    drop: list[str] = []
    rename: dict[str, str] = {}


class Select(ShardStage):
    name = "select"
    Config = SelectConfig
    config: SelectConfig

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, SelectConfig)
        return list(dict.fromkeys([*(config.columns or []), *config.drop, *config.rename]))

    def process(self, batch: pa.Table) -> StageResult:
        wanted = self.config.columns or batch.column_names
        missing = sorted({*wanted, *self.config.drop, *self.config.rename} - set(batch.column_names))
        if missing:
            raise CurateError(f"step '{self.context.step}': no column(s) {missing} in {batch.column_names}")
        kept = [c for c in wanted if c not in self.config.drop]
        table = batch.select(kept)
        return StageResult(rows=table.rename_columns([self.config.rename.get(c, c) for c in kept]))
