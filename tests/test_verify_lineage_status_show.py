"""verify, lineage, status and show over a finished run (through the real CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from foundation_helpers import standard_pipeline

from curate.cli import main
from curate.hashing import stable_id


def _run(tmp: Path) -> Path:
    pipeline = standard_pipeline(tmp)
    root = tmp / "store"
    result = CliRunner().invoke(main, ["run", str(pipeline), "--root", str(root), "--workers", "1",
                                       "--manifests", str(tmp / "manifests")])  # fmt: skip
    assert result.exit_code == 0, result.output
    return root


def test_verify_catches_a_flipped_byte(tmp_path: Path) -> None:
    root = _run(tmp_path)
    manifest = root / "t" / "1" / "manifest.json"
    ok = CliRunner().invoke(main, ["verify", str(manifest)])
    assert ok.exit_code == 0 and "ok" in ok.output
    committed = tmp_path / "manifests" / "t" / "1.json"
    assert CliRunner().invoke(main, ["verify", str(committed), "--root", str(root)]).exit_code == 0

    shard = root / "t" / "1" / "upper" / "part-00001.parquet"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0x01
    shard.write_bytes(bytes(data))
    bad = CliRunner().invoke(main, ["verify", str(manifest)])
    assert bad.exit_code == 1
    assert "sha256 mismatch: upper/part-00001.parquet" in bad.output
    assert bad.output.count("mismatch") == 1


def test_lineage_walks_two_stages_back_to_the_source(tmp_path: Path) -> None:
    root = _run(tmp_path)
    derived_id = stable_id("derived", "yt:v1_3")
    result = CliRunner().invoke(main, ["lineage", derived_id, "--root", str(root), "--json"])
    assert result.exit_code == 0, result.output
    (node,) = json.loads(result.output)
    assert node["table"] == "derived" and node["row"]["parent_id"] == "yt:v1_3"
    assert node["step"]["stage"] == "plugins:Derive"
    chain = [p["table"] for p in node["parents"]]
    assert chain == ["raw", "long", "upper"]  # made by read, kept by filter, rewritten by SlowUpper
    assert node["parents"][0]["row"]["source"].startswith("dump-1.jsonl@")
    assert node["parents"][2]["row"]["title"] == "SONG 1-3"
    assert node["parents"][1]["step"]["config"]["expr"] == "duration >= 60"
    text = CliRunner().invoke(main, ["lineage", derived_id, "--root", str(root)])
    assert "stage plugins:Derive" in text.output and "duration >= 60" in text.output


def test_lineage_explains_a_rejected_row(tmp_path: Path) -> None:
    root = _run(tmp_path)
    result = CliRunner().invoke(main, ["lineage", "yt:v0_0", "--root", str(root), "--json"])
    nodes = json.loads(result.output)
    assert [n["table"] for n in nodes] == ["raw"]
    assert nodes[-1]["rejected"][0]["reason"] == "filter"


def test_unknown_row_and_status_and_show(tmp_path: Path) -> None:
    root = _run(tmp_path)
    missing = CliRunner().invoke(main, ["lineage", "yt:nope", "--root", str(root)])
    assert missing.exit_code == 2 and "no row with id 'yt:nope'" in missing.output
    status = CliRunner().invoke(main, ["status", "--root", str(root), "--json"])
    (version,) = json.loads(status.output)
    assert version["status"] == "done"
    assert {s["step"]: (s["done"], s["tasks"]) for s in version["steps"]}["raw"] == (3, 3)
    show = CliRunner().invoke(main, ["show", "t", "--root", str(root)])
    assert show.exit_code == 0 and "derived (9 rows" in show.output and "parent_id" in show.output
