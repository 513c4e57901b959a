"""Reading finished versions back: verify shard hashes, walk lineage, summarize tables and status."""

from __future__ import annotations

import json
import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import CurateError
from curate.store import Store
from curate.store import filesystem_path as _filesystem_path


def versions(root: str | Path) -> list[tuple[Store, dict[str, Any]]]:
    """Every finished version under a store root (local folder or fsspec URL), with its manifest."""
    probe = Store(str(root), "_", "_")
    out = []
    for path in sorted(probe.fs.glob(posixpath.join(_root_path(probe), "*/*/manifest.json"))):
        manifest = json.loads(probe.fs.cat_file(path))
        out.append((Store(str(root), manifest["dataset"], manifest["version"]), manifest))
    return out


def _root_path(store: Store) -> str:
    return posixpath.dirname(posixpath.dirname(store.base))


def _store_of(manifest_path: str, manifest: dict[str, Any], root: str | Path | None) -> Store:
    """The store holding a manifest's shards: the manifest's own folder in a store, or --root."""
    if posixpath.basename(manifest_path) == "manifest.json":
        version_dir = posixpath.dirname(manifest_path)
        return Store(posixpath.dirname(posixpath.dirname(version_dir)), manifest["dataset"], manifest["version"])
    if root is None:
        raise CurateError(f"{manifest_path} is not inside a store: pass --root to say where the shards are")
    return Store(str(root), manifest["dataset"], manifest["version"])


def verify(manifest_path: str | Path, root: str | Path | None = None) -> list[str]:
    """Re-hash every shard the manifest lists; return one line per problem (empty: all good)."""
    location = str(manifest_path)
    fs, path = Store(location, "_", "_").fs, _filesystem_path(location)
    if not fs.isfile(path):
        raise CurateError(f"manifest not found: {manifest_path}")
    manifest = json.loads(fs.cat_file(path))
    store = _store_of(location, manifest, root)
    files = [f for t in manifest["tables"].values() for f in t["shards"]] + manifest["rejects"]["shards"]
    problems = []
    for f in files:
        shard = store.path(f["path"])
        if not store.exists(shard):
            problems.append(f"missing: {f['path']}")
        elif (actual := store.sha256(shard)) != f["sha256"]:
            problems.append(f"sha256 mismatch: {f['path']} (manifest {f['sha256'][:12]}, file {actual[:12]})")
    return problems


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


def status(root: str | Path) -> list[dict[str, Any]]:
    """What is done, running and failed for each dataset version in the store."""
    probe = Store(str(root), "_", "_")
    fs, out = probe.fs, []
    for run_file in sorted(fs.glob(posixpath.join(_root_path(probe), "*/*/_state/run.json"))):
        state = posixpath.dirname(run_file)
        version_dir = posixpath.dirname(state)
        run = json.loads(fs.cat_file(run_file))
        if run.get("status") == "running" and not _alive(run.get("pid")):
            run["status"] = "stopped (process gone; rerun to resume)"
        steps = []
        for step_dir in sorted(p for p in fs.ls(state, detail=False) if fs.isdir(p)):
            plan_file = posixpath.join(step_dir, "plan.json")
            plan = json.loads(fs.cat_file(plan_file)) if fs.exists(plan_file) else {}
            failures = [json.loads(fs.cat_file(p)) for p in sorted(fs.glob(posixpath.join(step_dir, "*.failed.json")))]
            steps.append({
                "step": posixpath.basename(step_dir),
                "done": len(fs.glob(posixpath.join(step_dir, "*.done.json"))),
                "tasks": plan.get("tasks"),
                "failed": len(failures),
                "error": failures[0]["error"] if failures else None,
            })  # fmt: skip
        out.append({
            "dataset": posixpath.basename(posixpath.dirname(version_dir)),
            "version": posixpath.basename(version_dir),
            "status": run.get("status", "unknown"),
            "steps": steps,
        })  # fmt: skip
    return out


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def describe(root: str | Path, dataset: str, version: str | None = None) -> dict[str, Any]:
    """Schema, counts and sample rows of every table of a version (default: the newest)."""
    found = [(st, m) for st, m in versions(root) if m["dataset"] == dataset and version in (None, m["version"])]
    if not found:
        raise CurateError(f"no finished version of dataset '{dataset}' under {root}")
    store, manifest = max(found, key=lambda item: item[1]["created_at"])
    tables = {}
    for name, table in manifest["tables"].items():
        frame = store.scan([store.path(s["path"]) for s in table["shards"]]) if table["shards"] else None
        tables[name] = {
            "schema": table["schema"],
            "rows": table["rows"],
            "columns": {k: str(v) for k, v in frame.collect_schema().items()} if frame is not None else {},
            "sample": frame.head(3).collect().to_dicts() if frame is not None else [],
        }
    return {
        "dataset": dataset,
        "version": manifest["version"],
        "tables": tables,
        "rejects": manifest["rejects"]["rows"],
        "steps": manifest["steps"],
    }


def short(value: Any, width: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"
