"""The export folder: `datasets` loads every config and split with the card's features; the card's
statistics are the data's; shards follow the size target; Croissant validates; diff between versions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import datasets
import polars as pl
import pytest
import yaml
from click.testing import CliRunner
from support.release_store import build_store

from curate.cli import main
from curate.release.croissant import validate_croissant
from curate.release.export import build_release
from curate.release.stats import TOKEN_PATTERN


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("export-store"))


@pytest.fixture(scope="module")
def folder(store: Path) -> Path:
    return build_release(store)


def _card(folder: Path) -> tuple[dict, str]:
    text = (folder / "README.md").read_text()
    match = re.match(r"^---\n(.*?)\n---\n(.*)$", text, flags=re.S)
    assert match
    return yaml.safe_load(match.group(1)), match.group(2)


def test_datasets_loads_every_config_and_split_with_the_card_features(store: Path, folder: Path) -> None:
    header, _ = _card(folder)
    assert [c["config_name"] for c in header["configs"]] == ["pretrain", "sft", "chat"]
    for info in header["dataset_info"]:
        name = info["config_name"]
        loaded = datasets.load_dataset(str(folder), name)
        expected = datasets.Features._from_yaml_list(info["features"])
        assert sorted(loaded) == sorted(s["name"] for s in info["splits"]) == ["eval", "train"]
        source = pl.read_parquet(store / f"release_{name}" / "*.parquet")
        for split in info["splits"]:
            part = loaded[split["name"]]
            assert part.features == expected
            assert part.num_rows == split["num_examples"] == source.filter(pl.col("split") == split["name"]).height
        # rows round-trip unchanged (order and content), without the split column
        train = source.filter(pl.col("split") == "train").drop("split")
        assert loaded["train"].to_polars().equals(train)


def test_card_statistics_are_computed_from_the_rows(store: Path, folder: Path) -> None:
    _, body = _card(folder)
    sft = pl.read_parquet(store / "release_sft" / "*.parquet")
    for split in ("train", "eval"):
        part = sft.filter(pl.col("split") == split)
        tokens = sum(len(re.findall(TOKEN_PATTERN, f"{r[0]} {r[1]} {r[2]}")) for r in part.iter_rows())
        assert f"| sft | {split} | {part.height} | {tokens} |" in body
    assert "| pretrain | train | bach_like |" in body
    assert "template-v1" in body and "summary_v1" in body  # models and prompts from the rows
    assert "CC-BY-SA-4.0" in body  # license notes per source
    assert "curate lineage" in body


def test_plots_are_pngs_and_croissant_validates(folder: Path) -> None:
    pngs = sorted((folder / "plots").glob("*.png"))
    assert {p.name for p in pngs} >= {"rows_per_source.png", "lengths.png", "keys.png", "meters.png"}
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert validate_croissant(folder / "croissant.json") == []
    doc = json.loads((folder / "croissant.json").read_text())
    assert {r["name"] for r in doc["recordSet"]} == {f"{c}_{s}" for c in ("pretrain", "sft", "chat")
                                                      for s in ("train", "eval")}  # fmt: skip


def test_shards_follow_row_and_byte_targets(store: Path, tmp_path: Path) -> None:
    by_rows = build_release(store, tmp_path / "rows", shard_rows=10)
    n_train = pl.read_parquet(store / "release_sft" / "*.parquet").filter(pl.col("split") == "train").height
    files = sorted((by_rows / "data" / "sft").glob("train-*.parquet"))
    assert len(files) == -(-n_train // 10)
    assert files[-1].name.endswith(f"-of-{len(files):05d}.parquet")
    assert datasets.load_dataset(str(by_rows), "sft", split="train").num_rows == n_train
    by_bytes = build_release(store, tmp_path / "bytes", shard_bytes=4000)
    sizes = [pl.read_parquet(f).to_arrow().nbytes for f in (by_bytes / "data" / "sft").glob("train-*.parquet")]
    assert len(sizes) > 1 and max(sizes) < 4000 * 1.5


def test_export_is_deterministic(store: Path, folder: Path, tmp_path: Path) -> None:
    again = build_release(store, tmp_path / "again")
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        assert (again / path.relative_to(folder)).read_bytes() == path.read_bytes(), path


def test_diff_counts_added_removed_and_changed_rows(store: Path, tmp_path: Path) -> None:
    root = store.parent.parent
    work = tmp_path / "work"
    base2 = build_store(root, work, {'version: "1"': 'version: "2"'})
    qa = (work / "qa_pairs.jsonl").read_text().splitlines()
    summaries = (work / "summaries.jsonl").read_text().splitlines()
    changed = json.loads(summaries[0])
    changed["summary"] = "A different summary."
    (work / "qa_pairs.jsonl").write_text("\n".join(qa[1:]) + "\n")
    (work / "summaries.jsonl").write_text("\n".join([json.dumps(changed), *summaries[1:]]) + "\n")
    build_store(root, work, {'version: "2"': 'version: "3"'})
    assert base2.name == "2"
    result = CliRunner().invoke(main, ["diff", "release_fixture/2", "release_fixture/3", "--root", str(root), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    by = {(r["table"], r["source"]): r for r in rows}
    assert by[("qa_pairs", "-")]["removed"] == 1 and by[("qa_pairs", "-")]["added"] == 0
    assert by[("summaries", "-")]["changed"] == 1
    sft_qa = by[("release_sft", "music_qa")]
    assert sft_qa["removed"] == 1 and sft_qa["changed"] == 0
    assert by[("release_sft", "youtube_summaries")]["changed"] == 1
    assert ("songs", "*") not in by  # unchanged tables are left out unless --all
