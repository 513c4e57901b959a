"""A task is one stage over one shard (or, for a global stage, over all shards).

`run_task` is a plain function of a picklable `Task`: the local process pool and a Ray task run
the same code. It writes the output shard(s) and rejects atomically, then a completion record
last: a task whose record is missing or stale is simply run again, and produces the same bytes.
"""

from __future__ import annotations

import json
import os
import posixpath
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from curate.hashing import canonical_json, stable_id
from curate.schemas import load_schema
from curate.stage import (
    GlobalStage,
    InputShard,
    Reject,
    ShardStage,
    SourceStage,
    Stage,
    StageContext,
    StageResult,
)
from curate.stages import load_stage
from curate.store import ParquetSink, Store, shard_name


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
    with tempfile.TemporaryDirectory(prefix="curate-task-", dir=os.environ.get("CURATE_SCRATCH")) as scratch:
        stage.scratch = Path(scratch)
        try:
            stage.setup()
            rows_in, rows, rejects, dropped = _execute(stage, task)
        except Exception as err:
            # Recorded for `curate status`, then re-raised: a stage bug must stop the step, not vanish.
            detail = {"error": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()}
            store.write_json(store.failure_path(task.step, task.index), detail)
            raise
        finally:
            stage.teardown()
        outputs, rows_out = _write_outputs(store, task, stage, rows)  # streamed rows may still read the scratch
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


def _execute(stage: Stage, task: Task) -> tuple[int, Rows, Rejects, Counter[str]]:
    if isinstance(stage, SourceStage):
        assert task.source is not None
        rows, rejects, dropped = _collect(stage, stage.read(task.source))
        return rows.num_rows + len(rejects) + dropped.total(), rows, rejects, dropped
    store = task.store
    if isinstance(stage, ShardStage):
        (path,) = task.inputs["input"]
        parquet = store.parquet_file(path)
        results = (stage.process(pa.Table.from_batches([b])) for b in _batches(parquet, stage.batch_size))
        return parquet.metadata.num_rows, *_collect(stage, results)
    if isinstance(stage, GlobalStage):
        frames = {name: store.scan(list(paths)) for name, paths in task.inputs.items()}
        frames |= {name: store.scan(list(paths)) for name, paths in task.store_inputs.items() if paths}
        rows_in = sum(store.parquet_file(p).metadata.num_rows for paths in task.inputs.values() for p in paths)
        result = stage.process_all(frames)
        if isinstance(result.rows, pl.LazyFrame | Iterator):  # streamed into shards: never whole in memory
            return rows_in, result.rows, result.rejects, result.dropped
        rows, _, _ = _collect(stage, [StageResult(rows=result.rows)])
        return rows_in, rows, result.rejects, result.dropped
    raise TypeError(f"{type(stage).__name__} is not a source, shard or global stage")


def _batches(parquet: pq.ParquetFile, batch_size: int) -> Iterator[pa.RecordBatch]:
    if parquet.metadata.num_rows == 0:
        yield pa.RecordBatch.from_pylist([], schema=parquet.schema_arrow)  # stages still see the columns
        return
    yield from parquet.iter_batches(batch_size=batch_size)


def _collect(stage: Stage, results: Iterable[StageResult]) -> tuple[pa.Table, list[Reject], Counter[str]]:
    schema_name = stage.schema_for(stage.config)
    schema = load_schema(schema_name) if schema_name else None
    tables: list[pa.Table] = []
    rejects: list[Reject] = []
    dropped: Counter[str] = Counter()
    for result in results:
        rows = result.rows
        if isinstance(rows, list):
            rows = schema.rows_from_dicts(rows) if schema else pa.Table.from_pylist(rows)
        elif schema is not None:
            rows = schema.conform(rows)
        if rows.num_rows or not tables:
            tables.append(rows)
        rejects.extend(result.rejects)  # type: ignore[arg-type]
        dropped.update(result.dropped)
    if schema is not None:
        table = pa.concat_tables(tables) if tables else schema.arrow.empty_table()
    else:
        table = pa.concat_tables(tables, promote_options="permissive") if tables else pa.table({})
    return table.combine_chunks(), rejects, dropped


def _write_table(store: Store, path: str, batches: Iterable[pa.Table], schema: pa.Schema) -> dict[str, Any]:
    sink = ParquetSink(store, path, schema)
    for batch in batches:
        sink.write(batch)
    return sink.close()


def _write_outputs(store: Store, task: Task, stage: Stage, rows: Rows) -> tuple[list[dict[str, Any]], int]:
    if task.kind != "global":
        assert isinstance(rows, pa.Table)
        path = store.shard_path(task.step, task.index)
        return [_write_table(store, path, [rows], rows.schema)], rows.num_rows
    per_shard = getattr(stage.config, "shard_rows", None) or stage.shard_rows
    schema_name = stage.schema_for(stage.config)
    conform = load_schema(schema_name).conform if schema_name else (lambda t: t)
    if isinstance(rows, pl.LazyFrame):
        batches: Iterator[pa.Table] = (conform(b.to_arrow()) for b in rows.collect_batches(chunk_size=50_000))
    elif isinstance(rows, pa.Table):
        batches = iter([rows])
    else:
        batches = (conform(b) for b in rows)
    entries = _write_sharded(store, task.step, batches, per_shard)
    keep = {shard_name(i) for i in range(len(entries))}
    for stale in store.glob(f"{task.step}/part-*.parquet"):
        if posixpath.basename(stale) not in keep:
            store.remove(stale)
    return entries, sum(e["rows"] for e in entries)


def _write_sharded(store: Store, table: str, batches: Iterator[pa.Table], per_shard: int) -> list[dict[str, Any]]:
    """Cut a stream of batches into shards of exactly `per_shard` rows (the last may be shorter)."""
    entries: list[dict[str, Any]] = []
    sink: ParquetSink | None = None
    schema: pa.Schema | None = None
    for batch in batches:
        schema = batch.schema
        while batch.num_rows:
            if sink is None:
                sink = ParquetSink(store, store.shard_path(table, len(entries)), schema)
            room = per_shard - sink.count
            sink.write(batch.slice(0, room))
            batch = batch.slice(room)
            if sink.count == per_shard:
                entries.append(sink.close())
                sink = None
    if sink is not None or not entries:
        sink = sink or ParquetSink(store, store.shard_path(table, 0), schema or pa.schema([]))
        entries.append(sink.close())
    return entries


Rows = pa.Table | pl.LazyFrame | Iterator[pa.Table]  # the last two: global stages' streamed output
Rejects = list[Reject] | pl.LazyFrame | Iterator[pl.DataFrame]  # frames: rows + reason/detail/related_id/cluster_id


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

    entry = _write_table(store, path, batches(), schema.arrow)
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
