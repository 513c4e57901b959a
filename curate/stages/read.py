"""Read JSONL, JSON, CSV/TSV or Parquet files (a file, a directory or a glob; compressed or not) into rows.

Large uncompressed JSONL files are split into byte ranges at line ends, so one big dump still runs
in parallel. Text is read in its real encoding (a byte-order mark, else the input's `encoding:`, else
UTF-8); a record that cannot be read goes to rejects with its file and byte offset: `parse_error`,
`encoding_error`, `truncated` (a compressed file cut short: the records before the cut are kept),
`not_an_object`, `duplicate_id` (a later row with the id of an earlier one). A `.json` file holding
JSON lines (`yt-dlp -j > videos.json`) is read as JSONL. CSV/TSV: the first record is the header,
RFC 4180 quoting (quoted fields may hold newlines and delimiters), every value a string.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from curate.hashing import stable_id
from curate.inputs import FirstCopies, counted, note_skipped, shard_encoding
from curate.io import Encoding, base_suffix, csv_records, json_lines, sniff_jsonl, whole_text
from curate.schemas import load_schema
from curate.stage import InputShard, Record, Reject, SourceStage, StageConfig, StageResult

Format = Literal["auto", "jsonl", "json", "csv", "tsv", "parquet"]
_BY_SUFFIX = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".parquet": "parquet", ".csv": "csv",
              ".tsv": "tsv"}  # fmt: skip
log = logging.getLogger(__name__)


class ReadConfig(StageConfig):
    format: Format = "auto"
    id_field: str | None = None  # use this field as the row id (prefixed); default: file checksum + line
    id_prefix: str = "row"
    schema_name: str | None = None  # conform rows to schemas/<name>.yaml
    shard_bytes: int = 64 * 1024 * 1024
    batch_rows: int = 10_000


class Read(SourceStage):
    name = "read"
    code_paths = ("curate.io", "curate.inputs")  # the shared readers shape the output too
    Config = ReadConfig
    config: ReadConfig
    unique_ids = True
    suffixes = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet")

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        return InputShard.of_files(paths, self.config.shard_bytes, lambda p: self._format(p) == "jsonl")

    def _format(self, path: Path) -> str:
        if self.config.format != "auto":
            return self.config.format
        fmt = _BY_SUFFIX.get(base_suffix(path), "jsonl")
        if fmt == "json" and sniff_jsonl(path, self._encoding(path)):
            return "jsonl"
        return fmt

    def _encoding(self, path: Path) -> Encoding:
        return shard_encoding(self, InputShard(path))

    def records(self, shard: InputShard) -> Iterator[Record]:
        note_skipped(self, shard)
        fmt = self._format(shard.path)
        if fmt == "parquet":
            return self._parquet(shard)
        if fmt == "jsonl" and base_suffix(shard.path) == ".json" and shard.start == 0:
            self.counters["json_read_as_jsonl"] += 1
            log.warning("%s: one JSON object per line: read as JSONL", shard.path.name)
        encoding = self._encoding(shard.path)
        if fmt == "json":
            records = self._json_records(shard, encoding)
        elif fmt in ("csv", "tsv"):
            records = self._csv_records(shard, encoding, "," if fmt == "csv" else "\t")
        else:
            records = self._jsonl_records(shard, encoding)
        return counted(records, self, shard)

    def _parquet(self, shard: InputShard) -> Iterator[Record]:
        """Rows of a Parquet file, tagged with their row number; a damaged file keeps what came before."""
        index = 0
        try:
            for batch in pq.ParquetFile(shard.path).iter_batches(self.config.batch_rows):
                for row in batch.to_pylist():
                    row["_offset"], index = index, index + 1
                    yield row
        except (pa.ArrowInvalid, OSError) as err:  # not Parquet, or cut short: the user's file, not a bug
            detail = f"{shard.path.name} is not a readable Parquet file after row {index} ({err}); rewrite or remove it"
            yield Reject({"source": f"{shard.path.name}#{index}"}, "parse_error", detail)

    def _jsonl_records(self, shard: InputShard, encoding: Encoding) -> Iterator[Record]:
        """Objects of one byte range, each tagged with its byte offset (unique in the file)."""
        for line in json_lines(shard.path, shard.start, shard.end, encoding):
            if line.reason is not None:
                yield Reject({"source": line.where, "line": line.text[:2000]}, line.reason, line.error or "")
            elif not isinstance(line.value, dict):
                detail = f"{line.where} is a JSON {type(line.value).__name__}, not an object; each line must be one"
                yield Reject({"source": line.where, "line": line.text.strip()[:2000]}, "not_an_object", detail)
            else:
                yield {**line.value, "_offset": line.offset}

    def _json_records(self, shard: InputShard, encoding: Encoding) -> Iterator[Record]:
        """A JSON array, an object with `entries` (as `yt-dlp -J` writes), or one object."""
        name = shard.path.name
        whole = whole_text(shard.path, encoding)
        if whole.text is None:
            yield Reject({"source": f"{name}@{whole.offset}"}, whole.problem or "parse_error", whole.detail)
            return
        try:
            doc = json.loads(whole.text)
        except json.JSONDecodeError as err:
            detail = f"{name} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg})"
            yield Reject({"source": name}, "parse_error", detail)
            return
        items = doc.get("entries", [doc]) if isinstance(doc, dict) else doc
        for i, item in enumerate(items if isinstance(items, list) else [items]):
            if isinstance(item, dict):
                yield {**item, "_offset": i}
            else:
                yield Reject({"source": f"{name}#{i}", "item": item}, "not_an_object", f"item {i} is not an object")

    def _csv_records(self, shard: InputShard, encoding: Encoding, delimiter: str
                     ) -> Iterator[Record]:  # fmt: skip
        """Rows keyed by the header's names; a row with another number of fields is `bad_row`."""
        name, header = shard.path.name, None
        for record in csv_records(shard.path, delimiter, encoding):
            where = f"{name}@{record.offset}"
            if record.fields is None:
                yield Reject({"source": where, "line": record.raw}, record.problem or "parse_error", record.detail)
            elif header is None:
                header = record.fields
            elif len(set(header)) != len(header) or not all(header):
                detail = f"the header of {name} has empty or repeated column names ({header!r}); name each once"
                yield Reject({"source": where, "fields": record.fields}, "bad_header", detail)
            elif len(record.fields) != len(header):
                detail = (f"line {record.line} of {name} has {len(record.fields)} fields, the header has "
                          f"{len(header)}; quote values that hold the delimiter")  # fmt: skip
                yield Reject({"source": where, "fields": record.fields}, "bad_row", detail)
            else:
                yield {**dict(zip(header, record.fields, strict=True)), "_offset": record.offset}

    def batch(self, shard: InputShard, records: list[dict[str, Any]], rejects: list[Reject]) -> StageResult:
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
            repeat = self._seen.check(record, record["source"])
            if repeat is None:
                rows.append(record)
            else:
                rejects.append(repeat)
        if self.config.schema_name:
            schema = load_schema(self.config.schema_name)
            return StageResult(rows=[{k: r.get(k) for k in schema.names} for r in rows], rejects=rejects)
        return StageResult(rows=_to_table(rows), rejects=rejects)

    def setup(self) -> None:
        self._seen = FirstCopies()


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
