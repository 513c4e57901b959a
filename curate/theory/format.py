"""MusicTheoryBench's item format: read and write JSONL and Parquet, exactly its fields.

`id, instruction, stem, options{A..D}, subject, answer, split, abc_score, analysis`. Readers keep
extra fields (our `parent_id`, `kind`, `params`...) so a round trip through curate loses nothing;
`write_items(..., bench_only=True)` writes MusicTheoryBench's fields alone. Decontamination and the
eval runner import this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from curate.errors import CurateError
from curate.io import open_text

BENCH_FIELDS = ("id", "instruction", "stem", "options", "subject", "answer", "split", "abc_score", "analysis")
LETTERS = ("A", "B", "C", "D")
OPTIONS_TYPE = pa.struct([(letter, pa.string()) for letter in LETTERS])
BENCH_SCHEMA = pa.schema([(name, OPTIONS_TYPE if name == "options" else pa.string()) for name in BENCH_FIELDS])


class BadItem(ValueError):
    """A row that is not a valid four-option item."""


def check_item(item: dict[str, Any]) -> dict[str, Any]:
    """The item with `options` as a dict A-D; raises BadItem naming what is wrong."""
    for name in ("id", "stem", "options", "answer"):
        if item.get(name) in (None, ""):
            raise BadItem(f"item {item.get('id')!r}: missing {name}")
    options = item["options"]
    if isinstance(options, str):  # some dumps store options as a JSON string
        try:
            options = json.loads(options)
        except json.JSONDecodeError as err:
            raise BadItem(f"item {item['id']!r}: options is not JSON: {err}") from err
    if not isinstance(options, dict) or sorted(options) != list(LETTERS):
        raise BadItem(f"item {item['id']!r}: options must have exactly the keys A, B, C, D")
    answer = str(item["answer"]).strip().upper()
    if answer not in LETTERS:
        raise BadItem(f"item {item['id']!r}: answer {item['answer']!r} is not one of A-D")
    return {**item, "options": {k: str(options[k]) for k in LETTERS}, "answer": answer}


def distinct_options(options: dict[str, str]) -> bool:
    normalized = {" ".join(v.split()).casefold() for v in options.values()}
    return len(normalized) == len(LETTERS)


def read_items(path: Path | str) -> list[dict[str, Any]]:
    """Items from a .jsonl (optionally compressed), .json (a list) or .parquet file, or a folder of them."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if _kind(p) is not None)
        if not files:
            raise CurateError(f"{path} holds no .jsonl, .json or .parquet item files")
        return [item for f in files for item in read_items(f)]
    if not path.exists():
        raise CurateError(f"no such item file: {path}")
    kind = _kind(path)
    if kind is None:
        raise CurateError(f"{path}: item files must end in .jsonl, .json or .parquet")
    rows = list(_rows(path, kind))
    try:
        return [check_item(row) for row in rows]
    except BadItem as err:
        raise CurateError(f"{path}: {err}") from err


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    for suffix in (".gz", ".zst", ".bz2", ".xz"):
        name = name.removesuffix(suffix)
    for ext in ("jsonl", "json", "parquet"):
        if name.endswith("." + ext):
            return ext
    return None


def _rows(path: Path, kind: str) -> Iterator[dict[str, Any]]:
    if kind == "parquet":
        yield from pq.read_table(path).to_pylist()
        return
    with open_text(path) as f:
        if kind == "json":
            data = json.load(f)
            yield from (data if isinstance(data, list) else [data])
            return
        for number, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as err:
                    raise CurateError(f"{path}:{number}: not valid JSON: {err}") from err


def bench_row(item: dict[str, Any]) -> dict[str, Any]:
    """MusicTheoryBench's fields only, strings (missing ones empty)."""
    row = {name: item.get(name) for name in BENCH_FIELDS}
    for name in BENCH_FIELDS:
        if name != "options" and row[name] is None:
            row[name] = ""
    return row


def write_items(items: Iterable[dict[str, Any]], path: Path | str, bench_only: bool = True) -> int:
    """Write items as JSONL or Parquet (by suffix); returns the count. Rows are checked first."""
    path = Path(path)
    rows = [check_item(item) for item in items]
    if bench_only:
        rows = [bench_row(row) for row in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    if path.suffix == ".parquet":
        table = pa.Table.from_pylist(rows, schema=BENCH_SCHEMA) if bench_only else pa.Table.from_pylist(rows)
        pq.write_table(table, tmp)
    elif path.suffix == ".jsonl":
        with open(tmp, "w", encoding="utf-8") as f:
            for row in rows:
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        raise CurateError(f"{path}: write items as .jsonl or .parquet")
    tmp.replace(path)
    return len(rows)
