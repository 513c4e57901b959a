"""Source steps: the named input's files cut into shards by the stage, one task per shard."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from curate.hashing import sha256_file
from curate.kinds.base import Executed, Planning, StepKind, collect
from curate.stage import SourceStage, Stage
from curate.store import Store

if TYPE_CHECKING:
    from curate.pipeline import Step
    from curate.tasks import Task, TaskReport


class SourceKind(StepKind):
    name = "source"

    def plan(self, p: Planning) -> list[Task]:
        from curate.pipeline import readable_files
        from curate.source_ids import chained_keys

        stage = p.step.stage_cls(p.step.config, p.context)
        assert isinstance(stage, SourceStage)
        files, skipped = readable_files(p.pipeline, p.step)
        shards = [
            dataclasses.replace(s, checksum=p.input_checksums.get(s.path) or sha256_file(s.path))
            for s in stage.list_shards(files)
        ]
        if skipped and shards:
            shards[0] = dataclasses.replace(shards[0], skipped=tuple(f.name for f in skipped))
        keys = [s.key for s in shards]
        if p.step.stage_cls.unique_ids:  # a shard's output depends on the ids of the shards before it
            keys = chained_keys(keys)
        return [p.make(i, key, source=s) for i, (s, key) in enumerate(zip(shards, keys, strict=True))]

    def execute(self, stage: Stage, task: Task) -> Executed:
        assert isinstance(stage, SourceStage) and task.source is not None
        rows, rejects, dropped = collect(stage, stage.read(task.source))
        return rows.num_rows + len(rejects) + dropped.total(), rows, rejects, dropped

    def finish(self, step: Step, store: Store, tasks: list[Task], reports: list[TaskReport]) -> list[TaskReport]:
        from curate.source_ids import reject_repeats_across_shards

        assert issubclass(step.stage_cls, SourceStage)
        return reject_repeats_across_shards(store, tasks, reports) if step.stage_cls.unique_ids else reports
