"""A stand-in verification step for the report tests, loaded as `support.report_plugins:PlantRejects`:
it rejects the listed rows with the reason and detail given (as the scores stage rejects a tune whose
readers disagree), so the report is tested against a real rejects table."""

from __future__ import annotations

import polars as pl

from curate.stage import GlobalStage, Reject, StageConfig, StageResult


class PlantRejectsConfig(StageConfig):
    rejects: dict[str, list[str]]  # row id -> [reason, detail]


class PlantRejects(GlobalStage):
    name = "plant_rejects"
    Config = PlantRejectsConfig
    config: PlantRejectsConfig

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        (frame,) = tables.values()
        rows, rejects = [], []
        for row in frame.collect().to_dicts():
            planted = self.config.rejects.get(row["id"])
            if planted is None:
                rows.append(row)
            else:
                rejects.append(Reject(row, planted[0], planted[1]))
        return StageResult(rows=rows, rejects=rejects)
