"""A stand-in dedup step for the release tests, loaded as `support.release_plugins:MarkDuplicates`.

It rejects the listed rows as duplicates the way dedup stages do (reason `duplicate`, `related_id` =
the kept row, `cluster_id`), so the release's grouping is tested against the real rejects table.
"""

from __future__ import annotations

import polars as pl

from curate.stage import GlobalStage, Reject, StageConfig, StageResult


class MarkDuplicatesConfig(StageConfig):
    duplicates: dict[str, str]  # rejected id -> kept id


class MarkDuplicates(GlobalStage):
    name = "mark_duplicates"
    Config = MarkDuplicatesConfig
    config: MarkDuplicatesConfig

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        (frame,) = tables.values()
        rows, rejects = [], []
        for row in frame.collect().to_dicts():
            kept = self.config.duplicates.get(row["id"])
            if kept is None:
                rows.append(row)
            else:
                rejects.append(Reject(row, "duplicate", "near duplicate", related_id=kept, cluster_id=f"c-{kept}"))
        return StageResult(rows=rows, rejects=rejects)
