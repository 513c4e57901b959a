"""Read yt-dlp metadata dumps into the `songs` table: every format yt-dlp writes, compressed or not.

- `yt-dlp -j` JSONL (one video per line); big uncompressed files are split into byte ranges;
- `yt-dlp -J` JSON (a playlist object with `entries`, nested playlists flattened), or a JSON array;
- `.info.json` files (one object each; give a directory as the input).

A corrupt line, a flat entry, a missing id or a wrong-typed field is rejected with its reason and
its place in the file; the run goes on. Text is read in its real encoding (byte-order mark, else the
input's `encoding:`, else UTF-8; a bad line is `encoding_error`), a `.json` file holding `-j` lines is
read as JSONL, a cut `.gz` keeps every video before the cut (the tail is `truncated`), and a video
seen before in the step is `duplicate_id`. From a folder only dump files are read (`skipped_files`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from curate.inputs import FirstCopies, counted, note_skipped, shard_encoding
from curate.io import Encoding, base_suffix, json_lines, sniff_jsonl, whole_text
from curate.stage import InputShard, Record, Reject, RejectRow, SourceStage, StageConfig
from curate.youtube.normalize import normalize

Format = Literal["auto", "jsonl", "json"]
log = logging.getLogger(__name__)


class YtdlpDumpConfig(StageConfig):
    format: Format = "auto"  # auto: .json -> one document (object, -J playlist or array); else JSONL
    shard_bytes: int = 64 * 1024 * 1024
    batch_rows: int = 5_000


Found = tuple[str, Any]  # (where in the input, parsed JSON value)


class YtdlpDump(SourceStage):
    name = "ytdlp_dump"
    code_paths = ("curate.youtube", "curate.io", "curate.inputs")  # its helpers shape the output too
    Config = YtdlpDumpConfig
    config: YtdlpDumpConfig
    output_schema = "songs"
    unique_ids = True
    suffixes = (".json", ".jsonl", ".ndjson")  # .info.json included

    def _format(self, path: Path) -> str:
        if self.config.format != "auto":
            return self.config.format
        if base_suffix(path) != ".json":
            return "jsonl"
        return "jsonl" if sniff_jsonl(path, self._encoding(path)) else "json"

    def _encoding(self, path: Path) -> Encoding:
        return shard_encoding(self, InputShard(path))

    def setup(self) -> None:
        self._seen = FirstCopies()

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        return InputShard.of_files(paths, self.config.shard_bytes, lambda p: self._format(p) == "jsonl")

    def records(self, shard: InputShard) -> Iterator[Record]:
        note_skipped(self, shard)
        fmt, encoding = self._format(shard.path), self._encoding(shard.path)
        if fmt == "jsonl" and base_suffix(shard.path) == ".json" and shard.start == 0:
            self.counters["json_read_as_jsonl"] += 1
            log.warning("%s: one video per line (yt-dlp -j): read as JSONL", shard.path.name)
        found = self._document(shard, encoding) if fmt == "json" else self._lines(shard, encoding)
        for where, value in counted(found, self, shard):
            if isinstance(value, Reject):
                yield value
                continue
            try:
                row = normalize(value, source=where, counts=self.counters)
            except RejectRow as bad:
                yield bad.reject(_reject_row(where, value))
            else:
                yield self._seen.check(row, where, _reject_row(where, value)) or row

    def _lines(self, shard: InputShard, encoding: Encoding) -> Iterator[Found]:
        for line in json_lines(shard.path, shard.start, shard.end, encoding):
            if line.reason is not None:
                reject = Reject({"source": line.where, "line": line.text[:2000]}, line.reason, line.error or "")
                yield line.where, reject
            else:
                yield from _flatten(line.where, line.value)

    def _document(self, shard: InputShard, encoding: Encoding) -> Iterator[Found]:
        where = shard.path.name
        whole = whole_text(shard.path, encoding)
        if whole.text is None:
            yield where, Reject({"source": f"{where}@{whole.offset}"}, whole.problem or "parse_error", whole.detail)
            return
        try:
            doc = json.loads(whole.text)
        except json.JSONDecodeError as err:
            yield where, Reject({"source": where}, "parse_error", str(err))
            return
        yield from _flatten(where, doc)


def _flatten(where: str, value: Any) -> Iterator[Found]:
    """Videos inside playlists (`-J`, nested for channels with tabs) and arrays; anything else as is."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            yield from _flatten(f"{where}#{i}", item)
    elif isinstance(value, dict) and value.get("_type") in ("playlist", "multi_video") and "entries" in value:
        entries = value.get("entries") or []
        for i, item in enumerate(entries if isinstance(entries, list) else []):
            yield from _flatten(f"{where}#{i}", item)
    else:
        yield where, value


def _reject_row(where: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        return {"source": where, "value": value}
    row = {k: value.get(k) for k in ("id", "title", "webpage_url", "_type", "url") if k in value}
    if isinstance(row.get("id"), str):
        row["id"] = f"youtube:{row['id']}"
    return {**row, "source": where}
