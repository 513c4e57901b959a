"""A deterministic shuffle of any number of rows in bounded memory.

Each row comes with an order key in [0, 1) (a seeded hash of its id). Rows are spilled to bucket files
by key range; reading the buckets back in order, each sorted by key, gives exactly the order of one
big sort, while memory holds one bucket.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


class Shuffle:
    def __init__(self, schema: pa.Schema, buckets: int) -> None:
        self.schema = schema.append(pa.field("_order", pa.float64()))
        self.buckets = max(1, buckets)
        self._dir = Path(tempfile.mkdtemp(prefix="curate-shuffle-"))
        self._writers: dict[int, pq.ParquetWriter] = {}

    def add(self, rows: list[dict[str, Any]], keys: list[float]) -> None:
        if not rows:
            return
        relaxed = pa.schema([f.with_nullable(True) for f in self.schema])
        table = pa.Table.from_pylist([{**r, "_order": k} for r, k in zip(rows, keys, strict=True)], schema=relaxed)
        table = table.cast(self.schema)
        bucket = pc.min_element_wise(pc.cast(pc.floor(pc.multiply(table["_order"], self.buckets)), pa.int64()),
                                     self.buckets - 1)  # fmt: skip
        for b in pc.unique(bucket).to_pylist():
            part = table.filter(pc.equal(bucket, b))
            if b not in self._writers:
                self._writers[b] = pq.ParquetWriter(self._dir / f"{b:06d}.parquet", self.schema)
            self._writers[b].write_table(part)

    def sorted_tables(self) -> Iterator[pa.Table]:
        """The rows in key order (ties by id), one bucket at a time; removes the spill files after."""
        try:
            for writer in self._writers.values():
                writer.close()
            for b in sorted(self._writers):
                table = pq.read_table(self._dir / f"{b:06d}.parquet")
                order = pc.sort_indices(table, sort_keys=[("_order", "ascending"), ("id", "ascending")])
                yield table.take(order).drop_columns(["_order"])
            if not self._writers:
                yield self.schema.remove(self.schema.get_field_index("_order")).empty_table()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)
