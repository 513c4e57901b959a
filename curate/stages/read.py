"""Read JSONL, JSON or Parquet files (a file, a directory or a glob; compressed or not) into rows.

Large uncompressed JSONL files are split into byte ranges at line ends, so one big dump still runs
in parallel. A line that is not valid JSON goes to rejects (`parse_error`) with its file and line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from curate.hashing import stable_id
from curate.io import base_suffix, json_lines, open_text
from curate.schemas import load_schema
from curate.stage import InputShard, Reject, SourceStage, StageConfig, StageResult

Format = Literal["auto", "jsonl", "json", "parquet"]
_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet"}


class ReadConfig(StageConfig):
    format: Format = "auto"
    id_field: str | None = None  # use this field as the row id (prefixed); default: file checksum + line
    id_prefix: str = "row"
    schema_name: str | None = None  # conform rows to schemas/<name>.yaml
    shard_bytes: int = 64 * 1024 * 1024
    batch_rows: int = 10_000


class Read(SourceStage):
    name = "read"
    Config = ReadConfig
    config: ReadConfig

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        return InputShard.of_files(paths, self.config.shard_bytes, lambda p: self._format(p) == "jsonl")

    def _format(self, path: Path) -> str:
        if self.config.format != "auto":
            return self.config.format
        return _BY_SUFFIX.get(base_suffix(path), "jsonl")

    def read(self, shard: InputShard) -> Iterator[StageResult]:
        fmt = self._format(shard.path)
        if fmt == "parquet":
            index = 0
            for batch in pq.ParquetFile(shard.path).iter_batches(self.config.batch_rows):
                rows = batch.to_pylist()
                for row in rows:
                    row["_offset"], index = index, index + 1
                yield self._result(shard, rows, [])
            return
        records = self._json_records(shard) if fmt == "json" else self._jsonl_records(shard)
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        for record in records:
            if isinstance(record, Reject):
                rejects.append(record)
            else:
                rows.append(record)
            if len(rows) + len(rejects) >= self.config.batch_rows:
                yield self._result(shard, rows, rejects)
                rows, rejects = [], []
        yield self._result(shard, rows, rejects)

    def _jsonl_records(self, shard: InputShard) -> Iterator[dict[str, Any] | Reject]:
        """Objects of one byte range, each tagged with its byte offset (unique in the file)."""
        for line in json_lines(shard.path, shard.start, shard.end):
            if line.error is not None:
                yield Reject({"source": line.where, "line": line.text[:2000]}, "parse_error", line.error)
            elif not isinstance(line.value, dict):
                yield Reject({"source": line.where, "line": line.text[:2000]}, "not_an_object")
            else:
                yield {**line.value, "_offset": line.offset}

    def _json_records(self, shard: InputShard) -> Iterator[dict[str, Any] | Reject]:
        """A JSON array, an object with `entries` (as `yt-dlp -J` writes), or one object."""
        with open_text(shard.path) as f:
            try:
                doc = json.load(f)
            except json.JSONDecodeError as err:
                yield Reject({"source": shard.path.name}, "parse_error", str(err))
                return
        items = doc.get("entries", [doc]) if isinstance(doc, dict) else doc
        for i, item in enumerate(items if isinstance(items, list) else [items]):
            if isinstance(item, dict):
                yield {**item, "_offset": i}
            else:
                yield Reject({"source": f"{shard.path.name}#{i}", "item": item}, "not_an_object")

    def _result(self, shard: InputShard, records: list[dict[str, Any]], rejects: list[Reject]) -> StageResult:
        rows = []
        for i, record in enumerate(records):
            offset = record.pop("_offset", i)
            if "id" not in record or self.config.id_field:
                key = record.get(self.config.id_field) if self.config.id_field else None
                record["id"] = (
                    f"{self.config.id_prefix}:{key}" if key is not None
                    else stable_id(self.config.id_prefix, shard.checksum, offset)
                )  # fmt: skip
            record["source"] = f"{shard.path.name}@{offset}"
            rows.append(record)
        if self.config.schema_name:
            schema = load_schema(self.config.schema_name)
            return StageResult(rows=[{k: r.get(k) for k in schema.names} for r in rows], rejects=rejects)
        return StageResult(rows=_to_table(rows), rejects=rejects)


def _to_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows to Arrow; columns whose values disagree in type are stored as JSON text instead."""
    try:
        return pa.Table.from_pylist(rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        names = list(dict.fromkeys(k for row in rows for k in row))
        columns = {}
        for name in names:
            values = [row.get(name) for row in rows]
            try:
                columns[name] = pa.array(values)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                columns[name] = pa.array([None if v is None else json.dumps(v, sort_keys=True) for v in values])
        return pa.table(columns)
