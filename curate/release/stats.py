"""Statistics of a release computed from its rows (never from configs or prose).

Tokens are counted with the release config's tokenizer, or else a regex (`curate/release/tokens.py`);
the per-source totals must match the counts the release step recorded in the manifest. Languages, keys
and meters come from the source rows each training row was made from (`parent_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import CurateError
from curate.release.export import ConfigData
from curate.release.tokens import TOKEN_PATTERN, TokenCounter

__all__ = ["TOKEN_PATTERN", "ReleaseStats", "check_token_counts", "compute_stats"]

_SOURCE_ATTRS = ("language", "key", "meter", "license")
_PROVENANCE = ("backend", "model", "prompt_id", "prompt_hash")


@dataclass
class ReleaseStats:
    rows: pl.DataFrame  # config, split, src, rows, tokens
    lengths: pl.DataFrame  # config, split, tokens (one row per training row)
    attrs: pl.DataFrame  # config, split, attr, value, rows
    provenance: pl.DataFrame  # table, backend, model, prompt_id, prompt_hash, rows


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
                tokens=(config.counter or TokenCounter("regex")).row_tokens(frame, config.schema),
                config=pl.lit(config.name),
                split=pl.lit(split),
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


def check_token_counts(stats: ReleaseStats, manifest: dict[str, Any], configs: list[ConfigData]) -> None:
    """The tokens counted now must be the ones the release step counted (`tokens_<src>_<split>` counters):
    a different tokenizer at export time would otherwise put other numbers in the card."""
    for config in configs:
        step = next((s for s in manifest["steps"] if s["name"] == config.table), None)
        recorded = {k: v for k, v in (step or {}).get("counters", {}).items() if k.startswith("tokens_")}
        if not recorded:
            continue  # made before the step counted tokens
        mine = stats.rows.filter(pl.col("config") == config.name)
        counted = {f"tokens_{src}_{split}": n for split, src, n in mine.select("split", "src", "tokens").iter_rows()}
        if counted != recorded:
            name = config.counter.name if config.counter else "regex"
            raise CurateError(
                f"token counts of config '{config.name}' with tokenizer '{name}' differ from those the release "
                f"step '{config.table}' recorded: pass the tokenizer it used (--tokenizer)"
            )
