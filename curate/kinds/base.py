"""What every step kind provides, and the pieces they share (collecting results, writing a table)."""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pyarrow as pa

from curate.schemas import load_schema
from curate.stage import Reject, Stage, StageContext, StageResult
from curate.store import ParquetSink, Store

if TYPE_CHECKING:
    from curate.pipeline import Pipeline, Step
    from curate.tasks import Task, TaskReport

Rows = pa.Table | pl.LazyFrame | Iterator[pa.Table]  # the last two: global stages' streamed output
Rejects = list[Reject] | pl.LazyFrame | Iterator[pl.DataFrame]  # frames: rows + reason/detail/related_id/cluster_id
Executed = tuple[int, Rows, Rejects, Counter[str]]  # rows in, rows out, rejects, dropped (counted, not written)
MakeTask = Callable[..., "Task"]  # (index, input key, **Task fields) -> Task with the step's fingerprint


@dataclass(frozen=True)
class Planning:
    """What planning a step may look at: the pipeline, the store and the reports of earlier steps."""

    pipeline: Pipeline
    step: Step
    store: Store
    context: StageContext
    input_checksums: dict[Path, str]
    done: dict[str, list[TaskReport]]  # every earlier step's completion reports, in file order
    make: MakeTask


class StepKind:
    name: str

    def plan(self, p: Planning) -> list[Task]:
        raise NotImplementedError

    def execute(self, stage: Stage, task: Task) -> Executed:
        raise NotImplementedError

    def write(self, store: Store, task: Task, stage: Stage, rows: Rows) -> tuple[list[dict[str, Any]], int]:
        """One output shard per task (source and shard steps); global steps cut theirs by rows."""
        assert isinstance(rows, pa.Table)
        return [write_table(store, store.shard_path(task.step, task.index), [rows], rows.schema)], rows.num_rows

    def remove_stale(self, store: Store, step: str, count: int) -> None:
        """Drop shards, rejects and records an earlier run with more tasks left for this step."""
        leftovers = [
            *store.glob(f"_state/{step}/*.done.json"),
            *store.glob(f"{step}/part-*.parquet"),
            *store.glob(f"rejects/{step}-*.parquet"),
        ]
        for path in leftovers:
            if int(posixpath.basename(path).split(".")[0].rsplit("-", 1)[-1]) >= count:
                store.remove(path)

    def finish(self, step: Step, store: Store, tasks: list[Task], reports: list[TaskReport]) -> list[TaskReport]:
        """After every task of the step is complete (source steps check ids across shards)."""
        return reports


def collect(stage: Stage, results: Iterable[StageResult]) -> tuple[pa.Table, list[Reject], Counter[str]]:
    """Results of a stage as one table conformed to its schema, plus its rejects and dropped counts."""
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


def write_table(store: Store, path: str, batches: Iterable[pa.Table], schema: pa.Schema) -> dict[str, Any]:
    sink = ParquetSink(store, path, schema)
    for batch in batches:
        sink.write(batch)
    return sink.close()
