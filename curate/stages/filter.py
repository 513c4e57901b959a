"""Keep rows matching a SQL expression over the columns (polars `sql_expr`), e.g. `duration_s > 60`.

Rows that fail go to rejects with the configured reason, so thresholds can be audited later.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pyarrow as pa
from pydantic import field_validator

from curate.expressions import check_sql, sql_columns
from curate.stage import Drop, FilterStage, FilterStageConfig, StageConfig


class FilterConfig(FilterStageConfig):
    expr: str
    reason: str = "filter"

    _parses = field_validator("expr")(check_sql)


class Filter(FilterStage):
    name = "filter"
    Config = FilterConfig
    config: FilterConfig

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, FilterConfig)
        return sql_columns(config.expr)

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        keep = frame.select(pl.sql_expr(self.config.expr).fill_null(False).alias("keep"))["keep"]
        drop = Drop(self.config.reason, self.config.expr)
        return [None if k else drop for k in keep]
