"""Lineage of the sampled rows, up to their sources, with one scan per table.

Parents always live in a step's input tables, so walking the steps from last to first, every id a
table must answer for is known before the table is read: each table is scanned once, for the union of
the ids asked of it, reading only the id, parent and label columns.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from curate.store import Store

# columns shown on a lineage node when the table has them: what a person needs to recognize the row
LABELS = ("title", "question", "summary", "source", "source_path", "video_id", "collection", "src", "key", "meter",
          "language")  # fmt: skip
_PARENTS = ("parent_id", "parent_ids")


@dataclass
class Node:
    id: str
    tables: list[str] = field(default_factory=list)  # every table holding the id, earliest first
    labels: dict[str, Any] = field(default_factory=dict)
    parents: list[str] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def home(self) -> str:
        """The table where the row was made: the earliest one holding its id."""
        return self.tables[0]


def parent_ids(row: dict[str, Any]) -> list[str]:
    ids = [row["parent_id"]] if row.get("parent_id") else []
    return ids + [p for p in row.get("parent_ids") or [] if p]


def walk(store: Store, manifest: dict[str, Any], seeds: dict[str, set[str]]) -> dict[str, Node]:
    """Nodes for every sampled id and all its ancestors in this version."""
    tables = manifest["tables"]
    order = [s["name"] for s in manifest["steps"] if s["name"] in tables]
    inputs = {s["name"]: [i for i in s["input"] if i in tables] for s in manifest["steps"]}
    wanted: dict[str, set[str]] = defaultdict(set)
    for table, ids in seeds.items():
        wanted[table] |= ids
    found: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # id -> table -> row
    for table in reversed(order):
        ids = wanted.pop(table, set())
        if not ids or not tables[table]["shards"]:
            continue
        scan = store.scan([store.path(s["path"]) for s in tables[table]["shards"]])
        names = scan.collect_schema().names()
        if "id" not in names:
            continue
        columns = ["id", *(c for c in (*_PARENTS, *LABELS) if c in names)]
        rows = scan.select(columns).filter(pl.col("id").is_in(sorted(ids))).collect().to_dicts()
        for row in rows:
            found[row["id"]][table] = row
            for up in inputs.get(table, []):
                wanted[up].add(row["id"])  # the same row carried from an earlier step?
                wanted[up].update(parent_ids(row))
    position = {t: i for i, t in enumerate(order)}
    nodes = {}
    for row_id, where in found.items():
        held = sorted(where, key=position.__getitem__)
        home = where[held[0]]
        labels = {k: home[k] for k in LABELS if home.get(k) not in (None, "", [])}
        nodes[row_id] = Node(row_id, held, labels, parent_ids(home))
    _add_rejections(store, manifest, nodes)
    return nodes


def _add_rejections(store: Store, manifest: dict[str, Any], nodes: dict[str, Node]) -> None:
    shards = [store.path(s["path"]) for s in manifest["rejects"]["shards"]]
    if not shards or not nodes:
        return
    hits = (store.scan(shards).select("row_id", "step", "reason", "detail")
            .filter(pl.col("row_id").is_in(sorted(nodes))).collect())  # fmt: skip
    for hit in hits.sort("step", "reason").to_dicts():
        nodes[hit.pop("row_id")].rejections.append(hit)
