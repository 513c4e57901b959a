"""Small corpora and a one-step pipeline runner for the dedup tests."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from curate.executors import LocalExecutor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline

_VOCAB = (
    "melody harmony rhythm tempo chord scale interval octave cadence motif phrase verse chorus bridge violin fiddle "
    "guitar piano flute drum bass voice choir band orchestra folk jig reel hornpipe waltz major minor dorian tonic "
    "dominant subdominant key signature meter bar beat accent swing ballad anthem lullaby march dance song tune "
    "composer singer player listener record album live studio"
)
WORDS = _VOCAB.split(" ")


def prose(rng: random.Random, words: int = 60) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def mutate(rng: random.Random, text: str, changes: int) -> str:
    tokens = text.split()
    for i in rng.sample(range(len(tokens)), changes):
        tokens[i] = rng.choice(["alpha", "beta", "gamma", "delta", "omega"]) + str(rng.randrange(1000))
    return " ".join(tokens)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def run_step(tmp: Path, rows: list[dict[str, Any]], stage: str, config: dict[str, Any], name: str = "run", **kw: Any):
    """Run read -> <stage> over rows; return (kept rows, rejects rows, manifest step entry)."""
    folder = tmp / name
    folder.mkdir(parents=True, exist_ok=True)
    write_jsonl(folder / "rows.jsonl", rows)
    doc = {
        "dataset": "t",
        "version": kw.get("version", "1"),
        "inputs": {"rows": {"path": "rows.jsonl"}},
        "steps": [
            {"name": "raw", "stage": "read", "input": "rows", "config": {"format": "jsonl"}},
            {"name": "out", "stage": stage, "input": "raw", "config": config},
        ],
    }
    (folder / "p.yaml").write_text(yaml.safe_dump(doc))
    root = kw.get("root", folder / "store")
    result = run_pipeline(
        load_pipeline(folder / "p.yaml"), root, LocalExecutor(kw.get("workers", 1)), manifests_dir=None
    )
    base = root / "t" / doc["version"]
    kept = pq.read_table(sorted((base / "out").glob("part-*.parquet"))).to_pylist()
    reject_files = sorted((base / "rejects").glob("out-*.parquet"))
    rejects = pq.read_table(reject_files).to_pylist() if reject_files else []
    step = next(s for s in result.manifest["steps"] if s["name"] == "out")
    return kept, rejects, step
