"""`curate lineage`: find a row by id in every finished version and follow its parents to the source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import CurateError
from curate.store import Store
from curate.versions import versions


@dataclass
class LineageNode:
    row: dict[str, Any]
    dataset: str
    version: str
    table: str
    step: dict[str, Any]
    code: dict[str, Any]
    parents: list[LineageNode] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)


class LineageIndex:
    """Finds rows by id across every version in a store."""

    def __init__(self, root: str | Path) -> None:
        self.root = root
        self.manifests = versions(root)
        if not self.manifests:
            raise CurateError(f"no finished dataset versions under {root}")

    def find(self, row_id: str) -> Iterator[tuple[dict[str, Any], Store, dict[str, Any], str]]:
        """(row, version folder, manifest, table), in pipeline step order."""
        for store, manifest in self.manifests:
            for step in manifest["steps"]:
                shards = [store.path(s["path"]) for s in manifest["tables"][step["name"]]["shards"]]
                for row in _rows_with_id(store, shards, row_id):
                    yield row, store, manifest, step["name"]

    def rejections(self, row_id: str) -> list[dict[str, Any]]:
        out = []
        for store, manifest in self.manifests:
            shards = [store.path(s["path"]) for s in manifest["rejects"]["shards"]]
            if shards:
                frame = store.scan(shards).filter(pl.col("row_id") == row_id).collect()
                out += [{**r, "version": manifest["version"]} for r in frame.to_dicts()]
        return out

    def walk(self, row_id: str, depth: int = 0, seen: set[str] | None = None) -> list[LineageNode]:
        seen = set() if seen is None else seen
        if row_id in seen or depth > 50:
            return []
        seen.add(row_id)
        nodes = []
        for row, _, manifest, table in self.find(row_id):
            step = next(s for s in manifest["steps"] if s["name"] == table)
            nodes.append(LineageNode(row, manifest["dataset"], manifest["version"], table, step, manifest["code"]))
        if not nodes:
            return []
        # the earliest table holding the id is where it was made; follow its parents from there
        parents = _parent_ids(nodes[0].row)
        nodes[-1].rejected = self.rejections(row_id)
        for parent in parents:
            nodes[0].parents += self.walk(parent, depth + 1, seen)
        return nodes


def _rows_with_id(store: Store, shards: list[str], row_id: str) -> list[dict[str, Any]]:
    if not shards:
        return []
    frame = store.scan(shards)
    if "id" not in frame.collect_schema().names():
        return []
    return frame.filter(pl.col("id") == row_id).collect().to_dicts()


def _parent_ids(row: dict[str, Any]) -> list[str]:
    ids = []
    if row.get("parent_id"):
        ids.append(row["parent_id"])
    ids += [p for p in row.get("parent_ids") or [] if p]
    return ids
