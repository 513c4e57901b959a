"""Keep songs worth summarizing: music only, duration bounds, minimum views, required fields.

Each rule that drops a row names itself as the reject reason (`not_music`, `too_short`,
`too_long`, `few_views`, `missing_<field>`), so thresholds can be audited per rule. A row is
checked against the rules in that order and rejected by the first one it fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
from pydantic import field_validator

from curate.schemas import load_schema
from curate.stage import Drop, FilterStage, FilterStageConfig


class SongFilterConfig(FilterStageConfig):
    music_only: bool = True
    min_duration_s: float | None = None
    max_duration_s: float | None = None
    min_views: int | None = None
    required: list[str] = []  # columns that must be non-empty (not null, not "", not [])

    @field_validator("required")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(load_schema("songs").names))
        if unknown:
            raise ValueError(f"not columns of the songs table: {unknown}")
        return value


class SongFilter(FilterStage):
    name = "song_filter"
    Config = SongFilterConfig
    config: SongFilterConfig
    input_schema = "songs"
    output_schema = "songs"

    def _failure(self, row: dict[str, Any]) -> Drop | None:
        c = self.config
        if c.music_only and not row["is_music"]:
            return Drop("not_music", f"music_evidence={row['music_evidence']}, categories={row['categories']}")
        duration = row["duration_s"]
        if c.min_duration_s is not None and (duration is None or duration < c.min_duration_s):
            return Drop("too_short", f"duration_s={duration} < {c.min_duration_s}")
        if c.max_duration_s is not None and (duration is None or duration > c.max_duration_s):
            return Drop("too_long", f"duration_s={duration} > {c.max_duration_s}")
        if c.min_views is not None and (row["view_count"] is None or row["view_count"] < c.min_views):
            return Drop("few_views", f"view_count={row['view_count']} < {c.min_views}")
        for name in c.required:
            if row.get(name) in (None, "", []):
                return Drop(f"missing_{name}", f"'{name}' is empty")
        return None

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        return [self._failure(row) for row in table.to_pylist()]
