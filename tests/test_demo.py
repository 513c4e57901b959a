"""The offline demo reproduces the shard checksums of its committed manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).parents[1]


@pytest.mark.slow
def test_fresh_demo_run_reproduces_committed_checksums(tmp_path: Path) -> None:
    committed = sorted((REPO / "manifests" / "demo").glob("*.json"))
    assert committed, "run `curate run pipelines/demo.yaml` and commit manifests/demo/"
    expected = json.loads(committed[-1].read_text())
    out = subprocess.run(
        [sys.executable, "-m", "curate.cli", "run", str(REPO / "pipelines" / "demo.yaml"), "--root",
         str(tmp_path / "store"), "--manifests", str(tmp_path / "manifests"), "--workers", "2"],
        capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    fresh = json.loads((tmp_path / "manifests" / "demo" / f"{expected['version']}.json").read_text())

    def checksums(manifest: dict) -> dict[str, str]:
        files = [f for t in manifest["tables"].values() for f in t["shards"]] + manifest["rejects"]["shards"]
        return {f["path"]: f["sha256"] for f in files}

    assert checksums(fresh) == checksums(expected)
    assert_one_row_per_id(tmp_path / "store" / "demo" / expected["version"], fresh["tables"])
    assert fresh["pipeline"]["config_hash"] == expected["pipeline"]["config_hash"]


def assert_one_row_per_id(base: Path, tables: dict) -> None:
    """No table of the demo holds two rows with one id (a repeated video used to become two songs)."""
    for name, table in tables.items():
        files = [str(base / shard["path"]) for shard in table["shards"]]
        ids = pl.scan_parquet(files).select("id").collect()["id"] if table["rows"] else pl.Series([], dtype=pl.String)
        assert ids.is_duplicated().sum() == 0, f"{name} holds repeated ids"


def test_committed_demo_manifest_was_made_by_the_current_code() -> None:
    """Checksums alone can match while the code moved on; the code version of every step must match too
    (when this fails, regenerate the manifest: see docs/CONTRIBUTING.md)."""
    from curate.pipeline import load_pipeline

    committed = json.loads((REPO / "manifests" / "demo" / "0.1.0.json").read_text())
    pipeline = load_pipeline(REPO / "pipelines" / "demo.yaml")
    recorded = {s["name"]: s["code_version"] for s in committed["steps"]}
    assert recorded == {s.name: s.stage_cls.code_version() for s in pipeline.steps}
    assert committed["pipeline"]["config_hash"] == pipeline.config_hash


def test_manifest_copy_goes_beside_the_pipelines_folder_not_the_current_one(tmp_path: Path) -> None:
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (project / "pipelines").mkdir(parents=True)
    elsewhere.mkdir()
    (project / "pipelines" / "rows.jsonl").write_text('{"id": "a"}\n')
    (project / "pipelines" / "p.yaml").write_text(
        'dataset: t\nversion: "1"\ninputs: {d: {path: rows.jsonl}}\nsteps: [{name: raw, stage: read, input: d}]\n'
    )
    out = subprocess.run(
        [sys.executable, "-m", "curate.cli", "run", str(project / "pipelines" / "p.yaml"), "--root",
         str(tmp_path / "store"), "--workers", "1"],
        capture_output=True, text=True, check=False, timeout=300, cwd=elsewhere,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    copy = project / "manifests" / "t" / "1.json"
    assert copy.is_file() and str(copy) in out.stderr
    assert list(elsewhere.iterdir()) == []
