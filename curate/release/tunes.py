"""Sample tunes of each score source of a release, drawn as SVG staff notation for the dataset card
(the Hub shows SVG images in a card). Tunes are the source rows the release rows were made from,
chosen by seeded hash, so the card shows music that is in the data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.release.export import ConfigData
from curate.report.notation import render_abc
from curate.report.sampling import seeded_key
from curate.store import atomic_write_bytes

PER_SOURCE = 3


@dataclass
class TuneImage:
    config: str
    src: str
    path: str  # relative to the export folder
    caption: str


def _score_components(manifest: dict[str, Any], table: str) -> list[dict[str, Any]]:
    step = next((s for s in manifest["steps"] if s["name"] == table), None)
    if step is None or step["stage"] != "release":
        return []
    components = step["config"].get("components", [])
    return [c for c in components if c.get("task") == "score_tasks" or c.get("column") == "abc"]


def _caption(row: dict[str, Any]) -> str:
    facts = [f"{k} {row[k]}" for k in ("key", "meter", "bars") if row.get(k) not in (None, "")]
    return ", ".join([row.get("title") or row["id"], *facts])


def write_tunes(out: Path, base: Path, manifest: dict[str, Any], configs: list[ConfigData]) -> list[TuneImage]:
    images = []
    for config in configs:
        rows = pl.concat([f.select("src", "parent_ids") for f in config.splits.values()]) if config.splits else None
        for component in _score_components(manifest, config.table):
            if rows is None:
                continue
            parents = rows.filter(pl.col("src") == component["src"])["parent_ids"].list.first().drop_nulls().unique()
            chosen = sorted(parents.to_list(), key=lambda i: seeded_key(0, i))[:PER_SOURCE]
            shards = manifest["tables"].get(component["table"], {}).get("shards", [])
            if not chosen or not shards:
                continue
            found = pl.scan_parquet([base / s["path"] for s in shards]).filter(pl.col("id").is_in(chosen)).collect()
            by_id = {r["id"]: r for r in found.to_dicts()}
            for n, tune_id in enumerate(i for i in chosen if i in by_id):
                drawing = render_abc(by_id[tune_id]["abc"] or "")
                if drawing.svg is None:
                    continue
                rel = f"tunes/{config.name}-{component['src']}-{n}.svg"
                # a white ground: the Hub's dark theme would draw black notes on black
                svg = drawing.svg.replace("<svg ", '<svg style="background-color: white" ', 1)
                atomic_write_bytes(out / rel, svg.encode())
                images.append(TuneImage(config.name, component["src"], rel, _caption(by_id[tune_id])))
    return images
