"""`curate show`: schema, counts and sample rows of every table of a finished version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from curate.errors import CurateError
from curate.versions import versions


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
