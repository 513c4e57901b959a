"""The dataset store: `<root>/<dataset>/<version>/<table>/part-00000.parquet`, written atomically.

The root is a local folder or any fsspec URL (`file://`, `s3://`, `gs://`, `memory://`...). On a
local disk every write goes to a temp file beside its target, is fsynced, then renamed over it; on
an object store a single PUT is already all-or-nothing. Either way a reader, or a rerun after
SIGKILL, never sees half a file. State lives in the store, never in /tmp.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import posixpath
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import fsspec
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from fsspec.implementations.local import LocalFileSystem

from curate.errors import CurateError
from curate.hashing import digest

PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "compression_level": 3, "row_group_size": 65536}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def json_bytes(obj: Any, indent: int | None = 2) -> bytes:
    return (json.dumps(obj, indent=indent, sort_keys=True, ensure_ascii=False, default=str) + "\n").encode()


def parquet_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **PARQUET_OPTIONS)
    return sink.getvalue().to_pybytes()


def atomic_write_json(path: Path, obj: Any, indent: int | None = 2) -> None:
    atomic_write_bytes(path, json_bytes(obj, indent))


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    atomic_write_bytes(path, parquet_bytes(table))


ROW_GROUP_ROWS = PARQUET_OPTIONS["row_group_size"]


class ParquetSink:
    """Writes one Parquet file from batches of any size, in fixed row groups (so the bytes never
    depend on how the rows arrived), holding at most one row group in memory. `close()` makes the
    file visible atomically and returns its manifest entry."""

    def __init__(self, store: Store, path: str, schema: pa.Schema) -> None:
        self.store, self.path, self.rows = store, path, 0
        local = Path(path) if store.is_local else Path(tempfile.gettempdir()) / "curate-sink" / digest(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = local.with_name(f".{local.name}.tmp-{os.getpid()}")
        options = {k: v for k, v in PARQUET_OPTIONS.items() if k != "row_group_size"}
        self._writer = pq.ParquetWriter(self._tmp, schema, **options)
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    @property
    def count(self) -> int:
        """Rows given so far (written or waiting for a full row group)."""
        return self.rows + self._pending_rows

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        while self._pending_rows >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def _flush(self, n: int) -> None:
        joined = pa.concat_tables(self._pending)
        self._writer.write_table(joined.slice(0, n).combine_chunks(), row_group_size=n)
        rest = joined.slice(n)
        self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows
        self.rows += n

    def close(self) -> dict[str, Any]:
        if self._pending_rows:
            self._flush(self._pending_rows)
        self._writer.close()
        h = hashlib.sha256()
        with open(self._tmp, "rb+") as f:
            os.fsync(f.fileno())
            f.seek(0)
            while block := f.read(1 << 20):
                h.update(block)
        size = self._tmp.stat().st_size
        if self.store.is_local:
            os.replace(self._tmp, self.path)
            _fsync_dir(Path(self.path).parent)
        else:
            self.store.fs.makedirs(posixpath.dirname(self.path), exist_ok=True)
            self.store.fs.put_file(str(self._tmp), self.path)  # one upload: all or nothing on object stores
            self._tmp.unlink()
        return {"path": self.store.relative(self.path), "sha256": h.hexdigest(), "rows": self.rows, "bytes": size}


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def shard_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and "://" in location


@functools.cache
def _filesystem(root: str) -> tuple[fsspec.AbstractFileSystem, str]:
    if not is_url(root):
        return LocalFileSystem(), str(Path(root).resolve())
    try:
        fs, path = fsspec.core.url_to_fs(root)
    except (ImportError, ValueError) as err:  # an unknown protocol, or its fsspec package is missing
        raise CurateError(f"cannot open store {root}: {err}") from err
    return fs, path.rstrip("/")


def filesystem_path(location: str) -> str:
    """The path part of a local path or URL, as its filesystem names it."""
    return _filesystem(location)[1]


@dataclass(frozen=True)
class Store:
    """One dataset version inside a store root. Paths are strings in the root's filesystem."""

    root: str
    dataset: str
    version: str

    @property
    def fs(self) -> fsspec.AbstractFileSystem:
        return _filesystem(self.root)[0]

    @property
    def is_local(self) -> bool:
        return isinstance(self.fs, LocalFileSystem)

    @property
    def base(self) -> str:
        return posixpath.join(_filesystem(self.root)[1], self.dataset, self.version)

    def path(self, relative: str) -> str:
        return posixpath.join(self.base, relative)

    def relative(self, path: str) -> str:
        return posixpath.relpath(path, self.base)

    def table_dir(self, table: str) -> str:
        return self.path(table)

    def shard_path(self, table: str, index: int) -> str:
        return posixpath.join(self.table_dir(table), shard_name(index))

    def rejects_path(self, step: str, index: int) -> str:
        # one `rejects` table for the whole version: every file shares schemas/rejects.yaml
        return posixpath.join(self.table_dir("rejects"), f"{step}-{index:05d}.parquet")

    def state_dir(self, step: str) -> str:
        return self.path(f"_state/{step}")

    def completion_path(self, step: str, index: int) -> str:
        return posixpath.join(self.state_dir(step), f"{index:05d}.done.json")

    def failure_path(self, step: str, index: int) -> str:
        return posixpath.join(self.state_dir(step), f"{index:05d}.failed.json")

    @property
    def run_path(self) -> str:
        return self.path("_state/run.json")

    @property
    def manifest_path(self) -> str:
        return self.path("manifest.json")

    @property
    def cache_dir(self) -> Path:
        return calls_cache_dir(self.root)

    def url(self, path: str) -> str:
        """`path` as a location other commands accept: a local path, or the URL on an object store."""
        return path if self.is_local else str(self.fs.unstrip_protocol(path))

    # --- file operations -------------------------------------------------------------------------
    def glob(self, pattern: str) -> list[str]:
        return sorted(self.fs.glob(self.path(pattern)))

    def exists(self, path: str) -> bool:
        return bool(self.fs.exists(path))

    def remove(self, path: str) -> None:
        if self.fs.exists(path):
            self.fs.rm(path)

    def clear(self) -> None:
        if self.fs.exists(self.base):
            self.fs.rm(self.base, recursive=True)

    def write_bytes(self, path: str, data: bytes) -> None:
        if self.is_local:
            atomic_write_bytes(Path(path), data)
            return
        self.fs.makedirs(posixpath.dirname(path), exist_ok=True)
        self.fs.pipe_file(path, data)  # one PUT: all or nothing on object stores

    def write_json(self, path: str, obj: Any) -> None:
        self.write_bytes(path, json_bytes(obj))

    def write_parquet(self, path: str, table: pa.Table) -> None:
        self.write_bytes(path, parquet_bytes(table))

    def read_json(self, path: str) -> Any:
        return json.loads(self.fs.cat_file(path))

    def open(self, path: str, mode: str = "rb") -> IO[Any]:
        return self.fs.open(path, mode)

    def size(self, path: str) -> int:
        return int(self.fs.size(path))

    def sha256(self, path: str) -> str:
        h = hashlib.sha256()
        with self.fs.open(path, "rb") as f:
            while block := f.read(1 << 20):
                h.update(block)
        return h.hexdigest()

    @property
    def arrow_fs(self) -> pafs.FileSystem:
        return pafs.LocalFileSystem() if self.is_local else pafs.PyFileSystem(pafs.FSSpecHandler(self.fs))

    def parquet_file(self, path: str) -> pq.ParquetFile:
        return pq.ParquetFile(path, filesystem=self.arrow_fs)

    def scan(self, paths: list[str]) -> pl.LazyFrame:
        """A lazy frame over shards (polars reads local files itself; other filesystems via Arrow)."""
        if self.is_local:
            return pl.scan_parquet(paths)
        return pl.scan_pyarrow_dataset(ds.dataset(paths, filesystem=self.arrow_fs, format="parquet"))


def cache_home() -> Path:
    """The one folder for local caches, outside every store: `$CURATE_CACHE_DIR`, else `~/.cache/curate`."""
    return Path(os.environ.get("CURATE_CACHE_DIR") or Path.home() / ".cache" / "curate")


def calls_cache_dir(root: str | Path) -> Path:
    """Caches of paid or slow calls (LLM answers, budget ledger, fetched videos) for one store root: sqlite, so
    on a local disk, and never inside the store, so a stage cannot reach the store through it. Keyed by the
    root (a local one by its resolved path), so each store has its own and every rerun on it finds them."""
    fs, path = _filesystem(str(root))
    return cache_home() / digest(path if isinstance(fs, LocalFileSystem) else str(root))[:16]


def version_cache_dir() -> Path:
    return Path(os.environ.get("CURATE_VERSION_CACHE") or cache_home() / "versions")


def local_version(root: str, dataset: str, version: str) -> Path:
    """A finished version as a local folder, for tools that read files (diff, export): the folder itself
    on a local root; on an object store its manifest and listed shards, fetched once into the local
    cache and checked against the manifest's sha256."""
    store = Store(root, dataset, version)
    if store.is_local:
        return Path(store.base)
    if not store.exists(store.manifest_path):
        raise CurateError(f"no finished version {dataset}/{version} under {root}")
    data = store.fs.cat_file(store.manifest_path)
    manifest = json.loads(data)
    out = version_cache_dir() / hashlib.sha256(data).hexdigest()[:20] / dataset / version
    shards = [s for t in manifest["tables"].values() for s in t["shards"]] + manifest["rejects"]["shards"]
    for shard in shards:
        local = out / shard["path"]
        if local.is_file():
            continue
        blob = store.fs.cat_file(store.path(shard["path"]))
        if hashlib.sha256(blob).hexdigest() != shard["sha256"]:
            raise CurateError(f"{store.path(shard['path'])} does not match its manifest (run curate verify)")
        atomic_write_bytes(local, blob)
    atomic_write_bytes(out / "manifest.json", data)
    return out


def local_ref(ref: str, root: str) -> tuple[str, Path]:
    """`DATASET/VERSION` under an object-store root, as the local copy tools that read files can open;
    anything else (a folder, a manifest, a local root) as given."""
    parts = ref.strip("/").split("/")
    if not is_url(root) or len(parts) != 2 or Path(ref).exists():
        return ref, Path(root)
    copy = local_version(root, *parts)
    return str(copy), copy.parent.parent
