"""Reading finished versions back: verify shard hashes, walk lineage, summarize tables and status."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import CurateError
from curate.hashing import sha256_file
from curate.store import Store, read_json


def manifests_in(root: Path) -> list[Path]:
    return sorted(root.glob("*/*/manifest.json"))


def version_base(manifest_path: Path, manifest: dict[str, Any], root: Path | None) -> Path:
    """The version folder a manifest describes: beside it in the store, or under --root."""
    if (manifest_path.parent / "_state").is_dir() or manifest_path.name == "manifest.json":
        return manifest_path.parent
    if root is None:
        raise CurateError(f"{manifest_path} is not inside a store: pass --root to say where the shards are")
    return Store(root, manifest["dataset"], manifest["version"]).base


def verify(manifest_path: Path, root: Path | None = None) -> list[str]:
    """Re-hash every shard the manifest lists; return one line per problem (empty: all good)."""
    if not manifest_path.is_file():
        raise CurateError(f"manifest not found: {manifest_path}")
    manifest = read_json(manifest_path)
    base = version_base(manifest_path, manifest, root)
    files = [f for t in manifest["tables"].values() for f in t["shards"]] + manifest["rejects"]["shards"]
    problems = []
    for f in files:
        path = base / f["path"]
        if not path.is_file():
            problems.append(f"missing: {f['path']}")
        elif (actual := sha256_file(path)) != f["sha256"]:
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

    def __init__(self, root: Path) -> None:
        self.root = root
        self.manifests = [(p.parent, read_json(p)) for p in manifests_in(root)]
        if not self.manifests:
            raise CurateError(f"no finished dataset versions under {root}")

    def find(self, row_id: str) -> Iterator[tuple[dict[str, Any], Path, dict[str, Any], str]]:
        """(row, version folder, manifest, table), in pipeline step order."""
        for base, manifest in self.manifests:
            for step in manifest["steps"]:
                shards = [base / s["path"] for s in manifest["tables"][step["name"]]["shards"]]
                for row in _rows_with_id(shards, row_id):
                    yield row, base, manifest, step["name"]

    def rejections(self, row_id: str) -> list[dict[str, Any]]:
        out = []
        for base, manifest in self.manifests:
            shards = [base / s["path"] for s in manifest["rejects"]["shards"]]
            if shards:
                frame = pl.scan_parquet(shards).filter(pl.col("row_id") == row_id).collect()
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


def _rows_with_id(shards: list[Path], row_id: str) -> list[dict[str, Any]]:
    if not shards:
        return []
    frame = pl.scan_parquet(shards)
    if "id" not in frame.collect_schema().names():
        return []
    return frame.filter(pl.col("id") == row_id).collect().to_dicts()


def _parent_ids(row: dict[str, Any]) -> list[str]:
    ids = []
    if row.get("parent_id"):
        ids.append(row["parent_id"])
    ids += [p for p in row.get("parent_ids") or [] if p]
    return ids


def status(root: Path) -> list[dict[str, Any]]:
    """What is done, running and failed for each dataset version in the store."""
    out = []
    for state in sorted(root.glob("*/*/_state")):
        base = state.parent
        run = read_json(state / "run.json") if (state / "run.json").is_file() else {}
        if run.get("status") == "running" and not _alive(run.get("pid")):
            run["status"] = "stopped (process gone; rerun to resume)"
        steps = []
        for step_dir in sorted(p for p in state.iterdir() if p.is_dir()):
            plan = read_json(step_dir / "plan.json") if (step_dir / "plan.json").is_file() else {}
            failures = [read_json(p) for p in sorted(step_dir.glob("*.failed.json"))]
            steps.append({
                "step": step_dir.name,
                "done": len(list(step_dir.glob("*.done.json"))),
                "tasks": plan.get("tasks"),
                "failed": len(failures),
                "error": failures[0]["error"] if failures else None,
            })  # fmt: skip
        out.append({"dataset": base.parent.name, "version": base.name, "status": run.get("status", "unknown"),
                    "steps": steps})  # fmt: skip
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


def describe(root: Path, dataset: str, version: str | None = None) -> dict[str, Any]:
    """Schema, counts and sample rows of every table of a version (default: the newest)."""
    candidates = sorted((root / dataset).glob("*/manifest.json"), key=lambda p: read_json(p)["created_at"])
    if version:
        candidates = [p for p in candidates if p.parent.name == version]
    if not candidates:
        raise CurateError(f"no finished version of dataset '{dataset}' under {root}")
    path = candidates[-1]
    manifest = read_json(path)
    tables = {}
    for name, table in manifest["tables"].items():
        shards = [path.parent / s["path"] for s in table["shards"]]
        frame = pl.scan_parquet(shards) if shards else None
        tables[name] = {
            "schema": table["schema"],
            "rows": table["rows"],
            "columns": {k: str(v) for k, v in frame.collect_schema().items()} if frame is not None else {},
            "sample": frame.head(3).collect().to_dicts() if frame is not None else [],
        }
    return {"dataset": dataset, "version": manifest["version"], "tables": tables, "rejects": manifest["rejects"]["rows"],
            "steps": manifest["steps"]}  # fmt: skip


def short(value: Any, width: int = 160) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"
