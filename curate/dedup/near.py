"""MinHash LSH near-duplicate search as plain functions: signature shards, band pairs, verification.

`signature_shard` (one slice of documents -> one shard folder) and `lsh.band_pairs` (one band over
all shards) are independent tasks; `find_pairs` runs them in a process pool of `workers` (or
inline for 1) and the result does not depend on the pool size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import numba
import numpy as np
import polars as pl
import pyarrow as pa

from curate.dedup import lsh
from curate.dedup.lsh import sorted_jaccard
from curate.dedup.minhash import band_hashes, permutations, signatures
from curate.dedup.normalize import Kind, shingle_series, to_buffers
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
    max_all_pairs: int = 32


def compute(params: MinHashParams, texts: pa.Array | pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(shingle hashes, starts, signatures) of raw documents."""
    series = pl.Series(texts) if not isinstance(texts, pl.Series) else texts
    norm = shingle_series(series, params.kind)
    data, offsets = to_buffers(norm)
    hashes, starts = shingle_hashes(data, offsets, params.kind, params.ngram)
    a, b = permutations(params.num_perm, params.seed)
    return hashes, starts, signatures(hashes, starts, a, b)


def signature_shard(params: MinHashParams, folder: Path, texts: pa.Array, ranks: np.ndarray) -> Path:
    """Signatures and band hashes of one slice; documents without shingles are left out (they match nothing)."""
    hashes, starts, sigs = compute(params, texts)
    keep = np.flatnonzero(np.diff(starts) > 0)
    sets, set_starts = lsh.sort_unique_segments(hashes, starts)
    lengths = np.diff(set_starts)[keep]
    picked = np.concatenate([sets[set_starts[d] : set_starts[d + 1]] for d in keep]) if len(keep) else sets[:0]
    return lsh.write_shard(
        folder,
        ranks=np.asarray(ranks, dtype=np.int64)[keep],
        bands=band_hashes(sigs[keep], params.bands, params.rows),
        sigs=sigs[keep],
        shingles=picked,
        starts=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    )


def run_tasks(fn: Callable[..., Any], args: Iterable[tuple[Any, ...]], workers: int) -> list[Any]:
    """fn over args in order, inline or in a spawn pool (polars threads make fork unsafe)."""
    items = list(args)
    if workers <= 1 or len(items) <= 1:
        return [fn(*a) for a in items]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(fn, *zip(*items, strict=True)))


def find_pairs(
    params: MinHashParams, shard_dirs: list[Path], n_docs: int, workers: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Verified pairs (m, 2) of document ranks and their similarity, sorted."""
    per_band = run_tasks(
        partial(lsh.band_pairs, shard_dirs=shard_dirs, max_all_pairs=params.max_all_pairs),
        [(band,) for band in range(params.bands)],
        workers,
    )
    candidates = lsh.unique_pairs(np.concatenate(per_band)) if per_band else np.empty((0, 2), np.int64)
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
            ranks = np.asarray(lsh.load(folder, "ranks"))
            rows = np.flatnonzero(slot[ranks] >= 0)
            sigs[slot[ranks[rows]]] = lsh.load(folder, "sigs")[rows]
        return (sigs[slot[pairs[:, 0]]] == sigs[slot[pairs[:, 1]]]).mean(axis=1)
    parts, lengths = [np.zeros(0, np.uint32)] * len(involved), np.zeros(len(involved), np.int64)
    for folder in shard_dirs:
        ranks = np.asarray(lsh.load(folder, "ranks"))
        starts, sets = lsh.load(folder, "starts"), lsh.load(folder, "shingles")
        for row in np.flatnonzero(slot[ranks] >= 0):
            parts[slot[ranks[row]]] = np.asarray(sets[starts[row] : starts[row + 1]])
            lengths[slot[ranks[row]]] = starts[row + 1] - starts[row]
    flat = np.concatenate(parts) if parts else np.zeros(0, np.uint32)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    return _pair_jaccard(flat, offsets, slot[pairs[:, 0]], slot[pairs[:, 1]])


@numba.njit(cache=True)
def _pair_jaccard(flat: np.ndarray, offsets: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    out = np.empty(left.shape[0])
    for k in range(left.shape[0]):
        x = flat[offsets[left[k]] : offsets[left[k] + 1]]
        y = flat[offsets[right[k]] : offsets[right[k] + 1]]
        out[k] = sorted_jaccard(x, y)
    return out
