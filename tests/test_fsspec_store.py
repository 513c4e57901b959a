"""The store and inputs through fsspec: memory:// and file:// URLs give the same bytes as a folder."""

from __future__ import annotations

import json
from pathlib import Path

import fsspec
import pyarrow.parquet as pq
import pytest
from foundation_helpers import read_then, standard_pipeline, tree_checksums, write_pipeline

from curate.errors import CurateError
from curate.executors import LocalExecutor
from curate.hashing import stable_id
from curate.lineage import LineageIndex
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline
from curate.store import Store
from curate.versions import verify


def _memory_checksums(store: Store) -> dict[str, str]:
    return {store.relative(p): store.sha256(p) for p in store.glob("**/*.parquet")}


def test_memory_store_matches_local_folder(tmp_path: Path) -> None:
    pipeline = load_pipeline(standard_pipeline(tmp_path))
    run_pipeline(pipeline, tmp_path / "local", LocalExecutor(1))
    root = "memory://curate-test-store"
    result = run_pipeline(pipeline, root, LocalExecutor(1))
    assert result.tasks_run == 12
    assert _memory_checksums(Store(root, "t", "1")) == tree_checksums(tmp_path / "local/t/1")
    assert verify(f"{root}/t/1/manifest.json") == []
    store = Store(root, "t", "1")
    assert store.url(store.manifest_path).startswith("memory://")  # what `curate run` prints: verify takes it
    assert verify(store.url(store.manifest_path)) == []
    again = run_pipeline(pipeline, root, LocalExecutor(1))
    assert again.tasks_run == 0  # completion records are read back from the fsspec store
    node = LineageIndex(root).walk(stable_id("derived", "yt:v1_3"))[0]
    assert [p.table for p in node.parents] == ["raw", "long", "upper"]


def test_memory_store_refuses_several_processes(tmp_path: Path) -> None:
    pipeline = load_pipeline(standard_pipeline(tmp_path))
    with pytest.raises(CurateError, match="--workers 1"):
        run_pipeline(pipeline, "memory://other", LocalExecutor(2))


def test_file_url_store_with_two_workers(tmp_path: Path) -> None:
    pipeline = load_pipeline(standard_pipeline(tmp_path))
    run_pipeline(pipeline, tmp_path / "local", LocalExecutor(1))
    run_pipeline(pipeline, f"file://{tmp_path}/url", LocalExecutor(2))
    assert tree_checksums(tmp_path / "url/t/1") == tree_checksums(tmp_path / "local/t/1")


def test_inputs_from_an_fsspec_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CURATE_INPUT_CACHE", str(tmp_path / "cache"))
    fs = fsspec.filesystem("memory")
    fs.pipe("/remote-in/a.jsonl", b'{"id": "1", "title": "x"}\n{"id": "2", "title": "y"}\n')
    fs.pipe("/remote-in/b.jsonl", b'{"id": "3", "title": "z"}\n')
    path = write_pipeline(
        tmp_path / "p.yaml",
        inputs={"d": {"path": "memory://remote-in/*.jsonl"}},
        steps=[{"name": "raw", "stage": "read", "input": "d", "config": {"id_field": "id"}}],
    )
    pipeline = load_pipeline(path)
    result = run_pipeline(pipeline, tmp_path / "s", LocalExecutor(2))
    assert result.manifest["tables"]["raw"]["rows"] == 3
    assert sorted(i["path"] for i in result.manifest["inputs"]) == [
        "memory://remote-in/a.jsonl",
        "memory://remote-in/b.jsonl",
    ]


def test_a_stage_is_handed_nothing_that_reaches_the_store(tmp_path: Path) -> None:
    pipeline = read_then(tmp_path, {"name": "seen", "stage": "plugins:Snoop", "input": "raw"})
    root = tmp_path / "store"
    run_pipeline(load_pipeline(pipeline), root, LocalExecutor(1))
    table = pq.read_table(root / "t" / "1" / "seen", columns=["seen", "paths"])
    seen = set(table.column("seen").to_pylist())
    assert len(seen) == 2  # one per shard: each task has its own scratch folder
    assert all(str(root / "t") not in text and "Store(" not in text for text in seen)
    store = root.resolve()
    for handed in map(json.loads, set(table.column("paths").to_pylist())):
        assert {"cache_dir", "pipeline_dir", "scratch"} <= handed.keys()
        for name, value in handed.items():
            if Path(value).is_absolute():  # every path field: not the store root, nor anything below it
                where = Path(value).resolve()
                assert where != store and store not in where.parents, f"{name}={value} is inside the store"


def test_incremental_dedup_reads_the_published_version_on_a_memory_root(tmp_path: Path) -> None:
    rows = [{"id": f"s{i}", "title": f"tune {i % 4}"} for i in range(8)]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[:4]))
    (tmp_path / "in" / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows[4:]))

    def version(name: str, files: str, against: str | None) -> Path:
        config = {"columns": ["title"], **({"against_version": against} if against else {})}
        steps = [{"name": "raw", "stage": "read", "input": "d", "config": {"id_field": "id"}},
                 {"name": "uniq", "stage": "dedup_exact", "input": "raw", "config": config}]  # fmt: skip
        return write_pipeline(tmp_path / f"{name}.yaml", inputs={"d": {"path": files}}, steps=steps, version=name)

    for root in (tmp_path / "local", "memory://incremental"):
        run_pipeline(load_pipeline(version("1", "in/a.jsonl", None)), root, LocalExecutor(1))
        result = run_pipeline(load_pipeline(version("2", "in/b.jsonl", "1")), root, LocalExecutor(1))
        step = next(s for s in result.manifest["steps"] if s["name"] == "uniq")
        assert step["rows_out"] == 0 and step["rejected"] == {"duplicate": 4}  # every title was published in 1
    local = tree_checksums(tmp_path / "local" / "t" / "2")
    assert _memory_checksums(Store("memory://incremental", "t", "2")) == local
