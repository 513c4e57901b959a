"""Finished versions in a store: list them with their manifests, and re-hash the shards a manifest lists."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from typing import Any

from curate.errors import CurateError
from curate.store import Store
from curate.store import filesystem_path as _filesystem_path


def versions(root: str | Path) -> list[tuple[Store, dict[str, Any]]]:
    """Every finished version under a store root (local folder or fsspec URL), with its manifest."""
    probe = Store(str(root), "_", "_")
    out = []
    for path in sorted(probe.fs.glob(posixpath.join(root_path(probe), "*/*/manifest.json"))):
        manifest = json.loads(probe.fs.cat_file(path))
        out.append((Store(str(root), manifest["dataset"], manifest["version"]), manifest))
    return out


def root_path(store: Store) -> str:
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
