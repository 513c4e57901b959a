"""Shard steps: shard i of the input table becomes shard i of the output, batch by batch."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa

from curate.kinds.base import Executed, Planning, StepKind, collect
from curate.stage import ShardStage, Stage

if TYPE_CHECKING:
    from curate.tasks import Task


class ShardKind(StepKind):
    name = "shard"

    def plan(self, p: Planning) -> list[Task]:
        (reports,) = (p.done[name] for name in p.step.spec.inputs)
        shards = [o for r in reports for o in r.outputs]  # a global step writes several shards in one task
        return [p.make(i, o["sha256"], inputs={"input": (p.store.path(o["path"]),)}) for i, o in enumerate(shards)]

    def batches(self, stage: ShardStage, task: Task) -> Iterator[pa.Table]:
        """The task's input in the stage's batch size (an empty shard still shows its columns once):
        what `process` sees in a run and `estimate` in a dry run."""
        (path,) = task.inputs["input"]
        parquet = task.store.parquet_file(path)
        if parquet.metadata.num_rows == 0:
            yield pa.Table.from_batches([pa.RecordBatch.from_pylist([], schema=parquet.schema_arrow)])
            return
        for batch in parquet.iter_batches(batch_size=stage.batch_size):
            yield pa.Table.from_batches([batch])

    def execute(self, stage: Stage, task: Task) -> Executed:
        assert isinstance(stage, ShardStage)
        (path,) = task.inputs["input"]
        rows_in = task.store.parquet_file(path).metadata.num_rows
        return rows_in, *collect(stage, (stage.process(batch) for batch in self.batches(stage, task)))
