"""Pipeline files: every mistake gives one clear error naming file, key and reason, before any work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from foundation_helpers import write_songs

from curate.errors import ConfigError
from curate.pipeline import load_pipeline


def _write(tmp: Path, doc: dict | str) -> Path:
    write_songs(tmp / "in", files=1, broken=False)
    path = tmp / "p.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


def _doc(**steps_override: object) -> dict:
    step = {"name": "raw", "stage": "read", "input": "d", **steps_override}
    return {"dataset": "t", "version": "1", "inputs": {"d": {"path": "in"}}, "steps": [step]}


@pytest.mark.parametrize(
    ("mutate", "key", "reason"),
    [
        (lambda d: d.update(colour="red"), "colour", "unknown key"),
        (lambda d: d.pop("version"), "version", "required key is missing"),
        (lambda d: d["steps"][0].update(stage="nope"), "steps[0].stage", "unknown stage 'nope'"),
        (lambda d: d["steps"][0]["config"].update(shard_bytes="big"), "steps[0].config.shard_bytes", "integer"),
        (lambda d: d["steps"][0]["config"].update(speed=3), "steps[0].config.speed", "unknown key"),
        (lambda d: d["inputs"]["d"].update(path="missing/*.jsonl"), "inputs.d.path", "no file matches"),
        (lambda d: d["steps"][0].update(input="elsewhere"), "steps[0].input", "one name from `inputs`"),
        (
            lambda d: d["steps"].append({"name": "f", "stage": "filter", "input": "raw", "config": {"expr": "a >"}}),
            "steps[1].config.expr",
            "not a valid SQL expression",
        ),
        (
            lambda d: d["steps"].append({"name": "f", "stage": "filter", "input": "later", "config": {"expr": "a"}}),
            "steps[1].input",
            "'later' is not an earlier step",
        ),
        (lambda d: d["steps"].append(dict(d["steps"][0])), "steps[1].name", "already used"),
        (
            lambda d: (
                d["steps"][0]["config"].update(schema_name="scores"),
                d["steps"].append({"name": "f", "stage": "song_filter", "input": "raw"}),
            ),
            "steps[1].input",
            "reads a 'songs' table, but 'raw' is a 'scores' table",
        ),
        (  # a stage that accepts any table names the columns it needs: checked against the producer's schema
            lambda d: (
                d["steps"][0]["config"].update(schema_name="songs"),
                d["steps"].append(
                    {
                        "name": "u",
                        "stage": "dedup_exact",
                        "input": "raw",
                        "config": {"columns": ["title", "lyrics_text"]},
                    }
                ),
            ),
            "steps[1].config",
            "'raw' (a 'songs' table) has no column(s) ['lyrics_text']",
        ),
        (  # abc_column names the column holding ABC text (and the id column): a typo fails at load
            lambda d: (
                d["steps"][0]["config"].update(schema_name="songs"),
                d["steps"].append({"name": "s", "stage": "abc_column", "input": "raw", "config": {"column": "tune"}}),
            ),
            "steps[1].config",
            "'raw' (a 'songs' table) has no column(s) ['tune']",
        ),
        (  # the columns a filter's SQL expression reads
            lambda d: (
                d["steps"][0]["config"].update(schema_name="songs"),
                d["steps"].append({"name": "f", "stage": "filter", "input": "raw", "config": {"expr": "plays > 3"}}),
            ),
            "steps[1].config",
            "'raw' (a 'songs' table) has no column(s) ['plays']",
        ),
        (
            lambda d: (
                d["steps"][0]["config"].update(schema_name="songs"),
                d["steps"].append({"name": "s", "stage": "select", "input": "raw", "config": {"drop": ["lyrics"]}}),
            ),
            "steps[1].config",
            "'raw' (a 'songs' table) has no column(s) ['lyrics']",
        ),
    ],
)
def test_config_errors_name_file_key_and_reason(tmp_path: Path, mutate, key: str, reason: str) -> None:
    doc = _doc(config={})
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(ConfigError) as info:
        load_pipeline(path)
    err = info.value
    assert err.file == str(path) and err.key == key and reason in err.reason, str(err)


def test_bad_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="pipeline file not found"):
        load_pipeline(tmp_path / "none.yaml")
    path = _write(tmp_path, "dataset: t\nsteps: [unclosed\n")
    with pytest.raises(ConfigError, match=r"line \d+: not valid YAML"):
        load_pipeline(path)


def test_cli_prints_one_sentence_without_traceback(tmp_path: Path) -> None:
    doc = _doc(config={"shard_bytes": "big"})
    path = _write(tmp_path, doc)
    out = subprocess.run(
        [sys.executable, "-m", "curate.cli", "run", str(path), "--root", str(tmp_path / "s")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "steps[0].config.shard_bytes" in lines[0]
    assert not (tmp_path / "s").exists()  # nothing started


def test_demo_pipeline_is_valid() -> None:
    pipeline = load_pipeline(Path(__file__).parents[1] / "pipelines" / "demo.yaml")
    assert pipeline.spec.dataset == "demo" and pipeline.steps


def test_unknown_store_protocol_is_one_sentence(tmp_path: Path) -> None:
    doc = _doc(config={})
    path = _write(tmp_path, doc)
    out = subprocess.run(
        [sys.executable, "-m", "curate.cli", "run", str(path), "--root", "nosuchfs://bucket/store"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "error: cannot open store nosuchfs://bucket/store" in out.stderr
