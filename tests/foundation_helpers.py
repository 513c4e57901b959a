"""Builders for small pipelines and inputs in a temp folder, shared by the foundation tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from curate.hashing import sha256_file


def write_songs(folder: Path, files: int = 3, per_file: int = 5, broken: bool = True) -> Path:
    """JSONL dumps spread over several files (so several shards), one broken line in the first."""
    folder.mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = [
            json.dumps({"id": f"v{f}_{i}", "title": f"song {f}-{i}", "duration": 30 + 20 * i, "views": i * 100})
            for i in range(per_file)
        ]
        if broken and f == 0:
            lines.insert(2, '{"id": "cut", "title": ')
        (folder / f"dump-{f}.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def write_pipeline(path: Path, steps: list[dict[str, Any]], inputs: dict[str, Any], **top: Any) -> Path:
    doc = {"dataset": top.pop("dataset", "t"), "version": top.pop("version", "1"), "inputs": inputs, "steps": steps}
    doc.update(top)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def standard_pipeline(tmp: Path, slow: float = 0.0) -> Path:
    songs = write_songs(tmp / "in")
    return write_pipeline(
        tmp / "p.yaml",
        inputs={"dumps": {"path": str(songs.relative_to(tmp))}},
        steps=[
            {"name": "raw", "stage": "read", "input": "dumps", "config": {"id_field": "id", "id_prefix": "yt"}},
            {"name": "long", "stage": "filter", "input": "raw", "config": {"expr": "duration >= 60"}},
            {"name": "upper", "stage": "plugins:SlowUpper", "input": "long", "config": {"seconds": slow}},
            {"name": "derived", "stage": "plugins:Derive", "input": "upper"},
        ],
    )


def tree_checksums(version_dir: Path) -> dict[str, str]:
    """sha256 of every data file (tables and rejects) under a version folder."""
    return {
        p.relative_to(version_dir).as_posix(): sha256_file(p)
        for p in sorted(version_dir.rglob("*.parquet"))
        if not p.name.startswith(".")
    }


def read_then(tmp: Path, *steps: dict[str, Any]) -> Path:
    """A pipeline reading two 7-row dump files into `raw`, then `steps` (each reads an earlier table)."""
    songs = write_songs(tmp / "in", files=2, per_file=7, broken=False)
    return write_pipeline(
        tmp / "p.yaml",
        inputs={"d": {"path": str(songs.relative_to(tmp))}},
        steps=[{"name": "raw", "stage": "read", "input": "d"}, *steps],
    )
