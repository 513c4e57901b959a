"""ytdlp_dump reads every dump format (compressed or not) into songs; bad lines become rejects."""

from __future__ import annotations

import gzip
import json
import lzma
from pathlib import Path

import polars as pl

from curate.executors.local import LocalExecutor
from curate.pipeline import load_pipeline
from curate.resources import samples_dir
from curate.runner import run_pipeline

SAMPLE = samples_dir() / "songs.jsonl"


def _videos(n: int) -> list[dict]:
    out = []
    for line in SAMPLE.read_text(encoding="utf-8").splitlines():
        try:
            info = json.loads(line)
        except json.JSONDecodeError:
            continue
        if info.get("_type") == "video" and isinstance(info.get("view_count"), int) and "id" in info:
            out.append(info)
        if len(out) == n:
            return out
    raise AssertionError("sample has too few videos")


def _run(tmp: Path, path: str, **config: object) -> tuple[pl.DataFrame, pl.DataFrame]:
    doc = {"dataset": "t", "version": "1", "inputs": {"d": {"path": path}},
           "steps": [{"name": "songs", "stage": "ytdlp_dump", "input": "d", "config": config}]}  # fmt: skip
    (tmp / "p.yaml").write_text(json.dumps(doc))
    run_pipeline(load_pipeline(tmp / "p.yaml"), tmp / "store", LocalExecutor(1), manifests_dir=tmp / "m")
    base = tmp / "store" / "t" / "1"
    rejects = list((base / "rejects").glob("*.parquet"))
    return pl.read_parquet(base / "songs"), (pl.read_parquet(rejects) if rejects else pl.DataFrame())


def test_jsonl_plain_gz_xz_and_info_json_dir_and_playlist_json(tmp_path: Path) -> None:
    videos = _videos(12)
    d = tmp_path / "in"
    d.mkdir()
    lines = "\n".join(json.dumps(v, ensure_ascii=False) for v in videos[:3]) + "\n"
    (d / "a.jsonl").write_text(lines, encoding="utf-8")
    (d / "b.jsonl.gz").write_bytes(gzip.compress(lines.replace(videos[0]["id"], "gzipped0001").encode()))
    (d / "c.jsonl.xz").write_bytes(lzma.compress(json.dumps(videos[3], ensure_ascii=False).encode()))
    info_dir = d / "infos"
    info_dir.mkdir()
    for v in videos[4:6]:
        (info_dir / f"{v['id']}.info.json").write_text(json.dumps(v, ensure_ascii=False), encoding="utf-8")
    tabs = [{"_type": "playlist", "id": "v", "entries": videos[6:9]}, {"_type": "playlist", "entries": videos[9:10]}]
    channel = {"_type": "playlist", "id": "UCx", "entries": tabs}
    (d / "channel.json").write_text(json.dumps(channel, ensure_ascii=False), encoding="utf-8")
    (d / "array.json").write_text(json.dumps(videos[10:12], ensure_ascii=False), encoding="utf-8")
    songs, rejects = _run(tmp_path, "in")
    # b.jsonl.gz repeats two videos of a.jsonl: one id, one row; the copies are rejected naming the first
    assert rejects["reason"].to_list() == ["duplicate_id"] * 2
    assert set(rejects["related_id"]) == {f"youtube:{v['id']}" for v in videos[1:3]}
    assert songs.height == 3 + 1 + 1 + 2 + 4 + 2
    assert "youtube:gzipped0001" in songs["id"].to_list()
    assert set(songs.filter(pl.col("source").str.starts_with("channel.json"))["source"]) == {
        "channel.json#0#0", "channel.json#0#1", "channel.json#0#2", "channel.json#1#0"}  # fmt: skip


def test_big_jsonl_is_split_into_byte_ranges_without_losing_lines(tmp_path: Path) -> None:
    for name in ("whole", "split"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "big.jsonl").write_bytes(SAMPLE.read_bytes())
    one, rejects_one = _run(tmp_path / "whole", "big.jsonl")
    split, rejects_split = _run(tmp_path / "split", "big.jsonl", shard_bytes=20_000)
    assert len(list((tmp_path / "split" / "store" / "t" / "1" / "songs").glob("*.parquet"))) > 5
    assert sorted(one["id"].to_list()) == sorted(split["id"].to_list())
    assert rejects_one.height == rejects_split.height == 5


def test_sample_dump_rejects_broken_lines_with_reasons(tmp_path: Path) -> None:
    songs, rejects = _run(tmp_path, str(SAMPLE))
    assert songs.height >= 150
    assert sorted(rejects["reason"].to_list()) == ["bad_type", "missing_field", "not_a_video", "parse_error",
                                                   "parse_error"]  # fmt: skip
    assert all(row.startswith("{") for row in rejects["row"])  # the raw record is kept for audit
    assert songs["id"].n_unique() == songs.height
    assert {"Provided to YouTube by" in (d or "") for d in songs["description"]} == {True, False}
    assert songs.filter(pl.col("music_evidence") == "auto_generated")["artists"].list.len().min() >= 1


def test_corrupt_whole_json_document_is_one_reject(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"_type": "playlist", "entries": [', encoding="utf-8")
    songs, rejects = _run(tmp_path, "bad.json")
    assert songs.height == 0 and rejects["reason"].to_list() == ["parse_error"]


def test_sample_generator_is_reproducible() -> None:
    import runpy

    module = runpy.run_path(str(samples_dir() / "make_songs.py"))
    assert "\n".join(module["build"]()) + "\n" == SAMPLE.read_text(encoding="utf-8")
