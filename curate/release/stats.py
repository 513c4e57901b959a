"""Statistics of a release computed from its rows (never from configs or prose).

Tokens are counted with a simple regex (`\\w+` or one punctuation mark): a model's tokenizer gives
other numbers, but the counts are exact, comparable between versions and cheap. Languages, keys and
meters come from the source rows each training row was made from (`parent_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.release.export import ConfigData

TOKEN_PATTERN = r"\w+|[^\w\s]"
_TEXT_COLUMNS = {"release_pretrain": ["text"], "release_sft": ["instruction", "input", "output"],
                 "release_chat": ["text"]}  # fmt: skip
_SOURCE_ATTRS = ("language", "key", "meter", "license")
_PROVENANCE = ("backend", "model", "prompt_id", "prompt_hash")


@dataclass
class ReleaseStats:
    rows: pl.DataFrame  # config, split, src, rows, tokens
    lengths: pl.DataFrame  # config, split, tokens (one row per training row)
    attrs: pl.DataFrame  # config, split, attr, value, rows
    provenance: pl.DataFrame  # table, backend, model, prompt_id, prompt_hash, rows


def token_count(frame: pl.DataFrame, schema: str) -> pl.Series:
    counts = [frame[c].fill_null("").str.count_matches(TOKEN_PATTERN) for c in _TEXT_COLUMNS[schema]]
    return pl.Series("tokens", sum(counts[1:], counts[0]) if counts else [], dtype=pl.Int64)


def _source_attrs(base: Path, manifest: dict[str, Any]) -> pl.DataFrame:
    """id -> language/key/meter/license of every source row that has any of them."""
    frames = []
    for info in manifest["tables"].values():
        if (info.get("schema") or "").startswith("release_") or not info["shards"]:
            continue
        scan = pl.scan_parquet([base / s["path"] for s in info["shards"]])
        names = scan.collect_schema().names()
        attrs = [a for a in _SOURCE_ATTRS if a in names and scan.collect_schema()[a] == pl.String]
        if "id" in names and attrs:
            frames.append(scan.select("id", *attrs))
    if not frames:
        return pl.DataFrame(schema={"id": pl.String, **{a: pl.String for a in _SOURCE_ATTRS}})
    return pl.concat(frames, how="diagonal").unique("id", keep="first").collect()


def _provenance(base: Path, manifest: dict[str, Any]) -> pl.DataFrame:
    frames = []
    for table, info in manifest["tables"].items():
        if not info["shards"]:
            continue
        scan = pl.scan_parquet([base / s["path"] for s in info["shards"]])
        if all(c in scan.collect_schema().names() for c in _PROVENANCE):
            grouped = scan.group_by(*_PROVENANCE).agg(pl.len().alias("rows")).with_columns(table=pl.lit(table))
            frames.append(grouped.collect())
    if not frames:
        return pl.DataFrame(schema={"table": pl.String, **{c: pl.String for c in _PROVENANCE}, "rows": pl.UInt32})
    return pl.concat(frames).select("table", *_PROVENANCE, "rows").sort("table", "model")


def compute_stats(base: Path, manifest: dict[str, Any], configs: list[ConfigData]) -> ReleaseStats:
    sources = _source_attrs(base, manifest)
    rows, lengths, attrs = [], [], []
    for config in configs:
        for split, frame in config.splits.items():
            tagged = frame.select("src", "parent_ids").with_columns(
                tokens=token_count(frame, config.schema), config=pl.lit(config.name), split=pl.lit(split)
            )
            lengths.append(tagged.select("config", "split", "tokens"))
            rows.append(tagged.group_by("config", "split", "src").agg(rows=pl.len(), tokens=pl.col("tokens").sum()))
            joined = tagged.with_columns(id=pl.col("parent_ids").list.first()).join(sources, on="id", how="left")
            for attr in _SOURCE_ATTRS:
                counted = joined.drop_nulls(attr).group_by(attr).agg(rows=pl.len()).rename({attr: "value"})
                attrs.append(counted.with_columns(config=pl.lit(config.name), split=pl.lit(split), attr=pl.lit(attr)))
    schema_rows = {"config": pl.String, "split": pl.String, "src": pl.String, "rows": pl.UInt32, "tokens": pl.Int64}
    return ReleaseStats(
        rows=pl.concat(rows).sort("config", "split", "src") if rows else pl.DataFrame(schema=schema_rows),
        lengths=pl.concat(lengths)
        if lengths
        else pl.DataFrame(schema={"config": pl.String, "split": pl.String, "tokens": pl.Int64}),  # fmt: skip
        attrs=pl.concat(attrs, how="diagonal")
        .select("config", "split", "attr", "value", "rows")
        .sort("config", "split", "attr", "rows", "value", descending=[False, False, False, True, False])
        if attrs
        else pl.DataFrame(
            schema={"config": pl.String, "split": pl.String, "attr": pl.String, "value": pl.String, "rows": pl.UInt32}
        ),  # fmt: skip
        provenance=_provenance(base, manifest),
    )
