"""Exact keys: normalized text, ABC body, and the transposition-invariant ABC key."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from dedup_helpers import run_step

from curate.dedup.transpose import key_signature, transposition_key
from curate.executors.local import LocalExecutor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline

TUNE_G = "X:1\nT:The Kesh\nM:6/8\nL:1/8\nK:G\nGAG GAB|ABA ABd|edd gdd|edB dBA|GAG GAB|ABA ABd|edd gdB|AGF G3:|\n"
TUNE_A = (
    "X:7\nT:Kesh in A\nC:arr.\nM:6/8\nL:1/8\nK:A\nABA ABc|BcB Bce|fee aee|fec ecB|ABA ABc|BcB Bce|fee aec|BAG A3:|\n"
)
TUNE_G_RELAID = (
    "X:2\nT:Another title\n% a comment\nM:6/8\nL:1/8\nK:G\n"
    "GAG GAB | ABA ABd |\nedd gdd|edB dBA|GAG GAB|ABA ABd|edd gdB|AGF G3:|"
)
OTHER = "X:3\nT:Other\nM:6/8\nL:1/8\nK:G\nGBd gdB|AFD DFA|GBd gdB|c2A BGE|GBd gdB|AFD DFA|Bcd AFD|G3 G3:|\n"


def test_key_signatures() -> None:
    assert key_signature("G") == {"F": 1}
    assert key_signature("Ador") == {"F": 1} and key_signature("Am") == {}
    assert key_signature("Bb") == {"B": -1, "E": -1}
    assert key_signature("F#m") == {"F": 1, "C": 1, "G": 1}


def test_transposed_copy_has_same_key_and_other_tune_does_not() -> None:
    assert transposition_key(TUNE_G) == transposition_key(TUNE_A)
    assert transposition_key(TUNE_G) != transposition_key(OTHER)
    # with the key signature applied, F in G major is F#: a G-major F-natural tune is another melody
    assert transposition_key(TUNE_G) != transposition_key(TUNE_G.replace("AGF", "AG=F"))


def test_text_key_folds_case_width_and_space(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "text": "Ｈello   World\n"},
        {"id": "b", "text": "hello world"},
        {"id": "c", "text": "hello, world"},
    ]
    kept, rejects, _ = run_step(tmp_path, rows, "dedup_exact", {"columns": ["text"]})
    assert [r["id"] for r in kept] == ["a", "c"]
    assert [(r["row_id"], r["related_id"], r["reason"]) for r in rejects] == [("b", "a", "duplicate")]


def test_abc_body_and_transposed_keys(tmp_path: Path) -> None:
    rows = [
        {"id": "s1", "abc": TUNE_G},
        {"id": "s2", "abc": TUNE_G_RELAID},
        {"id": "s3", "abc": TUNE_A},
        {"id": "s4", "abc": OTHER},
    ]
    kept, rejects, _ = run_step(tmp_path, rows, "dedup_exact", {"columns": ["abc"], "key": "abc"}, name="body")
    assert [r["id"] for r in kept] == ["s1", "s3", "s4"] and rejects[0]["row_id"] == "s2"
    config = {"columns": ["abc"], "key": "abc_transposed", "keep": "longest"}
    kept, rejects, _ = run_step(tmp_path, rows, "dedup_exact", config, name="transposed")
    assert [r["id"] for r in kept] == ["s2", "s4"]  # s2 is the longest text of the three
    assert sorted((r["row_id"], r["related_id"]) for r in rejects) == [("s1", "s2"), ("s3", "s2")]


def test_rows_with_one_id_are_one_group_whatever_their_keys(tmp_path: Path) -> None:
    """Two copies of one video (same id, edited text) used to both count as kept."""
    folder = tmp_path / "same"
    folder.mkdir()
    rows = [{"n": 1, "vid": "v1", "text": "first upload", "views": 5},
            {"n": 2, "vid": "v1", "text": "first upload, edited", "views": 9},
            {"n": 3, "vid": "v2", "text": "other", "views": 1}]  # fmt: skip
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    doc = {"dataset": "t", "version": "1", "inputs": {"rows": {"path": "rows.jsonl"}},
           "steps": [{"name": "raw", "stage": "read", "input": "rows", "config": {"id_field": "n"}},
                     {"name": "ids", "stage": "select", "input": "raw",
                      "config": {"drop": ["id"], "rename": {"vid": "id"}}},
                     {"name": "out", "stage": "dedup_exact", "input": "ids",
                      "config": {"columns": ["text"], "keep": "most_views", "keep_column": "views"}}]}  # fmt: skip
    (folder / "p.yaml").write_text(json.dumps(doc))
    run_pipeline(load_pipeline(folder / "p.yaml"), folder / "store", LocalExecutor(1), manifests_dir=None)
    base = folder / "store" / "t" / "1"
    kept = pq.read_table(base / "out").to_pylist()
    rejects = pq.read_table(base / "rejects").to_pylist()
    assert [(r["id"], r["views"]) for r in kept] == [("v1", 9), ("v2", 1)]
    assert [(r["row_id"], r["related_id"], r["detail"]) for r in rejects] == [("v1", "v1", "same id")]
