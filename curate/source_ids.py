"""One id, one row, across the shards of a source step (two dumps holding the same video, or the byte
ranges of one big dump).

Each source task already rejects repeats inside its own shard. After every task of the step is done,
`reject_repeats_across_shards` reads the id column of each shard in order and moves a row whose id an
earlier shard holds into that shard's rejects (`duplicate_id`, `related_id` = the id), rewriting the
shard and its completion record. A task's fingerprint also covers the earlier shards' inputs
(`chained_keys`), so when those change the shard is read again and checked again; rerunning the check
on shards already checked finds nothing to move.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from curate.hashing import digest
from curate.schemas import load_schema
from curate.stage import Reject
from curate.store import ParquetSink, Store
from curate.tasks import Task, TaskReport
from curate.tasks import _reject_row as reject_row


def chained_keys(keys: Sequence[str]) -> list[str]:
    """Per shard: a digest of its own key and every earlier shard's key."""
    out, chain = [], ""
    for key in keys:
        chain = digest(chain, key)
        out.append(chain)
    return out


def reject_repeats_across_shards(store: Store, tasks: Sequence[Task], reports: Sequence[TaskReport]
                                 ) -> list[TaskReport]:  # fmt: skip
    first: dict[str, str] = {}  # id -> where its kept row came from
    out = []
    for task, report in zip(tasks, reports, strict=True):
        parquet = store.parquet_file(store.path(report.outputs[0]["path"]))
        names = parquet.schema_arrow.names
        if "id" not in names or not parquet.metadata.num_rows:
            out.append(report)
            continue
        ids = parquet.read(columns=["id"]).column("id").to_pylist()
        sources = parquet.read(columns=["source"]).column("source").to_pylist() if "source" in names else ids
        repeat = np.array([i in first for i in ids], dtype=bool)
        for row_id, source in zip(ids, sources, strict=True):
            first.setdefault(row_id, source)
        out.append(_move_repeats(store, task, report, parquet.read(), repeat, first) if repeat.any() else report)
    return out


def _move_repeats(store: Store, task: Task, report: TaskReport, table: pa.Table, repeat: np.ndarray,
                  first: dict[str, str]) -> TaskReport:  # fmt: skip
    store.remove(store.completion_path(task.step, task.index))  # a kill from here on redoes the task
    kept = table.filter(pa.array(~repeat))
    sink = ParquetSink(store, store.path(report.outputs[0]["path"]), table.schema)
    sink.write(kept)
    output = sink.close()
    shown = table.filter(pa.array(repeat)).select([c for c in ("id", "source", "title") if c in table.column_names])
    rejects = []
    for row in shown.to_pylist():
        where = row.get("source") or row["id"]
        detail = f"{where} repeats id {row['id']} of {first[row['id']]}; the first copy is kept"
        rejects.append(reject_row(task, Reject(row, "duplicate_id", detail, related_id=str(row["id"]))))
    schema = load_schema("rejects")
    old = [store.parquet_file(store.path(report.rejects["path"])).read()] if report.rejects else []
    sink = ParquetSink(store, store.rejects_path(task.step, task.index), schema.arrow)
    sink.write(pa.concat_tables([*(schema.conform(t) for t in old), schema.rows_from_dicts(rejects)]))
    rejected = dict(report.rejected)
    rejected["duplicate_id"] = rejected.get("duplicate_id", 0) + int(repeat.sum())
    fields = report.to_json()
    fields.update(
        rows_out=kept.num_rows, outputs=[output], rejects=sink.close(), rejected=dict(sorted(rejected.items()))
    )
    updated = TaskReport(**fields)
    store.write_json(store.completion_path(task.step, task.index), updated.to_json())
    return updated
