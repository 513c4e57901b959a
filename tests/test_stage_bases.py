"""The base classes' recipes, each once: a source's batching and --limit, a filter's rejects and
counts, and the one exception that turns a record into a reject."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyarrow.parquet as pq
from foundation_helpers import read_then, write_pipeline

from curate.executors import LocalExecutor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline
from curate.stage import Reject, RejectRow


def run(pipeline: Path, root: Path, **kw: object) -> dict:
    result = run_pipeline(load_pipeline(pipeline), root, LocalExecutor(1), manifests_dir=None, **kw)
    return {s["name"]: s for s in result.manifest["steps"]}


def counting(tmp: Path, n: int) -> Path:
    (tmp / "in").mkdir(parents=True)
    for name in ("a.txt", "b.txt"):
        (tmp / "in" / name).write_text(name)
    step = {"name": "nums", "stage": "plugins:Counting", "input": "files", "config": {"n": n, "batch_rows": 4}}
    return write_pipeline(tmp / "p.yaml", inputs={"files": {"path": "in"}}, steps=[step])


def test_source_records_are_cut_into_batches_and_limited(tmp_path: Path) -> None:
    step = run(counting(tmp_path, 10), tmp_path / "store")["nums"]
    # two files of 10 records: batches of 4, 4 and 2 each; every third record a reject
    assert step["counters"] == {"batch_of_2": 2, "batch_of_4": 4}
    assert step["rows_in"] == 20 and step["rows_out"] == 14 and step["rejected"] == {"third": 6}
    limited = run(counting(tmp_path / "l", 10), tmp_path / "limited", limit=5)["nums"]
    assert limited["counters"] == {"batch_of_1": 2, "batch_of_4": 2}  # the first 5 records of each file
    assert limited["rows_in"] == 10 and limited["rows_out"] == 8 and limited["rejected"] == {"third": 2}


def test_filter_stage_writes_rejects_or_only_counts_them(tmp_path: Path) -> None:
    kept = read_then(tmp_path / "a", {"name": "even", "stage": "plugins:OddOut", "input": "raw"})
    step = run(kept, tmp_path / "a" / "store")["even"]
    assert step["rows_in"] == 14 and step["rows_out"] == 8 and step["rejected"] == {"odd": 6}  # views: i * 100
    table = pq.read_table(tmp_path / "a" / "store" / "t" / "1" / "even")
    assert set(table.column("checked").to_pylist()) == {True} and set(table.column("views").to_pylist()) == {
        0,
        200,
        400,
        600,
    }
    path = tmp_path / "b"
    pipeline = read_then(
        path,
        {"name": "views", "stage": "filter", "input": "raw", "config": {"expr": "views % 200 = 0", "reason": "odd"}},
        {"name": "quiet", "stage": "filter", "input": "raw",
         "config": {"expr": "views % 200 = 0", "reason": "odd", "keep_rejects": False}},
    )  # fmt: skip
    steps = run(pipeline, path / "store")
    assert steps["views"]["rejected"] == steps["quiet"]["rejected"] == {"odd": 6}
    assert steps["quiet"]["rows_in"] == steps["quiet"]["rows_out"] + 6  # counted though not written
    rejects = pq.read_table(sorted((path / "store" / "t" / "1" / "rejects").glob("*.parquet"))).to_pylist()
    assert {r["step"] for r in rejects} == {"views"} and len(rejects) == 6
    assert all(r["detail"] == "views % 200 = 0" for r in rejects)


def test_reject_row_carries_reason_and_detail_across_processes() -> None:
    err = pickle.loads(pickle.dumps(RejectRow("too_short", "3 bars < 4")))
    assert (err.reason, err.detail, str(err)) == ("too_short", "3 bars < 4", "too_short: 3 bars < 4")
    assert err.reject({"id": "x"}, related_id="y") == Reject({"id": "x"}, "too_short", "3 bars < 4", "y")
    assert str(RejectRow("no_meter")) == "no_meter"
