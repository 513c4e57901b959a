"""Opening inputs: plain or compressed (gzip, bz2, xz, zstd) by file name."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from curate.errors import CurateError

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")


def is_compressed(path: Path) -> bool:
    return path.suffix in COMPRESSED_SUFFIXES


def base_suffix(path: Path) -> str:
    """`.jsonl` for both `a.jsonl` and `a.jsonl.gz`."""
    return Path(path.stem).suffix if is_compressed(path) else path.suffix


def open_binary(path: Path) -> IO[bytes]:
    suffix = path.suffix
    if suffix == ".gz":
        return gzip.open(path, "rb")
    if suffix == ".bz2":
        return bz2.open(path, "rb")
    if suffix == ".xz":
        return lzma.open(path, "rb")
    if suffix == ".zst":
        try:
            import zstandard
        except ImportError as err:
            raise CurateError(f"{path.name}: reading .zst needs the 'zstandard' package") from err
        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"))  # noqa: SIM115
    return open(path, "rb")  # noqa: SIM115


def open_text(path: Path) -> IO[str]:
    """Text lines, UTF-8; undecodable bytes become U+FFFD instead of stopping a whole file."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8", errors="replace", newline="")


def line_ranges(path: Path, target_bytes: int) -> list[tuple[int, int | None]]:
    """Split an uncompressed file into byte ranges of about `target_bytes`, each ending at a newline."""
    size = path.stat().st_size
    if is_compressed(path) or size <= target_bytes:
        return [(0, None)]
    ranges, start = [], 0
    with open(path, "rb") as f:
        while start < size:
            f.seek(min(start + target_bytes, size))
            f.readline()  # finish the line the cut fell into
            end = f.tell()
            ranges.append((start, end if end < size else None))
            start = end
    return ranges


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line of a JSONL byte range: where it is, and its value or why it has none."""

    where: str  # "<file name>@<byte offset>": unique in the file, stable across runs
    offset: int
    text: str
    value: Any = None
    error: str | None = None  # set when the line is not valid JSON


def json_lines(path: Path, start: int = 0, end: int | None = None) -> Iterator[JsonLine]:
    """Parse the lines that start in [start, end) of a (possibly compressed) JSONL file."""
    with open_binary(path) as raw:
        if start:
            raw.seek(start)
        offset = start
        for line in raw:
            here, offset = offset, offset + len(line)
            if end is not None and here >= end:
                break
            text = line.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            where = f"{path.name}@{here}"
            try:
                yield JsonLine(where, here, text, json.loads(text))
            except json.JSONDecodeError as err:
                yield JsonLine(where, here, text, error=str(err))
