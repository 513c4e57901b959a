"""MinHash signatures equal datasketch's; LSH finds planted near-duplicates and keeps distinct texts."""

from __future__ import annotations

import random
from pathlib import Path

import music21
import numpy as np
import polars as pl
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH
from dedup_helpers import mutate, prose, run_step

from curate.dedup import normalize
from curate.dedup.near import MinHashParams, compute, find_pairs, signature_shard
from curate.dedup.shingle_hash import char_shingle_hash, word_shingle_hash
from curate.dedup.shingles import python_shingles
from curate.parallel import parallel_map
from curate.stage import StageContext


def _abc_tunes(limit: int) -> list[str]:
    path = next(p for p in music21.corpus.getPaths(fileExtensions=["abc"]) if "oneills" in str(p).lower())
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    return ["X:" + t for t in text.split("\nX:")[1:]][:limit]


@pytest.mark.parametrize(
    ("kind", "n", "seed", "num_perm"), [("text", 5, 1, 128), ("text", 3, 42, 64), ("abc", 7, 1, 128)]
)
def test_signatures_equal_datasketch(kind: str, n: int, seed: int, num_perm: int) -> None:
    rng = random.Random(seed)
    docs = _abc_tunes(30) if kind == "abc" else [prose(rng, rng.randrange(1, 40)) for _ in range(30)]
    docs += ["", "Ünïcödé ﬁligree  TEXT,   with\tspaces!", "two words"]
    params = MinHashParams(kind=kind, ngram=n, num_perm=num_perm, seed=seed)  # type: ignore[arg-type]
    _, _, sigs = compute(params, pl.Series(docs))
    hashfunc = word_shingle_hash if kind == "text" else char_shingle_hash
    lsh = MinHashLSH(threshold=0.8, num_perm=num_perm)
    for i, doc in enumerate(normalize.apply(docs, kind)):  # type: ignore[arg-type]
        reference = MinHash(num_perm=num_perm, seed=seed, hashfunc=hashfunc)
        reference.update_batch(python_shingles(doc, kind, n))  # type: ignore[arg-type]
        assert np.array_equal(reference.hashvalues, sigs[i]), f"doc {i} differs"
        lean = LeanMinHash(seed=seed, hashvalues=sigs[i], scheme="affine32")
        assert lean.jaccard(LeanMinHash(reference)) == 1.0
        lsh.insert(str(i), lean)
    assert "0" in lsh.query(LeanMinHash(seed=seed, hashvalues=sigs[0], scheme="affine32"))


def _corpus(seed: int = 7) -> tuple[list[dict], set[tuple[str, str]], set[tuple[str, str]]]:
    rng = random.Random(seed)
    rows, near, far = [], set(), set()
    for i in range(300):
        rows.append({"id": f"doc-{i:04d}", "text": prose(rng, 80)})
    for i in range(0, 60, 3):  # one changed word in 80: Jaccard of 5-grams about 0.88
        rows.append({"id": f"near-{i:04d}", "text": mutate(rng, rows[i]["text"], 1)})
        near.add((f"doc-{i:04d}", f"near-{i:04d}"))
    for i in range(100, 120):  # a third of the words changed: related, not duplicates
        rows.append({"id": f"far-{i:04d}", "text": mutate(rng, rows[i]["text"], 25)})
        far.add((f"doc-{i:04d}", f"far-{i:04d}"))
    return rows, near, far


def test_planted_pairs_found_distinct_texts_kept(tmp_path: Path) -> None:
    rows, near, far = _corpus()
    kept, rejects, step = run_step(tmp_path, rows, "dedup_minhash", {"columns": ["text"]})
    dropped = {(r["related_id"], r["row_id"]) for r in rejects}
    assert dropped == near
    assert all(r["reason"] == "duplicate" and r["cluster_id"].startswith("cluster:") for r in rejects)
    kept_ids = {r["id"] for r in kept}
    assert {b for _, b in far} <= kept_ids and len(kept) == len(rows) - len(near)
    assert step["rejected"] == {"duplicate": len(near)}


@pytest.mark.parametrize("keep", ["longest", "smallest_id"])
def test_same_output_for_workers_and_shuffled_input(tmp_path: Path, keep: str) -> None:
    rows, near, _ = _corpus(seed=11)
    config = {"columns": ["text"], "batch_rows": 70, "keep": keep, "parallel_min_rows": 0}
    outcomes = []
    for name, data, workers in [
        ("one", rows, 1),
        ("two", rows, 2),
        ("shuffled", random.Random(3).sample(rows, len(rows)), 1),
    ]:
        kept, rejects, _ = run_step(tmp_path, data, "dedup_minhash", config, name=name, workers=workers)
        reject_view = sorted((r["row_id"], r["related_id"], r["cluster_id"]) for r in rejects)
        outcomes.append((sorted(r["id"] for r in kept), reject_view))  # same rows kept; order follows input
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert len(outcomes[0][1]) == len(near)


def test_incremental_checks_new_rows_against_published(tmp_path: Path) -> None:
    rows, near, _ = _corpus(seed=5)
    originals = [r for r in rows if r["id"].startswith("doc-")]
    newcomers = [r for r in rows if not r["id"].startswith("doc-")] + [
        {"id": "new-1", "text": prose(random.Random(1), 80)}
    ]
    root = tmp_path / "store"
    run_step(tmp_path, originals, "dedup_minhash", {"columns": ["text"]}, name="v1", root=root, version="1")
    config = {"columns": ["text"], "against_version": "1"}
    kept, rejects, _ = run_step(tmp_path, newcomers, "dedup_minhash", config, name="v2", root=root, version="2")
    assert {(r["related_id"], r["row_id"]) for r in rejects} == near  # the published row always wins
    assert {r["id"] for r in kept} == {r["id"] for r in newcomers} - {b for _, b in near}


def test_compiled_ascii_path_equals_polars_normalization() -> None:
    rng = random.Random(0)
    alphabet = "aZ_09 \t\n\r\x0b\x0c\x00\x1f\x7f.,;:!?'\"()[]-" + "éÜﬁ髭男　"
    docs = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 40))) for _ in range(3000)] + [None, ""]
    data, offsets = normalize.shingle_buffers(pl.Series(docs, dtype=pl.String), "text")
    got = [bytes(data[offsets[i] : offsets[i + 1]]).decode() for i in range(len(docs))]
    assert got == normalize.apply(docs, "text")
    # Han and kana characters become words: one changed character changes a few shingles, not all
    assert normalize.apply(["公式ミュージックビデオです。"], "text") == ["公 式 ミ ュ ー ジ ッ ク ビ デ オ で す"]


def test_band_grouping_same_for_one_and_two_workers(tmp_path: Path) -> None:
    rows, near, _ = _corpus(seed=13)
    texts = pl.Series([r["text"] for r in rows])
    params = MinHashParams()
    dirs = [
        signature_shard(params, tmp_path / f"s{lo}", texts.slice(lo, 100).to_arrow(), np.arange(lo, lo + 100))
        for lo in range(0, len(rows), 100)
    ]
    found = []
    for workers in (1, 2):
        context = StageContext("t", "t", "1", tmp_path, tmp_path, workers=workers)
        found.append(find_pairs(params, dirs, len(rows), lambda fn, items, c=context: parallel_map(fn, items, c)))
    assert np.array_equal(found[0][0], found[1][0]) and np.array_equal(found[0][1], found[1][1])
    index = {r["id"]: i for i, r in enumerate(rows)}
    assert {tuple(sorted((index[a], index[b]))) for a, b in near} <= {tuple(p) for p in found[0][0].tolist()}
