"""Keep a seeded fraction of rows, chosen by a hash of each row's id.

The choice depends only on the id and seed (xxhash, stable across library versions), never on
order or worker count, so the same rows are kept on every run and a larger fraction keeps a
superset of a smaller one.
"""

from __future__ import annotations

import pyarrow as pa
import xxhash
from pydantic import Field

from curate.stage import ShardStage, StageConfig, StageResult

_SCALE = float(1 << 64)


class SampleConfig(StageConfig):
    fraction: float = Field(gt=0, le=1)
    seed: int = 0
    key: str = "id"


class Sample(ShardStage):
    name = "sample"
    Config = SampleConfig
    config: SampleConfig

    def process(self, batch: pa.Table) -> StageResult:
        seed, fraction = self.config.seed, self.config.fraction
        keys = batch.column(self.config.key).to_pylist()
        mask = pa.array([xxhash.xxh3_64_intdigest(str(k).encode(), seed=seed) / _SCALE < fraction for k in keys])
        kept = batch.filter(mask)
        self.counters["dropped_sampled_out"] += batch.num_rows - kept.num_rows
        return StageResult(rows=kept)
