"""Keep a seeded fraction of rows, chosen by a hash of each row's id.

The choice depends only on the id and seed (xxhash, stable across library versions), never on
order or worker count, so the same rows are kept on every run and a larger fraction keeps a
superset of a smaller one. Rows left out are counted (`sampled_out`), not written, unless `keep_rejects`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import xxhash
from pydantic import Field

from curate.stage import Drop, FilterStage, FilterStageConfig, StageConfig

_SCALE = float(1 << 64)
_OUT = Drop("sampled_out")


class SampleConfig(FilterStageConfig):
    fraction: float = Field(gt=0, le=1)
    seed: int = 0
    key: str = "id"
    keep_rejects: bool = False


class Sample(FilterStage):
    name = "sample"
    Config = SampleConfig
    config: SampleConfig

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, SampleConfig)
        return [config.key]

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        seed, fraction = self.config.seed, self.config.fraction
        keys = table.column(self.config.key).to_pylist()
        units = (xxhash.xxh3_64_intdigest(str(k).encode(), seed=seed) / _SCALE for k in keys)
        return [None if u < fraction else _OUT for u in units]
