"""Keep rows matching a SQL expression over the columns (polars `sql_expr`), e.g. `duration_s > 60`.

Rows that fail go to rejects with the configured reason, so thresholds can be audited later.
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa
from pydantic import field_validator

from curate.expressions import check_sql
from curate.stage import Reject, ShardStage, StageConfig, StageResult


class FilterConfig(StageConfig):
    expr: str
    reason: str = "filter"
    keep_rejects: bool = True  # False: only count dropped rows (for very selective filters)

    _parses = field_validator("expr")(check_sql)


class Filter(ShardStage):
    name = "filter"
    Config = FilterConfig
    config: FilterConfig

    def process(self, batch: pa.Table) -> StageResult:
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        mask = frame.select(pl.sql_expr(self.config.expr).fill_null(False).alias("keep"))["keep"]
        dropped = frame.filter(~mask)
        self.counters[f"dropped_{self.config.reason}"] += dropped.height
        rejects = (
            [Reject(row, self.config.reason, self.config.expr) for row in dropped.to_dicts()]
            if self.config.keep_rejects
            else []
        )
        return StageResult(rows=frame.filter(mask).to_arrow(), rejects=rejects)
