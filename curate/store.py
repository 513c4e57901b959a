"""The dataset store: `<root>/<dataset>/<version>/<table>/part-00000.parquet`, written atomically.

Every write goes to a temp file beside its target, is fsynced, then renamed over it, so a reader
(or a rerun after SIGKILL) never sees half a file. State lives in the store, never in /tmp.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

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


def atomic_write_json(path: Path, obj: Any, indent: int | None = 2) -> None:
    text = json.dumps(obj, indent=indent, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    atomic_write_bytes(path, text.encode())


def atomic_write_parquet(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, **PARQUET_OPTIONS)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def shard_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


@dataclass(frozen=True)
class Store:
    """Paths of one dataset version inside a store root."""

    root: Path
    dataset: str
    version: str

    @property
    def base(self) -> Path:
        return self.root / self.dataset / self.version

    def table_dir(self, table: str) -> Path:
        return self.base / table

    def shard_path(self, table: str, index: int) -> Path:
        return self.table_dir(table) / shard_name(index)

    def rejects_path(self, step: str, index: int) -> Path:
        # one `rejects` table for the whole version: every file shares schemas/rejects.yaml
        return self.table_dir("rejects") / f"{step}-{index:05d}.parquet"

    def state_dir(self, step: str) -> Path:
        return self.base / "_state" / step

    def completion_path(self, step: str, index: int) -> Path:
        return self.state_dir(step) / f"{index:05d}.done.json"

    def failure_path(self, step: str, index: int) -> Path:
        return self.state_dir(step) / f"{index:05d}.failed.json"

    @property
    def run_path(self) -> Path:
        return self.base / "_state" / "run.json"

    @property
    def manifest_path(self) -> Path:
        return self.base / "manifest.json"

    @property
    def cache_dir(self) -> Path:
        """Caches of paid or slow calls (LLM responses, fetched metadata) outlive versions: shared per root."""
        return self.root / "_cache"

    def shards(self, table: str) -> list[Path]:
        return sorted(self.table_dir(table).glob("part-*.parquet"))

    def clear(self) -> None:
        if self.base.exists():
            shutil.rmtree(self.base)
