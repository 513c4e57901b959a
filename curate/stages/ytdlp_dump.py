"""Read yt-dlp metadata dumps into the `songs` table: every format yt-dlp writes, compressed or not.

- `yt-dlp -j` JSONL (one video per line); big uncompressed files are split into byte ranges;
- `yt-dlp -J` JSON (a playlist object with `entries`, nested playlists flattened), or a JSON array;
- `.info.json` files (one object each; give a directory as the input).

A corrupt line, a flat entry, a missing id or a wrong-typed field is rejected with its reason and
its place in the file; the run goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from curate.io import base_suffix, json_lines, open_text
from curate.stage import InputShard, Reject, SourceStage, StageConfig, StageResult
from curate.youtube.normalize import BadRecord, normalize

Format = Literal["auto", "jsonl", "json"]


class YtdlpDumpConfig(StageConfig):
    format: Format = "auto"  # auto: .json -> one document (object, -J playlist or array); else JSONL
    shard_bytes: int = 64 * 1024 * 1024
    batch_rows: int = 5_000


Record = tuple[str, Any]  # (where in the input, parsed JSON value)


class YtdlpDump(SourceStage):
    name = "ytdlp_dump"
    code_paths = ("curate.youtube",)  # its helpers shape the output too
    Config = YtdlpDumpConfig
    config: YtdlpDumpConfig
    output_schema = "songs"

    def _format(self, path: Path) -> str:
        if self.config.format != "auto":
            return self.config.format
        return "json" if base_suffix(path) == ".json" else "jsonl"

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        return InputShard.of_files(paths, self.config.shard_bytes, lambda p: self._format(p) == "jsonl")

    def read(self, shard: InputShard) -> Iterator[StageResult]:
        records = self._document(shard) if self._format(shard.path) == "json" else self._lines(shard)
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        for where, value in records:
            if isinstance(value, Reject):
                rejects.append(value)
            else:
                try:
                    rows.append(normalize(value, source=where))
                except BadRecord as bad:
                    rejects.append(Reject(_reject_row(where, value), bad.reason, bad.detail))
            if len(rows) + len(rejects) >= self.config.batch_rows:
                yield StageResult(rows=rows, rejects=rejects)
                rows, rejects = [], []
        self.counters["dump_rejects"] += len(rejects)
        yield StageResult(rows=rows, rejects=rejects)

    def _lines(self, shard: InputShard) -> Iterator[Record]:
        for line in json_lines(shard.path, shard.start, shard.end):
            if line.error is not None:
                yield line.where, Reject({"source": line.where, "line": line.text[:2000]}, "parse_error", line.error)
            else:
                yield from _flatten(line.where, line.value)

    def _document(self, shard: InputShard) -> Iterator[Record]:
        where = shard.path.name
        with open_text(shard.path) as f:
            try:
                doc = json.load(f)
            except json.JSONDecodeError as err:
                yield where, Reject({"source": where}, "parse_error", str(err))
                return
        yield from _flatten(where, doc)


def _flatten(where: str, value: Any) -> Iterator[Record]:
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
