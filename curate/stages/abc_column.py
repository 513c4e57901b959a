"""Normalize ABC text held in a column of another table (web dumps, IrishMAN-style rows) into `scores` rows.

Each input row may hold one tune or several (split at `X:`); every tune is converted in the isolated
child (abc2xml -> xml2abc), normalized and verified exactly as score files are. The output row's
`parent_id` is the input row's id.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from curate.abc.isolate import Isolated
from curate.abc.normalize import NormalizeOptions
from curate.abc.score_rows import score_rows
from curate.abc.split import split_tunes
from curate.hashing import sha256_bytes, stable_id
from curate.stage import Reject, ShardStage, StageConfig, StageResult


class AbcColumnConfig(StageConfig):
    column: str = "abc"
    id_column: str = "id"
    normalize: NormalizeOptions = NormalizeOptions()
    timeout_s: float = 60.0  # per tune
    max_tune_chars: int = 200_000
    collection: str | None = None
    license: str | None = None


class AbcColumn(ShardStage):
    name = "abc_column"
    code_paths = ("curate.abc",)  # its helpers shape the output too
    Config = AbcColumnConfig
    config: AbcColumnConfig
    output_schema = "scores"
    batch_size = 1000

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, AbcColumnConfig)
        return [config.column, config.id_column]

    def setup(self) -> None:
        self.runner = Isolated(self.config.timeout_s)

    def teardown(self) -> None:
        self.runner.close()
        self.counters["converter_restarts"] += self.runner.restarts

    def process(self, batch: pa.Table) -> StageResult:
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        for record in batch.to_pylist():
            text = record.get(self.config.column)
            parent = record.get(self.config.id_column)
            if not isinstance(text, str) or not text.strip():
                rejects.append(Reject(record, "no_abc", f"column {self.config.column!r} is empty"))
                continue
            base = {
                "source_format": "abc",
                "source_path": None,
                "source_checksum": sha256_bytes(text.encode()),
                "collection": self.config.collection,
                "license": self.config.license,
                "parent_id": parent,
            }
            for index, tune in enumerate(split_tunes(text.replace("\r\n", "\n"))):
                tune_id = stable_id("score", parent if parent is not None else base["source_checksum"], index)
                tune_base = {**base, "tune_index": index}
                if len(tune) > self.config.max_tune_chars:
                    rejects.append(Reject({"id": tune_id, **tune_base}, "too_large", f"{len(tune)} characters"))
                    continue
                got, bad = score_rows(self.runner, "abc", tune, tune_base, self.config.normalize, tune_id)
                rows += got
                rejects += bad
        self.counters["exact"] += sum(r["fidelity"] == 1.0 for r in rows)
        self.counters["unverified_no_reader"] += sum(r["fidelity"] is None for r in rows)
        return StageResult(rows=rows, rejects=rejects)
