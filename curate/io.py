"""Opening inputs: plain or compressed (gzip, bz2, xz, zstd) by file name, as text in its real encoding.

Nothing is replaced or dropped silently:
- a byte-order mark decides the encoding (UTF-8, UTF-16, UTF-32) and is stripped; otherwise the input's
  `encoding:` (default UTF-8) is applied strictly, and a line that is not valid in it comes back as a
  problem (`encoding_error`) naming its byte offset instead of text;
- a compressed file cut short (or damaged) gives every complete line before the damage, then one problem
  (`truncated` or `corrupt`) holding the cut tail and its offset; the caller goes on with the next file.
Offsets are bytes of the decompressed file, counted from its first byte (the mark included).
"""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import io
import json
import lzma
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from curate.errors import CurateError

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
CHUNK_BYTES = 1 << 20
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its mark starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SURROGATE = re.compile("[\ud800-\udfff]")  # what an undecodable unit becomes under surrogate handlers


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


@dataclass(frozen=True)
class Encoding:
    codec: str  # a Python codec name
    bom: int = 0  # bytes of byte-order mark at the start of the file

    @property
    def line_safe(self) -> bool:
        """Byte 0x0A is a newline and nothing else (UTF-8, cp1252, Latin-1...): bytes split before decoding."""
        return "\n".encode(self.codec) == b"\n"


def check_codec(name: str) -> str:
    """The canonical codec name, or a `CurateError` saying the name is unknown."""
    try:
        return codecs.lookup(name).name
    except LookupError as err:
        raise CurateError(f"unknown encoding '{name}' (use a Python codec name such as cp1252 or latin-1)") from err


def detect_encoding(head: bytes, configured: str | None = None) -> Encoding:
    """A byte-order mark wins (it is unambiguous); then the configured encoding; then UTF-8."""
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return Encoding(codec, len(bom))
    return Encoding(check_codec(configured or "utf-8"))


def file_encoding(path: Path, configured: str | None = None) -> Encoding:
    return detect_encoding(read_head(path, 4), configured)


def read_head(path: Path, size: int) -> bytes:
    """Up to `size` bytes from the start of the (decompressed) file; what is readable of a damaged one."""
    with open_binary(path) as raw:
        out = b""
        for chunk in read_chunks(raw, is_compressed(path), size=size, limit=size):
            if isinstance(chunk, Damage):
                break
            out += chunk
        return out


def open_text(path: Path, encoding: str | None = None) -> IO[str]:
    """The whole file as strict text: a byte-order mark is honoured and stripped; bad bytes raise."""
    enc = file_encoding(path, encoding)
    raw = open_binary(path)
    if enc.bom:
        raw.read(enc.bom)
    return io.TextIOWrapper(raw, encoding=enc.codec, errors="strict", newline="")


@dataclass(frozen=True)
class Damage:
    """Where a compressed stream stopped being readable."""

    reason: str  # truncated | corrupt
    detail: str


_STREAM_ERRORS = (OSError, zlib.error, lzma.LZMAError)  # BadGzipFile and bz2's invalid data are OSErrors


def read_chunks(raw: IO[bytes], compressed: bool, *, size: int = CHUNK_BYTES, limit: int | None = None
                ) -> Iterator[bytes | Damage]:  # fmt: skip
    """Chunks of `raw` (at most `limit` bytes); a compressed stream that breaks ends with one `Damage`."""
    left = limit
    read = getattr(raw, "read1", raw.read)  # one decompression step per call: a later failure loses nothing
    while left is None or left > 0:
        try:
            chunk = read(size if left is None else min(size, left))
        except EOFError:
            if not compressed:
                raise
            yield Damage("truncated", "the compressed file ends before its end marker (it was cut short)")
            return
        except _STREAM_ERRORS as err:
            if not compressed:
                raise
            yield Damage("corrupt", f"the compressed data is damaged ({err})")
            return
        if not chunk:
            return
        if left is not None:
            left -= len(chunk)
        yield chunk


@dataclass(slots=True)
class TextLine:
    """One line of a file: its text, or the reason (a reject reason) it has none."""

    offset: int  # byte offset of the line's first byte
    text: str | None  # without the line end
    problem: str | None = None  # encoding_error | truncated | corrupt
    detail: str = ""
    raw: bytes = b""  # the line's bytes when it has a problem

    def shown(self) -> str:
        """The line for a reject row: its text, or its bytes with the undecodable ones as \\x escapes."""
        return self.text if self.text is not None else self.raw.decode("utf-8", "backslashreplace")


def text_lines(path: Path, start: int = 0, end: int | None = None, encoding: Encoding | None = None
               ) -> Iterator[TextLine]:  # fmt: skip
    """The lines that start in [start, end) of a (possibly compressed) text file, in its encoding."""
    enc = encoding or file_encoding(path)
    if not enc.line_safe:
        yield from _wide_lines(path, enc)
        return
    for block in _blocks(path, start, end, enc):
        if isinstance(block, TextLine):
            yield block
            continue
        offset, data, parts, texts = block
        if texts is None:
            yield from _lines_one_by_one(parts, offset, enc.codec)
            continue
        for part, text in zip(parts, texts, strict=False):
            yield TextLine(offset, text)
            offset += len(part) + 1


Block = tuple[int, bytes, list[bytes], list[str] | None]  # offset, bytes, lines' bytes, their text (None: bad)


def _blocks(path: Path, start: int, end: int | None, enc: Encoding) -> Iterator[Block | TextLine]:
    """Blocks of whole lines (about 1 MB each) of a line-safe file, each decoded strictly in one call (the
    hot path); a compressed stream that breaks ends with one problem line holding the cut tail."""
    compressed = is_compressed(path)
    with open_binary(path) as raw:
        begin = max(start, enc.bom)
        if begin and not compressed:
            raw.seek(begin)
        elif begin:
            raw.read(begin)  # compressed files are one shard: only the mark to skip
        offset, pending = begin, b""
        for chunk in read_chunks(raw, compressed, limit=None if end is None else end - begin):
            if isinstance(chunk, Damage):
                yield TextLine(offset, None, chunk.reason, f"{chunk.detail}; the tail from here is lost", pending)
                return
            block = pending + chunk if pending else chunk
            cut = block.rfind(b"\n") + 1
            if not cut:
                pending = block
                continue
            pending = block[cut:]
            yield _decoded(block[:cut], offset, enc.codec)
            offset += cut
        if pending:
            yield _decoded(pending + b"\n", offset, enc.codec)


def _decoded(block: bytes, offset: int, codec: str) -> Block:
    parts = block.split(b"\n")
    parts.pop()
    try:
        texts = block.decode(codec).split("\n")
    except UnicodeDecodeError:
        return offset, block, parts, None
    return offset, block, parts, (texts if len(texts) == len(parts) + 1 else None)


def _lines_one_by_one(parts: list[bytes], offset: int, codec: str) -> Iterator[TextLine]:
    """A block that failed to decode: line by line, so the bad line is found and named, the others kept."""
    for part in parts:
        try:
            yield TextLine(offset, part.decode(codec))
        except UnicodeDecodeError as err:
            yield TextLine(offset, None, "encoding_error", _bad_bytes(part, err.start, offset, codec), part)
        offset += len(part) + 1


def _bad_bytes(data: bytes, at: int, offset: int, codec: str) -> str:
    shown = data[at : at + 4].hex(" ")
    return (f"byte {offset + at} ({shown}) is not valid {codec}; if the file is in another encoding, "
            "set `encoding:` on this input (e.g. cp1252)")  # fmt: skip


def _wide_lines(path: Path, enc: Encoding) -> Iterator[TextLine]:
    """UTF-16/32 text (found by its byte-order mark): decoded whole, lone surrogates reported per line."""
    compressed = is_compressed(path)
    data, damage = bytearray(), None
    with open_binary(path) as raw:
        for chunk in read_chunks(raw, compressed):
            if isinstance(chunk, Damage):
                damage = chunk
                break
            data += chunk
    unit = 4 if "32" in enc.codec else 2
    usable = enc.bom + (len(data) - enc.bom) // unit * unit
    text = bytes(data[enc.bom : usable]).decode(enc.codec, "surrogatepass")
    offset = enc.bom
    lines = text.split("\n")
    last = lines.pop()
    for line in lines:
        size = len((line + "\n").encode(enc.codec, "surrogatepass"))
        yield _wide_line(line, offset, size, data, enc.codec)
        offset += size
    tail = bytes(data[offset:])
    if damage is not None:
        yield TextLine(offset, None, damage.reason, f"{damage.detail}; the tail from here is lost", tail)
    elif usable < len(data):
        detail = f"the file ends inside a character (byte {usable} is an incomplete {enc.codec} unit)"
        yield TextLine(offset, None, "encoding_error", detail, tail)
    elif last:
        yield _wide_line(last, offset, len(tail), data, enc.codec)


def _wide_line(line: str, offset: int, size: int, data: bytearray, codec: str) -> TextLine:
    bad = _SURROGATE.search(line)
    if bad is None:
        return TextLine(offset, line)
    at = len(line[: bad.start()].encode(codec, "surrogatepass"))
    raw = bytes(data[offset : offset + size])
    return TextLine(offset, None, "encoding_error", _bad_bytes(raw, at, offset, codec), raw)


def line_ranges(path: Path, target_bytes: int) -> list[tuple[int, int | None]]:
    """Split an uncompressed file into byte ranges of about `target_bytes`, each ending at a newline.
    UTF-16/32 files stay whole: their newlines are not single bytes."""
    size = path.stat().st_size
    if is_compressed(path) or size <= target_bytes or not file_encoding(path).line_safe:
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


@dataclass(slots=True)
class JsonLine:
    """One non-blank line of a JSONL byte range: where it is, and its value or why it has none."""

    file: str
    offset: int
    text: str
    value: Any = None
    error: str | None = None  # why there is no value (sentence)
    reason: str | None = None  # reject reason when there is no value: parse_error, encoding_error, truncated...

    @property
    def where(self) -> str:
        """`<file name>@<byte offset>`: unique in the file, stable across runs."""
        return f"{self.file}@{self.offset}"


def json_lines(path: Path, start: int = 0, end: int | None = None, encoding: Encoding | None = None
               ) -> Iterator[JsonLine]:  # fmt: skip
    """Parse the lines that start in [start, end) of a (possibly compressed) JSONL file."""
    enc = encoding or file_encoding(path)
    name = path.name
    if not enc.line_safe:
        for line in _wide_lines(path, enc):
            yield from _parsed(name, line.offset, line.text, line)
        return
    for block in _blocks(path, start, end, enc):
        if isinstance(block, TextLine):
            yield from _parsed(name, block.offset, None, block)
            continue
        offset, _, parts, texts = block
        if texts is None:
            for line in _lines_one_by_one(parts, offset, enc.codec):
                yield from _parsed(name, line.offset, line.text, line)
            continue
        loads = json.loads
        for part, text in zip(parts, texts, strict=False):  # the hot loop: one parse per line, little else
            try:
                yield JsonLine(name, offset, text, loads(text))
            except json.JSONDecodeError:
                yield from _parsed(name, offset, text, None)
            offset += len(part) + 1


def _parsed(name: str, offset: int, text: str | None, line: TextLine | None) -> Iterator[JsonLine]:
    """The slow path: a line with a problem, a blank line (nothing), or one that is not valid JSON."""
    if text is None:
        assert line is not None
        yield JsonLine(name, offset, line.shown()[:2000], None, line.detail, line.problem)
        return
    text = text.strip()
    if not text:
        return
    try:
        yield JsonLine(name, offset, text, json.loads(text))
    except json.JSONDecodeError as err:
        yield JsonLine(name, offset, text, None, str(err), "parse_error")


def sniff_jsonl(path: Path, encoding: Encoding | None = None) -> bool:
    """A file whose first non-blank line is a complete JSON object and which has more lines after it
    holds JSON lines (`yt-dlp -j > videos.json`), whatever its name says."""
    first: str | None = None
    for line in text_lines(path, encoding=encoding or file_encoding(path)):
        if first is None:
            if line.text is None or not line.text.lstrip().startswith("{"):
                if line.text is None or line.text.strip():
                    return False
                continue
            first = line.text
        elif line.text is None or line.text.strip():  # a second line: parse the first only now
            try:
                return isinstance(json.loads(first), dict)
            except json.JSONDecodeError:
                return False
    return False


def whole_text(path: Path, encoding: Encoding | None = None) -> TextLine:
    """The whole file as one text (a JSON document, a CSV file, a `unit: file` document), or the
    problem that stops it: a bad byte (with its offset) or a damaged compressed stream."""
    enc = encoding or file_encoding(path)
    data = bytearray()
    with open_binary(path) as raw:
        for chunk in read_chunks(raw, is_compressed(path)):
            if isinstance(chunk, Damage):
                return TextLine(
                    len(data), None, chunk.reason, f"{chunk.detail} at byte {len(data)}", bytes(data[-2000:])
                )
            data += chunk
    try:
        return TextLine(0, bytes(data[enc.bom :]).decode(enc.codec))
    except UnicodeDecodeError as err:
        at = enc.bom + err.start
        return TextLine(
            0, None, "encoding_error", _bad_bytes(bytes(data), at, 0, enc.codec), bytes(data[at : at + 2000])
        )


@dataclass(slots=True)
class CsvRecord:
    """One CSV/TSV record (it may span lines when a quoted field holds newlines)."""

    offset: int  # byte offset of its first line
    line: int  # its first line number (1-based)
    fields: list[str] | None  # None when a line of it has a problem
    problem: str | None = None
    detail: str = ""
    raw: str = ""  # the record's lines as shown in a reject


def csv_records(path: Path, delimiter: str, encoding: Encoding | None = None) -> Iterator[CsvRecord]:
    """Records of a CSV/TSV file (RFC 4180 quoting: fields with newlines, doubled quotes), each with the
    byte offset and line number it starts at; a record with an undecodable or cut line has no fields."""
    lines = text_lines(path, encoding=encoding or file_encoding(path))
    consumed: list[TextLine] = []
    number = 0

    def feed() -> Iterator[str]:
        for line in lines:
            consumed.append(line)
            yield (line.text if line.text is not None else line.shown()) + "\n"

    reader = csv.reader(feed(), delimiter=delimiter, strict=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            first = consumed[0] if consumed else TextLine(0, "")
            detail = f"not valid {'TSV' if delimiter == chr(9) else 'CSV'} ({err}); check its quoting"
            yield CsvRecord(first.offset, number + 1, None, "parse_error", detail, _shown(consumed))
            number, consumed[:] = number + len(consumed), []
            continue
        record, consumed[:] = list(consumed), []
        start, number = number + 1, number + len(record)
        bad = next((line for line in record if line.problem is not None), None)
        offset = record[0].offset if record else 0
        if bad is not None:
            yield CsvRecord(offset, start, None, bad.problem, bad.detail, _shown(record))
        elif fields:  # a blank line is no record
            yield CsvRecord(offset, start, fields)


def _shown(lines: list[TextLine]) -> str:
    return "\n".join(line.shown() for line in lines)[:2000]
