"""Atomic writes and the schema files as the single source of truth."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.errors import CurateError
from curate.manifest import validate_manifest
from curate.schemas import list_schemas, load_schema, parse_type
from curate.store import atomic_write_parquet


def test_failed_write_leaves_the_old_shard_intact_and_no_part_visible(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "t" / "part-00000.parquet"
    atomic_write_parquet(path, pa.table({"id": ["a"]}))
    before = path.read_bytes()

    def crash(*args: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        atomic_write_parquet(path, pa.table({"id": ["b", "c"]}))
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.glob("part-*.parquet")) == ["part-00000.parquet"]
    assert pq.read_table(path).column("id").to_pylist() == ["a"]


def test_every_schema_file_parses_and_has_id_and_lineage_columns() -> None:
    names = list_schemas()
    for required in ["songs", "summaries", "qa_pairs", "scores", "rejects", "release_pretrain", "release_sft"]:
        assert required in names
    for name in names:
        schema = load_schema(name)
        assert schema.names[0] == "id" or "id" in schema.names, name
        assert not schema.arrow.field("id").nullable
        if name != "rejects":
            assert {"parent_id", "parent_ids"} & set(schema.names), f"{name} has no parent column"


def test_types_and_conform() -> None:
    assert parse_type("list<struct<title: string, start_s: float64>>") == pa.list_(
        pa.struct([("title", pa.string()), ("start_s", pa.float64())])
    )
    schema = load_schema("rejects")
    table = schema.rows_from_dicts([{"id": "r", "step": "s", "stage": "x", "reason": "y", "row": "{}", "shard": 0}])
    assert table.schema == schema.arrow and table.column("detail").null_count == 1
    with pytest.raises(CurateError, match="must not be null"):
        schema.rows_from_dicts([{"id": None, "step": "s", "stage": "x", "reason": "y", "row": "{}", "shard": 0}])
    with pytest.raises(CurateError, match="not in its schema"):
        schema.conform(pa.table({"id": ["a"], "colour": ["red"]}))


def test_committed_manifests_match_their_schema() -> None:
    for path in (Path(__file__).parents[1] / "manifests").rglob("*.json"):
        validate_manifest(json.loads(path.read_text()))
