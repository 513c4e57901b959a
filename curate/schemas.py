"""Table schemas from `schemas/*.yaml`, the single source of truth for every table's columns.

A schema file lists columns in order, each with a type, nullability and a description:

    table: songs
    description: ...
    columns:
      - {name: id, type: string, nullable: false, description: "youtube:<video_id>"}
      - {name: artists, type: list<string>}

Types: string, bool, int32, int64, float32, float64, binary, date32, timestamp (UTC, microseconds),
list<T>, struct<name: T, ...>.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import yaml

from curate.errors import CurateError
from curate.resources import schemas_dir

_PRIMITIVES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float32": pa.float32(),
    "float64": pa.float64(),
    "binary": pa.binary(),
    "date32": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside <...>."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "<") - (ch == ">")
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_type(text: str) -> pa.DataType:
    text = text.strip()
    if text in _PRIMITIVES:
        return _PRIMITIVES[text]
    if text.startswith("list<") and text.endswith(">"):
        return pa.list_(parse_type(text[5:-1]))
    if text.startswith("struct<") and text.endswith(">"):
        fields = []
        for part in _split_top_level(text[7:-1]):
            name, _, sub = part.partition(":")
            fields.append(pa.field(name.strip(), parse_type(sub)))
        return pa.struct(fields)
    raise CurateError(f"unknown column type '{text}' in a schema file")


@dataclass(frozen=True)
class TableSchema:
    table: str
    description: str
    columns: tuple[dict[str, Any], ...]

    @functools.cached_property
    def arrow(self) -> pa.Schema:
        fields = [
            pa.field(
                c["name"],
                parse_type(c["type"]),
                nullable=c.get("nullable", True),
                metadata={"description": c.get("description", "")},
            )
            for c in self.columns
        ]
        return pa.schema(fields, metadata={"table": self.table})

    @property
    def names(self) -> list[str]:
        return [c["name"] for c in self.columns]

    def conform(self, table: pa.Table) -> pa.Table:
        """Reorder and cast `table` to this schema; raises naming the column on a mismatch."""
        missing = [n for n in self.names if n not in table.column_names]
        extra = [n for n in table.column_names if n not in self.names]
        if extra:
            raise CurateError(f"table '{self.table}' got columns not in its schema: {extra}")
        columns = []
        for field in self.arrow:
            if field.name in missing:
                columns.append(pa.nulls(table.num_rows, field.type))
                continue
            col = table.column(field.name)
            try:
                columns.append(col.cast(field.type) if col.type != field.type else col)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as err:
                raise CurateError(f"table '{self.table}', column '{field.name}': {err}") from err
        out = pa.Table.from_arrays(columns, schema=self.arrow)
        self.validate(out)
        return out

    def validate(self, table: pa.Table) -> None:
        """Raise if `table` does not match this schema exactly (names, types, non-null columns)."""
        if table.schema.names != self.names:
            raise CurateError(f"table '{self.table}' columns {table.schema.names} != schema {self.names}")
        for field in self.arrow:
            col = table.column(field.name)
            if not col.type.equals(field.type):
                raise CurateError(f"table '{self.table}', column '{field.name}': {col.type} != {field.type}")
            if not field.nullable and col.null_count:
                raise CurateError(
                    f"table '{self.table}', column '{field.name}' must not be null ({col.null_count} nulls)"
                )

    def rows_from_dicts(self, rows: list[dict[str, Any]]) -> pa.Table:
        return self.conform(pa.Table.from_pylist(rows, schema=self._relaxed()))

    def _relaxed(self) -> pa.Schema:
        # from_pylist raises on nulls in non-nullable fields before we can name them: relax, then validate.
        return pa.schema([f.with_nullable(True) for f in self.arrow])


@functools.cache
def load_schema(table: str) -> TableSchema:
    path = schemas_dir() / f"{table}.yaml"
    if not path.is_file():
        raise CurateError(f"no schema file for table '{table}' (looked for {path.name} in schemas/)")
    doc = yaml.safe_load(path.read_text())
    schema = TableSchema(table=doc["table"], description=doc.get("description", ""), columns=tuple(doc["columns"]))
    schema.arrow  # noqa: B018  (parse now, so a bad type fails at load)
    return schema


def list_schemas() -> list[str]:
    return sorted(p.stem for p in schemas_dir().glob("*.yaml"))
