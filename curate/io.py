"""Opening inputs: plain or compressed (gzip, bz2, xz, zstd) by file name."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from pathlib import Path
from typing import IO

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
