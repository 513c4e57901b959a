"""SQL expressions in configs (`filter.expr`, a release component's `where`), checked when the
pipeline file is loaded so a typo fails before any work."""

from __future__ import annotations

import polars as pl


def check_sql(value: str) -> str:
    """Return `value` if polars parses it as a SQL expression; raise ValueError (for pydantic) if not."""
    try:
        pl.sql_expr(value)
    except pl.exceptions.PolarsError as err:
        raise ValueError(f"not a valid SQL expression: {err}") from err
    return value


def sql_columns(value: str) -> list[str]:
    """The columns a SQL expression reads, in order of first use."""
    return list(dict.fromkeys(pl.sql_expr(value).meta.root_names()))
