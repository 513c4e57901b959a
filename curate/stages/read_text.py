"""Read plain-text files (a file, a directory or a glob; .gz/.bz2/.xz/.zst or not) as documents.

`unit` picks what a document is: a whole `file`, each `paragraph` (blocks split at blank lines) or
each `line`. Large uncompressed files read by line are split into byte ranges. Text that is not
text (NUL bytes, or too many undecodable bytes) is rejected as `not_text`, never silently kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from curate.hashing import stable_id
from curate.io import line_ranges, open_binary
from curate.stage import InputShard, Reject, SourceStage, StageConfig, StageResult
from curate.text.rows import TABLE


class ReadTextConfig(StageConfig):
    unit: Literal["file", "paragraph", "line"] = "paragraph"
    src: str | None = None  # corpus name for the src column
    min_chars: int = 1
    max_bad_bytes: float = 0.01  # share of undecodable characters above which a document is not text
    shard_bytes: int = 64 * 1024 * 1024  # unit=line: split large uncompressed files
    batch_rows: int = 10_000


class ReadText(SourceStage):
    name = "read_text"
    Config = ReadTextConfig
    config: ReadTextConfig
    output_schema = TABLE

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        if self.config.unit != "line":
            return [InputShard(p) for p in paths]
        return [InputShard(p, s, e) for p in paths for s, e in line_ranges(p, self.config.shard_bytes)]

    def read(self, shard: InputShard) -> Iterator[StageResult]:
        rows: list[dict[str, object]] = []
        rejects: list[Reject] = []
        for position, text in self._documents(shard):
            where = f"{shard.path.name}@{position}"
            if len(text.strip()) < self.config.min_chars:
                continue
            bad = text.count("\ufffd")
            if "\x00" in text or bad > self.config.max_bad_bytes * len(text):
                detail = "NUL bytes" if "\x00" in text else f"{bad} undecodable characters"
                rejects.append(Reject({"source": where, "text": text[:2000]}, "not_text", detail))
            else:
                rows.append(
                    {
                        "id": stable_id("text", shard.checksum, self.config.unit, position),
                        "src": self.config.src,
                        "source": where,
                        "text": text,
                        "chars": len(text),
                    }
                )
            if len(rows) + len(rejects) >= self.config.batch_rows:
                yield StageResult(rows=rows, rejects=rejects)
                rows, rejects = [], []
        yield StageResult(rows=rows, rejects=rejects)

    def _documents(self, shard: InputShard) -> Iterator[tuple[int, str]]:
        """(position, text): byte offset for lines, block index for paragraphs, 0 for a whole file."""
        with open_binary(shard.path) as raw:
            if self.config.unit == "file":
                yield 0, _decode(raw.read()).strip()
                return
            if shard.start:
                raw.seek(shard.start)
            offset, block, index = shard.start, [], 0
            for line in raw:
                here, offset = offset, offset + len(line)
                if shard.end is not None and here >= shard.end:
                    break
                text = _decode(line).rstrip("\r\n")
                if self.config.unit == "line":
                    yield here, text
                elif text.strip():
                    block.append(text)
                elif block:
                    yield index, "\n".join(block)
                    block, index = [], index + 1
            if block:
                yield index, "\n".join(block)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
