"""The theory_items stage in a pipeline over the scores stand-in: items, rejects with reasons, resume."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from curate.theory.format import read_items

REPO = Path(__file__).parents[1]


def run(root: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "curate.cli", "run", str(REPO / "pipelines" / "theory_demo.yaml"), "--root", str(root),
         "--manifests", str(tmp_path / "manifests"), "--workers", "1"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip


@pytest.mark.slow
def test_theory_demo_pipeline(tmp_path: Path) -> None:
    root = tmp_path / "store"
    first = run(root, tmp_path)
    assert first.returncode == 0, first.stderr
    base = root / "theory_demo" / "0.1.0"
    items = read_items(base / "theory_items")
    assert len(items) >= 24
    assert {i["kind"] for i in items} >= {"key", "meter", "interval", "chord", "cadence", "degree", "bars"}
    scores = set(pl.read_parquet(base / "scores" / "*.parquet")["id"])
    assert all(i["parent_id"] in scores for i in items)
    assert len({i["id"] for i in items}) == len(items)
    rejects = pl.read_parquet(base / "rejects" / "*.parquet")
    reasons = set(rejects.filter(pl.col("step") == "theory_items")["reason"])
    assert {"no_harmony", "check_disagrees"} <= reasons
    again = run(root, tmp_path)
    assert again.returncode == 0 and "tasks_run=0" in again.stderr
