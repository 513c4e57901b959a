"""The three kinds of step, each in one home: how a step of that kind is planned into tasks, how one
task executes its stage, how it writes its output, and what stale shards an earlier run left.

- `source`: one task per shard of a named input (a file, or a byte range of one);
- `shard`: shard i of the input table becomes shard i of the output;
- `global`: one task over every shard of its input tables (and its declared store reads).

The runner orders steps, skips complete tasks and writes the manifest; `curate.tasks.run_task` runs
and records one task through its kind.
"""

from __future__ import annotations

from curate.kinds.base import Planning, StepKind
from curate.kinds.global_ import GlobalKind
from curate.kinds.shard import ShardKind
from curate.kinds.source import SourceKind

KINDS: dict[str, StepKind] = {"source": SourceKind(), "shard": ShardKind(), "global": GlobalKind()}

__all__ = ["KINDS", "Planning", "StepKind"]
