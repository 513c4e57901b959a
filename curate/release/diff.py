"""Rows added, removed and changed between two dataset versions, per table and source.

Rows are matched by `id`; a row is changed when any other column differs (compared by a hash of
the row). Tables whose shard hashes are identical in both manifests are not read at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import CurateError
from curate.store import read_json

_SOURCE_COLUMNS = ("src", "source_format", "collection")  # first present names the row's source


@dataclass(frozen=True)
class Version:
    base: Path
    manifest: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.manifest['dataset']}/{self.manifest['version']}"

    def shards(self, table: str) -> list[Path]:
        info = self.manifest["tables"].get(table)
        return [self.base / s["path"] for s in info["shards"]] if info else []


def open_version(ref: str, root: Path) -> Version:
    """DATASET/VERSION under root, a version folder, or its manifest.json."""
    path = Path(ref)
    for candidate in (path, path / "manifest.json", root / ref / "manifest.json"):
        if candidate.is_file() and candidate.name == "manifest.json":
            return Version(candidate.parent, read_json(candidate))
    raise CurateError(f"no finished version '{ref}' (looked for a manifest.json there and under {root})")


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _keyed(shards: list[Path]) -> pl.DataFrame:
    """id, source, row hash of every row of a table."""
    if not shards:
        return pl.DataFrame(schema={"id": pl.String, "source": pl.String, "hash": pl.UInt64})
    frame = pl.read_parquet(shards)
    if "id" not in frame.columns:
        raise CurateError("table without an id column cannot be diffed by row")
    source = next((c for c in _SOURCE_COLUMNS if c in frame.columns), None)
    others = frame.drop("id")
    nested = [c for c, t in others.schema.items() if t.is_nested() or t == pl.Object]
    # nested columns are hashed through their JSON text: row hashing of lists of structs is not supported everywhere
    hashed = others.with_columns([pl.col(c).map_elements(_json, pl.String) for c in nested]) if nested else others
    return pl.DataFrame({
        "id": frame["id"],
        "source": frame[source].cast(pl.String).fill_null("") if source else pl.Series([""] * frame.height),
        "hash": hashed.hash_rows(seed=0) if hashed.width else pl.Series([0] * frame.height, dtype=pl.UInt64),
    })  # fmt: skip


def diff_versions(old: Version, new: Version) -> pl.DataFrame:
    """table, source, added, removed, changed, unchanged."""
    out = []
    for table in sorted(set(old.manifest["tables"]) | set(new.manifest["tables"])):
        a_shards, b_shards = old.shards(table), new.shards(table)
        a_hashes = [s["sha256"] for s in old.manifest["tables"].get(table, {}).get("shards", [])]
        b_hashes = [s["sha256"] for s in new.manifest["tables"].get(table, {}).get("shards", [])]
        if a_hashes == b_hashes:
            rows = new.manifest["tables"][table]["rows"]
            out.append({"table": table, "source": "*", "added": 0, "removed": 0, "changed": 0, "unchanged": rows})
            continue
        a, b = _keyed(a_shards), _keyed(b_shards)
        joined = a.join(b, on="id", how="full", suffix="_new", coalesce=True)
        joined = joined.with_columns(source=pl.coalesce("source_new", "source"))
        status = (
            pl.when(pl.col("hash").is_null()).then(pl.lit("added"))
            .when(pl.col("hash_new").is_null()).then(pl.lit("removed"))
            .when(pl.col("hash") != pl.col("hash_new")).then(pl.lit("changed"))
            .otherwise(pl.lit("unchanged"))
        )  # fmt: skip
        counts = joined.with_columns(status=status).group_by("source", "status").agg(pl.len().alias("n"))
        for source in sorted(counts["source"].unique().to_list()):
            mine = dict(counts.filter(pl.col("source") == source).select("status", "n").iter_rows())
            out.append({"table": table, "source": source or "-",
                        **{k: int(mine.get(k, 0)) for k in ("added", "removed", "changed", "unchanged")}})  # fmt: skip
    schema = {"table": pl.String, "source": pl.String, "added": pl.Int64, "removed": pl.Int64, "changed": pl.Int64,
              "unchanged": pl.Int64}  # fmt: skip
    return pl.DataFrame(out, schema=schema)
