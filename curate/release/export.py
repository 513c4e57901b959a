"""Write a finished store version's release tables as a folder the Hub and `datasets` read as they are.

    <out>/README.md                       dataset card (YAML configs + features, statistics, lineage)
    <out>/croissant.json                  Croissant metadata
    <out>/manifest.json                   the version's manifest (lineage of every table)
    <out>/plots/*.png                     distributions shown in the card
    <out>/report/index.html               the version's HTML report (curate report), linked from the card
    <out>/data/<config>/<split>-00000-of-00002.parquet

One config per release table (named by its format: pretrain, sft, chat), one file set per split;
the `split` column of the store tables becomes the file names. Shards are cut by rows or by bytes.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from curate.errors import CurateError
from curate.release.tokens import TokenCounter, token_counter
from curate.schemas import load_schema
from curate.store import atomic_write_json, atomic_write_parquet, read_json

DEFAULT_SHARD_BYTES = 256 * 1024 * 1024  # uncompressed Arrow bytes per shard
_ORDER = ["release_pretrain", "release_sft", "release_chat"]  # config order in the card; the first is the default


@dataclass
class ConfigData:
    name: str
    table: str
    schema: str
    splits: dict[str, pl.DataFrame]  # split name -> rows (without the split column)
    files: dict[str, list[str]] = field(default_factory=dict)  # split -> paths relative to the folder
    counter: TokenCounter | None = None  # how the card counts tokens (None: regex)

    @property
    def arrow_schema(self) -> pa.Schema:
        full = load_schema(self.schema).arrow
        return pa.schema([f for f in full if f.name != "split"])


def release_configs(base: Path, manifest: dict[str, Any], tokenizer: str | None = None) -> list[ConfigData]:
    """The version's release tables, each read and divided by split (train first), with the tokenizer
    its step named (or `tokenizer`, when given)."""
    picked = [(t, info) for t, info in manifest["tables"].items() if (info.get("schema") or "").startswith("release_")]
    if not picked:
        raise CurateError(f"version {manifest['dataset']}/{manifest['version']} has no release_* table to export")
    picked.sort(key=lambda p: (_ORDER.index(p[1]["schema"]) if p[1]["schema"] in _ORDER else len(_ORDER), p[0]))
    formats = [info["schema"].removeprefix("release_") for _, info in picked]
    configs = []
    for (table, info), fmt in zip(picked, formats, strict=True):
        name = fmt if formats.count(fmt) == 1 else table
        shards = [base / s["path"] for s in info["shards"]]
        frame = pl.read_parquet(shards) if shards else pl.DataFrame(schema=pl.Schema(load_schema(info["schema"]).arrow))
        names = sorted(frame["split"].unique().to_list(), key=lambda s: (s != "train", s))
        splits = {s: frame.filter(pl.col("split") == s).drop("split") for s in names}
        step = next((s for s in manifest["steps"] if s["name"] == table), {})
        counter = token_counter(tokenizer or step.get("config", {}).get("tokenizer"))
        configs.append(ConfigData(name, table, info["schema"], splits, counter=counter))
    return configs


def _cut(rows: pa.Table, shard_rows: int | None, shard_bytes: int | None) -> list[pa.Table]:
    per = shard_rows or rows.num_rows or 1
    if shard_bytes and rows.num_rows:
        per = min(per, max(1, math.floor(shard_bytes / max(1.0, rows.nbytes / rows.num_rows))))
    count = max(1, math.ceil(rows.num_rows / per))
    return [rows.slice(i * per, per) for i in range(count)]


def write_shards(out: Path, config: ConfigData, shard_rows: int | None, shard_bytes: int | None) -> None:
    schema = config.arrow_schema
    for split, frame in config.splits.items():
        table = frame.to_arrow().select(schema.names).cast(schema)
        parts = _cut(table, shard_rows, shard_bytes)
        config.files[split] = []
        for i, part in enumerate(parts):
            rel = f"data/{config.name}/{split}-{i:05d}-of-{len(parts):05d}.parquet"
            atomic_write_parquet(out / rel, part)
            config.files[split].append(rel)


def build_release(base: Path, out: Path | None = None, *, shard_rows: int | None = None,
                  shard_bytes: int | None = DEFAULT_SHARD_BYTES, repo_id: str | None = None,
                  report: bool = True, tokenizer: str | None = None) -> Path:  # fmt: skip
    """Export the release of the store version at `base` (default: `<base>/_release`); returns the folder."""
    from curate.release.card import write_card
    from curate.release.croissant import write_croissant
    from curate.report import build_report
    from curate.store import Store

    manifest_path = base / "manifest.json"
    if not manifest_path.is_file():
        raise CurateError(f"{base} holds no finished version (no manifest.json): run the pipeline first")
    manifest = read_json(manifest_path)
    out = out or base / "_release"
    staging = out.with_name(f".{out.name}.staging")
    shutil.rmtree(staging, ignore_errors=True)
    configs = release_configs(base, manifest, tokenizer)
    for config in configs:
        write_shards(staging, config, shard_rows, shard_bytes)
    atomic_write_json(staging / "manifest.json", manifest)
    if report:
        build_report(Store(str(base.parent.parent), manifest["dataset"], manifest["version"]), staging / "report")
    write_card(staging, base, manifest, configs, repo_id)
    write_croissant(staging, manifest, configs, repo_id)
    shutil.rmtree(out, ignore_errors=True)
    staging.rename(out)
    return out
