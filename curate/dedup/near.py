"""MinHash LSH near-duplicate search as plain functions: signature shards, band pairs, verification.

`signature_shard` (one slice of documents -> one shard folder) and `lsh.band_edges` (one band over
all shards) are independent pieces; the stage runs them through `curate.parallel.parallel_map`
(a process pool locally, Ray tasks on Ray) and the result does not depend on the worker count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numba
import numpy as np
import polars as pl
import pyarrow as pa

from curate.dedup import lsh
from curate.dedup.lsh import sorted_jaccard
from curate.dedup.minhash import band_hashes, permutations, signatures
from curate.dedup.normalize import Kind, shingle_buffers
from curate.dedup.shingles import shingle_hashes


@dataclass(frozen=True)
class MinHashParams:
    kind: Kind = "text"
    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    bands: int = 16
    rows: int = 8
    threshold: float = 0.8
    verify: Literal["exact", "estimate"] = "exact"
    anchors: int = 2  # each bucket member is checked against the bucket's first `anchors` members


def compute(params: MinHashParams, texts: pa.Array | pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shingle hashes, starts, signatures) of raw documents."""
    series = pl.Series(texts) if not isinstance(texts, pl.Series) else texts
    data, offsets = shingle_buffers(series, params.kind)
    hashes, starts = shingle_hashes(data, offsets, params.kind, params.ngram)
    a, b = permutations(params.num_perm, params.seed)
    return hashes, starts, signatures(hashes, starts, a, b)


def signature_shard(params: MinHashParams, folder: Path, texts: pa.Array, ranks: np.ndarray) -> Path:
    """Signatures and band hashes of one slice; documents without shingles are left out (they match nothing)."""
    hashes, starts, sigs = compute(params, texts)
    keep = np.flatnonzero(np.diff(starts) > 0)
    lengths = np.diff(starts)[keep]  # empty documents own no hashes, so `hashes` is already theirs alone
    return lsh.write_shard(
        folder,
        ranks=np.asarray(ranks, dtype=np.int64)[keep],
        bands=band_hashes(sigs[keep], params.bands, params.rows),
        sigs=sigs[keep],
        shingles=hashes,  # as made (unsorted, repeats): only candidates are turned into sets, when verified
        starts=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    )


Mapper = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]


def inline(fn: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """The mapper for one process (`curate.parallel.parallel_map` is the one for a run's workers)."""
    return [fn(item) for item in items]


def signature_task(args: tuple[MinHashParams, Path, pa.Array, np.ndarray]) -> Path:
    """`signature_shard` over one argument tuple (the shape `parallel_map` hands out)."""
    return signature_shard(*args)


def find_pairs(
    params: MinHashParams, shard_dirs: list[Path], n_docs: int, mapper: Mapper = inline
) -> tuple[np.ndarray, np.ndarray]:
    """Verified pairs (m, 2) of document ranks and their similarity, sorted; bands run through `mapper`."""
    items = [(band, shard_dirs, n_docs, params.anchors) for band in range(params.bands)]
    per_band = mapper(lsh.band_edges_task, items)
    candidates = lsh.unique_pairs(np.concatenate(per_band), n_docs) if per_band else np.empty((0, 2), np.int64)
    sims = similarity(params, candidates, shard_dirs, n_docs)
    keep = sims >= params.threshold
    return candidates[keep], sims[keep]


def similarity(params: MinHashParams, pairs: np.ndarray, shard_dirs: list[Path], n_docs: int) -> np.ndarray:
    """Exact Jaccard of the shingle sets, or the MinHash estimate, of each pair."""
    if len(pairs) == 0:
        return np.zeros(0)
    involved = np.unique(pairs)
    slot = np.full(n_docs, -1, dtype=np.int64)
    slot[involved] = np.arange(len(involved))
    if params.verify == "estimate":
        sigs = np.zeros((len(involved), params.num_perm), dtype=np.uint32)
        for folder in shard_dirs:
            ranks = lsh.load(folder, "ranks")
            rows = np.flatnonzero(slot[ranks] >= 0)
            sigs[slot[ranks[rows]]] = lsh.load(folder, "sigs")[rows]
        return (sigs[slot[pairs[:, 0]]] == sigs[slot[pairs[:, 1]]]).mean(axis=1)
    picked = []  # per shard: (slots of its involved documents, their rows in the shard)
    lengths = np.zeros(len(involved), np.int64)
    for folder in shard_dirs:
        ranks, starts = lsh.load(folder, "ranks"), lsh.load(folder, "starts")
        rows = np.flatnonzero(slot[ranks] >= 0)
        lengths[slot[ranks[rows]]] = starts[rows + 1] - starts[rows]
        picked.append((slot[ranks[rows]], rows))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    flat = np.empty(offsets[-1], dtype=np.uint32)
    for folder, (slots, rows) in zip(shard_dirs, picked, strict=True):
        lsh.copy_segments(flat, offsets, slots, lsh.load(folder, "shingles"), lsh.load(folder, "starts"), rows)
    sets, set_offsets = lsh.sort_unique_segments(flat, offsets)
    return _pair_jaccard(sets, set_offsets, slot[pairs[:, 0]], slot[pairs[:, 1]])


@numba.njit(cache=True)
def _pair_jaccard(flat: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    out = np.empty(left.shape[0])
    for k in range(left.shape[0]):
        x = flat[offsets[left[k]] : offsets[left[k] + 1]]
        y = flat[offsets[right[k]] : offsets[right[k] + 1]]
        out[k] = sorted_jaccard(x, y)
    return out
