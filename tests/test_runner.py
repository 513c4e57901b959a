"""The engine: shards, rejects, determinism across worker counts, skip and redo on rerun."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from foundation_helpers import read_then, standard_pipeline, tree_checksums, write_pipeline, write_songs

from curate.errors import CurateError
from curate.executors import LocalExecutor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline
from curate.schemas import load_schema


def run(pipeline: Path, root: Path, workers: int = 1, **kw: object):
    return run_pipeline(load_pipeline(pipeline), root, LocalExecutor(workers), manifests_dir=None, **kw)


def test_shards_rows_and_rejects(tmp_path: Path) -> None:
    result = run(standard_pipeline(tmp_path), tmp_path / "store")
    steps = {s["name"]: s for s in result.manifest["steps"]}
    assert steps["raw"]["shards"] == 3
    assert steps["raw"]["rows_in"] == 16 and steps["raw"]["rows_out"] == 15
    assert steps["raw"]["rejected"] == {"parse_error": 1}
    assert steps["long"]["rejected"] == {"filter": 6}  # durations 30 and 50 in each of 3 files
    assert steps["derived"]["rows_out"] == 9
    base = tmp_path / "store" / "t" / "1"
    rejects = pq.read_table(sorted((base / "rejects").glob("*.parquet")))
    load_schema("rejects").validate(rejects)
    assert sorted(set(rejects.column("reason").to_pylist())) == ["filter", "parse_error"]
    parse = [r for r in rejects.to_pylist() if r["reason"] == "parse_error"][0]
    assert parse["step"] == "raw" and "cut" in parse["row"] and "dump-0.jsonl@" in parse["row"]


def test_same_checksums_for_one_and_two_workers(tmp_path: Path) -> None:
    pipeline = standard_pipeline(tmp_path)
    run(pipeline, tmp_path / "one", workers=1)
    run(pipeline, tmp_path / "two", workers=2)
    one, two = tree_checksums(tmp_path / "one/t/1"), tree_checksums(tmp_path / "two/t/1")
    assert one and one == two


def test_rerun_skips_everything_and_config_change_redoes_only_downstream(tmp_path: Path) -> None:
    pipeline = standard_pipeline(tmp_path)
    first = run(pipeline, tmp_path / "s")
    assert first.tasks_run == 12 and first.tasks_skipped == 0
    again = run(pipeline, tmp_path / "s")
    assert again.tasks_run == 0 and again.tasks_skipped == 12
    text = pipeline.read_text().replace("duration >= 60", "duration >= 100")
    pipeline.write_text(text)
    changed = run(pipeline, tmp_path / "s")
    assert changed.tasks_skipped == 3  # the read step
    assert changed.tasks_run == 9


def test_input_change_redoes_only_that_shard(tmp_path: Path) -> None:
    pipeline = standard_pipeline(tmp_path)
    run(pipeline, tmp_path / "s")
    dump = tmp_path / "in" / "dump-2.jsonl"
    dump.write_text(dump.read_text().replace("song 2-4", "song 2-4 (live)"))
    result = run(pipeline, tmp_path / "s")
    assert result.tasks_run == 4 and result.tasks_skipped == 8


def test_fewer_shards_on_rerun_removes_stale_ones(tmp_path: Path) -> None:
    pipeline = standard_pipeline(tmp_path)
    run(pipeline, tmp_path / "s")
    (tmp_path / "in" / "dump-2.jsonl").unlink()
    result = run(pipeline, tmp_path / "s")
    base = tmp_path / "s" / "t" / "1"
    assert len(list((base / "raw").glob("part-*.parquet"))) == 2
    assert result.manifest["tables"]["derived"]["rows"] == 6


def test_big_jsonl_is_split_into_byte_ranges_without_losing_lines(tmp_path: Path) -> None:
    songs = write_songs(tmp_path / "in", files=1, per_file=400, broken=False)
    pipeline = write_pipeline(
        tmp_path / "p.yaml",
        inputs={"d": {"path": str(songs.relative_to(tmp_path))}},
        steps=[{"name": "raw", "stage": "read", "input": "d", "config": {"shard_bytes": 4096, "id_field": "id"}}],
    )
    result = run(pipeline, tmp_path / "s", workers=2)
    raw = result.manifest["tables"]["raw"]
    assert len(raw["shards"]) > 3
    ids = pq.read_table([tmp_path / "s/t/1" / s["path"] for s in raw["shards"]]).column("id").to_pylist()
    assert len(ids) == len(set(ids)) == 400


def test_stage_bug_fails_the_step_with_a_clear_error_and_is_recorded(tmp_path: Path) -> None:
    songs = write_songs(tmp_path / "in", files=2, broken=False)
    (songs / "dump-1.jsonl").write_text('{"id": "x", "title": "boom", "duration": 99}\n')
    pipeline = write_pipeline(
        tmp_path / "p.yaml",
        inputs={"d": {"path": "in"}},
        steps=[
            {"name": "raw", "stage": "read", "input": "d"},
            {"name": "checked", "stage": "plugins:Boom", "input": "raw"},
        ],
    )
    with pytest.raises(CurateError, match=r"step 'checked' failed on 1 of 2 shards.*planted bug"):
        run(pipeline, tmp_path / "s")
    failed = list((tmp_path / "s/t/1/_state/checked").glob("*.failed.json"))
    assert [p.name for p in failed] == ["00001.failed.json"]


def test_limit_caps_rows_per_source_shard(tmp_path: Path) -> None:
    result = run(standard_pipeline(tmp_path), tmp_path / "s", limit=2)
    raw = {s["name"]: s for s in result.manifest["steps"]}["raw"]
    assert raw["rows_in"] == 6  # 2 per file, the broken line counting as read


def test_global_stage_fans_out_with_parallel_map(tmp_path: Path) -> None:
    pipeline = read_then(tmp_path, {"name": "sums", "stage": "plugins:ChunkedSum", "input": "raw"})
    one = run(pipeline, tmp_path / "one", workers=1)
    two = run(pipeline, tmp_path / "two", workers=2)
    durations = [30 + 20 * i for i in range(7)] * 2
    assert one.manifest["tables"]["sums"]["rows"] == 5
    assert tree_checksums(tmp_path / "one/t/1") == tree_checksums(tmp_path / "two/t/1")
    sums = pq.read_table(tmp_path / "two/t/1/sums/part-00000.parquet").column("sum").to_pylist()
    assert sum(sums) == sum(d * d for d in durations)
    assert two.manifest["steps"][1]["kind"] == "global"


def test_code_version_covers_code_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from curate.stage import ShardStage

    package = tmp_path / "helperpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "rules.py").write_text("LIMIT = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    class Uses(ShardStage):
        name = "uses"
        code_paths = ("helperpkg",)

    before = Uses.code_version()
    (package / "rules.py").write_text("LIMIT = 2\n")
    assert Uses.code_version() != before


def test_shard_step_after_a_global_step_reads_every_output_shard(tmp_path: Path) -> None:
    pipeline = read_then(
        tmp_path,
        {"name": "first", "stage": "limit", "input": "raw", "config": {"n": 100, "shard_rows": 4}},
        {"name": "upper", "stage": "plugins:SlowUpper", "input": "first"},
    )
    result = run(pipeline, tmp_path / "s")
    assert len(result.manifest["tables"]["first"]["shards"]) == 4  # 14 rows in shards of 4
    steps = {s["name"]: s for s in result.manifest["steps"]}
    assert steps["upper"]["shards"] == 4 and steps["upper"]["rows_in"] == steps["upper"]["rows_out"] == 14


def test_global_stage_streams_lazy_rows_and_rejects_into_shards(tmp_path: Path) -> None:
    pipeline = read_then(tmp_path, {"name": "half", "stage": "plugins:LazyHalf", "input": "raw"})
    result = run(pipeline, tmp_path / "s")
    step = result.manifest["steps"][1]
    assert step["rows_in"] == 14 and step["rows_out"] == 6 and step["rejected"] == {"odd": 8}
    assert [s["rows"] for s in result.manifest["tables"]["half"]["shards"]] == [3, 3]
    rejects = pq.read_table(tmp_path / "s/t/1/rejects/half-00000.parquet").to_pylist()
    assert {r["reason"] for r in rejects} == {"odd"} and all('"duration"' in r["row"] for r in rejects)
    run(pipeline, tmp_path / "two", workers=2)
    assert tree_checksums(tmp_path / "s/t/1") == tree_checksums(tmp_path / "two/t/1")
