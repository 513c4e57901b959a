"""Exact duplicate removal on a normalized key: one row kept per key, the others rejected as `duplicate`.

Keys: `text` (NFKC, lower case, whitespace folded), `abc` (music body without header fields,
comments and whitespace) or `abc_transposed` (melody as intervals, so a tune in two keys is one).
Rows without a key (empty text, too few notes) are kept as they are.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
from pydantic import Field

from curate.dedup.clusters import KeepPolicy
from curate.dedup.keep import AGAINST, against, dropped_rows, keep_frame, kept_rows, ordered_priority, read_columns
from curate.dedup.normalize import abc_body, joined, text_key
from curate.dedup.transpose import transposition_key
from curate.stage import GlobalStage, StageConfig, StageResult, StoreInput

KeyKind = Literal["text", "abc", "abc_transposed"]


class DedupExactConfig(StageConfig):
    columns: list[str] = Field(min_length=1)
    key: KeyKind = "text"
    min_notes: int = Field(8, ge=1)  # abc_transposed: shorter tunes get no key
    keep: KeepPolicy = "smallest_id"
    keep_column: str | None = None
    schema_name: str | None = None
    against_version: str | None = None
    against_table: str | None = None
    shard_rows: int | None = None


class DedupExact(GlobalStage):
    name = "dedup_exact"
    Config = DedupExactConfig
    config: DedupExactConfig

    def _key(self, frame: pl.LazyFrame) -> pl.LazyFrame:
        text = joined(self.config.columns)
        if self.config.key == "text":
            key = text_key(text)
        elif self.config.key == "abc":
            key = abc_body(text)
        else:
            n = self.config.min_notes
            key = text.map_elements(lambda abc: transposition_key(abc, n), return_dtype=pl.String)
        keyed = keep_frame(frame, text, self.config.keep, self.config.keep_column)
        return keyed.with_columns(frame.select(key.alias("_key")).collect().to_series())

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        return read_columns(config)

    @classmethod
    def store_inputs(cls, config: StageConfig, step: str) -> dict[str, StoreInput]:
        return against(config, step)

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        c = self.config
        (new,) = (frame for name, frame in tables.items() if name != AGAINST)
        frames = [new]
        if c.against_version:
            frames += [tables.pop(AGAINST)] if AGAINST in tables else []
        keys = [self._key(f).collect() for f in frames]
        all_keys = pl.concat(keys, how="vertical_relaxed")
        is_old = np.arange(all_keys.height) >= keys[0].height
        prio = ordered_priority(all_keys, c.keep, c.keep_column, is_old)
        ranked = all_keys.select("id", "_key", pl.Series("_prio", prio), pl.Series("_old", is_old)).with_row_index(
            "_row"
        )
        # Rows with one id are one group whatever their keys: the best of them stays, the rest are duplicates.
        best_of_id = (
            ranked.filter(~pl.col("_old")).sort("_prio").group_by("id", maintain_order=True).agg(pl.col("_row").first())
        )
        same_id = ~ranked["_row"].is_in(best_of_id["_row"].implode()) & ~ranked["_old"]
        candidates = ranked.filter(~same_id)
        best = (
            candidates.filter(pl.col("_key").is_not_null() & (pl.col("_key") != ""))
            .sort("_prio")
            .group_by("_key", maintain_order=True)
            .agg(pl.col("id").first().alias("_kept"))
        )
        decided = ranked.filter(~pl.col("_old")).join(best, on="_key", how="left", maintain_order="left")
        by_id = same_id.filter(~ranked["_old"]).to_numpy()
        by_key = decided.select(pl.col("_kept").is_not_null() & (pl.col("_kept") != pl.col("id"))).to_series()
        dropped = by_id | by_key.to_numpy()
        kept_col = pl.when(pl.Series(by_id)).then(decided["id"]).otherwise(decided["_kept"])
        kept_ids = decided.select(kept_col.alias("k"))["k"].gather(np.flatnonzero(dropped)).to_list()
        details = ["same id" if by_id[i] else f"same {c.key} key" for i in np.flatnonzero(dropped)]
        self.counters["clusters"] += len(set(kept_ids))
        rows = kept_rows(new, dropped)
        rejects = dropped_rows(new, dropped, kept_ids, "duplicate", details)
        return StageResult(rows=rows, rejects=rejects)
