"""Turn any input table into `music_text` rows: known columns kept, the text column renamed, the rest
packed into `meta` (canonical JSON), so a scoring stage can follow any reader without losing data."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from curate.errors import CurateError
from curate.hashing import canonical_json
from curate.schemas import load_schema

TABLE = "music_text"


def to_music_text(batch: pa.Table, text_field: str = "text", id_field: str = "id") -> pa.Table:
    schema = load_schema(TABLE)
    if text_field not in batch.column_names:
        raise CurateError(f"input has no text column '{text_field}' (columns: {', '.join(batch.column_names)})")
    if id_field not in batch.column_names:
        raise CurateError(f"input has no id column '{id_field}' (set id_field)")
    renames = {text_field: "text", id_field: "id"}
    known = set(schema.names)
    columns: dict[str, pa.ChunkedArray | pa.Array] = {}
    extra: list[str] = []
    for name in batch.column_names:
        target = renames.get(name, name)
        if target in known and (name in renames or target not in renames.values()):
            columns[target] = batch.column(name)
        else:
            extra.append(name)
    if extra and "meta" not in columns:
        columns["meta"] = pa.array(_pack(batch.select(extra).to_pylist()), pa.string())
    if "id" in columns:
        columns["id"] = columns["id"].cast(pa.string())
    return schema.conform(pa.table(columns))


def _pack(rows: list[dict[str, Any]]) -> list[str | None]:
    return [canonical_json(row) if any(v is not None for v in row.values()) else None for row in rows]


def split_missing_text(batch: pa.Table, text_field: str) -> tuple[pa.Table, list[dict[str, Any]]]:
    """Rows with a non-empty text, and the others (as dicts, for `no_text` rejects)."""
    if text_field not in batch.column_names:
        raise CurateError(f"input has no text column '{text_field}' (columns: {', '.join(batch.column_names)})")
    texts = batch.column(text_field).to_pylist()
    ok = [isinstance(t, str) and bool(t.strip()) for t in texts]
    if all(ok):
        return batch, []
    mask = pa.array(ok)
    return batch.filter(mask), batch.filter(pc.invert(mask)).to_pylist()
