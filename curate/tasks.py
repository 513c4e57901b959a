"""A task is one stage over one shard (or, for a global stage, over all shards).

`run_task` is a plain function of a picklable `Task`: the local process pool and a Ray task run
the same code. Its step kind (`curate.kinds`) executes the stage and writes the output shard(s);
`run_task` writes the rejects, then a completion record last: a task whose record is missing or
stale is simply run again, and produces the same bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from curate.hashing import canonical_json, stable_id
from curate.kinds import KINDS
from curate.kinds.base import Rejects, write_table
from curate.schemas import load_schema
from curate.stage import (
    InputShard,
    Reject,
    StageContext,
)
from curate.stages import load_stage
from curate.store import Store


@dataclass(frozen=True)
class Task:
    step: str
    stage: str
    config: dict[str, Any]
    kind: str  # source | shard | global
    index: int
    fingerprint: str
    root: str  # local folder or fsspec URL
    dataset: str
    version: str
    context: StageContext
    source: InputShard | None = None
    inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # shard paths in the store
    store_inputs: dict[str, tuple[str, ...]] = field(default_factory=dict)  # a global stage's declared reads

    @property
    def store(self) -> Store:
        return Store(self.root, self.dataset, self.version)

    @property
    def label(self) -> str:
        return f"{self.step}[{self.index}]"


@dataclass
class TaskReport:
    step: str
    index: int
    fingerprint: str
    rows_in: int
    rows_out: int
    rejected: dict[str, int]
    counters: dict[str, float]
    outputs: list[dict[str, Any]]  # {path (relative to the version dir), sha256, rows, bytes}
    rejects: dict[str, Any] | None
    wall_s: float

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TaskReport:
        return cls(**doc)


def run_task(task: Task) -> TaskReport:
    started = time.perf_counter()
    store = task.store
    stage_cls = load_stage(task.stage)
    stage = stage_cls(stage_cls.Config.model_validate(task.config), task.context)
    kind = KINDS[task.kind]
    with tempfile.TemporaryDirectory(prefix="curate-task-", dir=os.environ.get("CURATE_SCRATCH")) as scratch:
        stage.scratch = Path(scratch)
        try:
            stage.setup()
            rows_in, rows, rejects, dropped = kind.execute(stage, task)
        except Exception as err:
            # Recorded for `curate status`, then re-raised: a stage bug must stop the step, not vanish.
            detail = {"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}
            store.write_json(store.failure_path(task.step, task.index), detail)
            raise
        finally:
            stage.teardown()
        outputs, rows_out = kind.write(store, task, stage, rows)  # streamed rows may still read the scratch
        reject_file, rejected = _write_rejects(store, task, rejects)
    rejected.update(dropped)
    report = TaskReport(
        step=task.step,
        index=task.index,
        fingerprint=task.fingerprint,
        rows_in=rows_in,
        rows_out=rows_out,
        rejected=dict(sorted(rejected.items())),
        counters=dict(sorted(stage.counters.items())),
        outputs=outputs,
        rejects=reject_file,
        wall_s=round(time.perf_counter() - started, 4),
    )
    store.remove(store.failure_path(task.step, task.index))
    store.write_json(store.completion_path(task.step, task.index), report.to_json())
    return report


def _write_rejects(store: Store, task: Task, rejects: Rejects) -> tuple[dict[str, Any] | None, Counter[str]]:
    """The rejects file of a task: from `Reject`s, or (large global stages) a lazy frame of the
    rejected rows with `reason`, `detail`, `related_id`, `cluster_id` columns beside their own."""
    path = store.rejects_path(task.step, task.index)
    schema = load_schema("rejects")
    counts: Counter[str] = Counter()
    if isinstance(rejects, list) and not rejects:
        store.remove(path)
        return None, counts

    def batches() -> Iterator[pa.Table]:
        if not isinstance(rejects, list):
            frames = rejects.collect_batches(chunk_size=10_000) if isinstance(rejects, pl.LazyFrame) else rejects
            for frame in frames:
                meta = frame.select("reason", "detail", "related_id", "cluster_id").to_dicts()
                rows = frame.drop("reason", "detail", "related_id", "cluster_id").to_dicts()
                chunk = [Reject(row, **m) for row, m in zip(rows, meta, strict=True)]
                counts.update(r.reason for r in chunk)
                yield schema.rows_from_dicts([_reject_row(task, r) for r in chunk])
            return
        counts.update(r.reason for r in rejects)
        for i in range(0, len(rejects), 10_000):
            yield schema.rows_from_dicts([_reject_row(task, r) for r in rejects[i : i + 10_000]])

    entry = write_table(store, path, batches(), schema.arrow)
    if not entry["rows"]:
        store.remove(path)
        return None, counts
    return entry, counts


def _reject_row(task: Task, reject: Reject) -> dict[str, Any]:
    row_id = reject.row.get("id")
    row_text = canonical_json(reject.row)
    return {
        "id": stable_id("reject", task.step, row_id or row_text, reject.reason),
        "step": task.step,
        "stage": task.stage,
        "reason": reject.reason,
        "detail": reject.detail,
        "row_id": None if row_id is None else str(row_id),
        "row": json.dumps(reject.row, ensure_ascii=False, sort_keys=True, default=str),
        "related_id": reject.related_id,
        "cluster_id": reject.cluster_id,
        "shard": task.index,
    }
