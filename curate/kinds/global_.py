"""Global steps: one task over every shard of the input tables (and the store reads the stage declares),
its output cut into shards of `shard_rows`; a rerun with fewer shards removes the extra ones."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from curate.errors import CurateError
from curate.hashing import digest
from curate.kinds.base import Executed, Planning, Rows, StepKind, collect
from curate.schemas import load_schema
from curate.stage import GlobalStage, Stage, StageResult, StoreInput
from curate.store import ParquetSink, Store, shard_name

if TYPE_CHECKING:
    from curate.tasks import Task, TaskReport


class GlobalKind(StepKind):
    name = "global"

    def plan(self, p: Planning) -> list[Task]:
        upstream = {name: p.done[name] for name in p.step.spec.inputs}
        inputs = {name: tuple(p.store.path(o["path"]) for r in reports for o in r.outputs)
                  for name, reports in upstream.items()}  # fmt: skip
        key = digest({name: [o["sha256"] for r in reports for o in r.outputs] for name, reports in upstream.items()})
        assert issubclass(p.step.stage_cls, GlobalStage)
        wanted = p.step.stage_cls.store_inputs(p.step.config, p.step.name)
        reads = {name: _store_files(p.store, want, p.done) for name, want in wanted.items()}
        if reads:  # declared store reads: their bytes are part of the fingerprint like the input tables'
            key = digest(key, {name: [sha for _, sha in files] for name, files in reads.items()})
        store_inputs = {name: tuple(path for path, _ in files) for name, files in reads.items()}
        return [p.make(0, key, inputs=inputs, store_inputs=store_inputs)]

    def execute(self, stage: Stage, task: Task) -> Executed:
        assert isinstance(stage, GlobalStage)
        store = task.store
        frames = {name: store.scan(list(paths)) for name, paths in task.inputs.items()}
        frames |= {name: store.scan(list(paths)) for name, paths in task.store_inputs.items() if paths}
        rows_in = sum(store.parquet_file(p).metadata.num_rows for paths in task.inputs.values() for p in paths)
        result = stage.process_all(frames)
        if isinstance(result.rows, pl.LazyFrame | Iterator):  # streamed into shards: never whole in memory
            return rows_in, result.rows, result.rejects, result.dropped
        rows, _, _ = collect(stage, [StageResult(rows=result.rows)])
        return rows_in, rows, result.rejects, result.dropped

    def write(self, store: Store, task: Task, stage: Stage, rows: Rows) -> tuple[list[dict[str, Any]], int]:
        per_shard = getattr(stage.config, "shard_rows", None) or getattr(stage, "shard_rows", 100_000)
        schema_name = stage.schema_for(stage.config)
        conform = load_schema(schema_name).conform if schema_name else (lambda t: t)
        if isinstance(rows, pl.LazyFrame):
            batches: Iterator[pa.Table] = (conform(b.to_arrow()) for b in rows.collect_batches(chunk_size=50_000))
        elif isinstance(rows, pa.Table):
            batches = iter([rows])
        else:
            batches = (conform(b) for b in rows)
        entries = write_sharded(store, task.step, batches, per_shard)
        keep = {shard_name(i) for i in range(len(entries))}
        for stale in store.glob(f"{task.step}/part-*.parquet"):
            if posixpath.basename(stale) not in keep:
                store.remove(stale)
        return entries, sum(e["rows"] for e in entries)

    def remove_stale(self, store: Store, step: str, count: int) -> None:
        """Nothing before the run: the one task knows its shard count only once written (see `write`)."""


def write_sharded(store: Store, table: str, batches: Iterator[pa.Table], per_shard: int) -> list[dict[str, Any]]:
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


def _store_files(store: Store, want: StoreInput, done: dict[str, list[TaskReport]]) -> list[tuple[str, str]]:
    """(path, sha256) of the files a declared store read names: this version's rejects of the steps run
    so far, or a table of another version as its manifest lists it (none when it has no such table)."""
    if want.version is None and want.table == "rejects":
        return [(store.path(r.rejects["path"]), r.rejects["sha256"]) for reports in done.values() for r in reports
                if r.rejects]  # fmt: skip
    if want.version is None:
        raise CurateError(f"a stage may read only its input tables of this version, not '{want.table}'")
    other = Store(store.root, store.dataset, want.version)
    if not other.exists(other.manifest_path):
        raise CurateError(f"{store.dataset} version {want.version} has no manifest: run it to the end first")
    table = other.read_json(other.manifest_path)["tables"].get(want.table, {"shards": []})
    return [(other.path(s["path"]), s["sha256"]) for s in table["shards"]]
