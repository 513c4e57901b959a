"""Read plain-text or CSV/TSV files (a file, a directory or a glob; .gz/.bz2/.xz/.zst or not) as documents.

`unit` picks what a document is in a text file: a whole `file`, each `paragraph` (blocks split at
blank lines) or each `line`. A `.csv`/`.tsv` file (or `format: csv|tsv`) gives one document per row,
from its `text_column` (the first record is the header; quoted fields may hold newlines). Large
uncompressed files read by line are split into byte ranges. Text is decoded strictly in the file's
encoding (byte-order mark, else the input's `encoding:`, else UTF-8): a document with a line that is
not valid in it is rejected as `encoding_error` naming the byte, never kept with replaced characters;
text with NUL bytes is `not_text`; a compressed file cut short keeps what precedes the cut (`truncated`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from curate.hashing import stable_id
from curate.inputs import counted, note_skipped, shard_encoding
from curate.io import Encoding, base_suffix, csv_records, line_ranges, text_lines, whole_text
from curate.stage import InputShard, Record, Reject, SourceStage, StageConfig
from curate.text.table import TABLE

Document = tuple[int, str] | Reject  # (position, text) or why the document cannot be read


class ReadTextConfig(StageConfig):
    unit: Literal["file", "paragraph", "line"] = "paragraph"
    format: Literal["auto", "text", "csv", "tsv"] = "auto"  # auto: .csv and .tsv files by name, else text
    text_column: str = "text"  # csv/tsv: the column holding the document
    src: str | None = None  # corpus name for the src column
    min_chars: int = 1
    shard_bytes: int = 64 * 1024 * 1024  # unit=line: split large uncompressed files
    batch_rows: int = 10_000


class ReadText(SourceStage):
    name = "read_text"
    code_paths = ("curate.io", "curate.inputs")  # the shared readers shape the output too
    Config = ReadTextConfig
    config: ReadTextConfig
    output_schema = TABLE

    def _format(self, path: Path) -> str:
        if self.config.format != "auto":
            return self.config.format
        return {".csv": "csv", ".tsv": "tsv"}.get(base_suffix(path), "text")

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        shards = []
        for path in paths:
            whole = self.config.unit != "line" or self._format(path) != "text"
            ranges = [(0, None)] if whole else line_ranges(path, self.config.shard_bytes)
            shards += [InputShard(path, start, end) for start, end in ranges]
        return shards

    def records(self, shard: InputShard) -> Iterator[Record]:
        note_skipped(self, shard)
        encoding = shard_encoding(self, shard)
        fmt = self._format(shard.path)
        unit = "row" if fmt != "text" else self.config.unit
        documents = self._rows(shard, encoding, fmt) if fmt != "text" else self._documents(shard, encoding)
        for document in counted(documents, self, shard):
            if isinstance(document, Reject):
                yield document
                continue
            position, text = document
            where = f"{shard.path.name}@{position}"
            if len(text.strip()) < self.config.min_chars:
                self.counters["too_short"] += 1  # blank lines and blocks are layout, not records
            elif "\x00" in text:
                yield Reject({"source": where, "text": text[:2000]}, "not_text", f"{where} holds NUL bytes")
            else:
                yield {
                    "id": stable_id("text", shard.checksum, unit, position),
                    "src": self.config.src,
                    "source": where,
                    "text": text,
                    "chars": len(text),
                }

    def _documents(self, shard: InputShard, encoding: Encoding) -> Iterator[Document]:
        """(position, text): byte offset for lines, block index for paragraphs, 0 for a whole file."""
        name = shard.path.name
        if self.config.unit == "file":
            whole = whole_text(shard.path, encoding)
            if whole.text is None:
                yield _problem(f"{name}@{whole.offset}", whole.problem, whole.detail, whole.shown())
            elif whole.text.strip():
                yield 0, whole.text.strip()
            return
        block: list[str] = []
        bad: Reject | None = None
        index = 0
        for line in text_lines(shard.path, shard.start, shard.end, encoding):
            if self.config.unit == "line":
                if line.text is None:
                    yield _problem(f"{name}@{line.offset}", line.problem, line.detail, line.shown())
                else:
                    yield line.offset, line.text.rstrip("\r")
                continue
            if line.text is None:  # the paragraph holding a bad line goes to rejects whole
                bad = bad or _problem(f"{name}@{line.offset}", line.problem, line.detail, line.shown())
                block.append(line.shown())
            elif line.text.strip():
                block.append(line.text.rstrip("\r"))
            elif block:
                yield bad or (index, "\n".join(block))
                block, bad, index = [], None, index + 1
        if block:
            yield bad or (index, "\n".join(block))

    def _rows(self, shard: InputShard, encoding: Encoding, fmt: str) -> Iterator[Document]:
        """(byte offset, text) of each CSV/TSV row's `text_column`."""
        name, column, header = shard.path.name, self.config.text_column, None
        for record in csv_records(shard.path, "," if fmt == "csv" else "\t", encoding):
            where = f"{name}@{record.offset}"
            if record.fields is None:
                yield _problem(where, record.problem, record.detail, record.raw)
            elif header is None:
                header = record.fields
            elif column not in header:  # every row says so: none is dropped unseen
                detail = f"{name} has no column {column!r} (its header: {header!r}); set text_column"
                yield Reject({"source": where, "fields": record.fields}, "missing_field", detail)
            elif len(record.fields) != len(header):
                detail = (f"line {record.line} of {name} has {len(record.fields)} fields, the header has "
                          f"{len(header)}; quote values that hold the delimiter")  # fmt: skip
                yield Reject({"source": where, "fields": record.fields}, "bad_row", detail)
            else:
                yield record.offset, record.fields[header.index(column)]


def _problem(where: str, reason: str | None, detail: str, shown: str) -> Reject:
    return Reject({"source": where, "text": shown[:2000]}, reason or "not_text", detail)
