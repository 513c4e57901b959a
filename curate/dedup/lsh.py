"""Signature shards on disk and LSH band grouping, one band at a time (memory: one band of keys).

A signature shard holds, for the non-empty documents of one input slice: their global ranks
(position in id order, so results do not depend on input order), band hashes (bands x docs),
signatures (docs x num_perm) and sorted unique shingle hashes (for exact Jaccard checks).
`band_pairs(band, shard_dirs)` is a plain function of its arguments: a process pool (or a Ray
task) can run each band separately and the union of their pairs is the same.
"""

from __future__ import annotations

from pathlib import Path

import numba
import numpy as np

FILES = ("ranks", "bands", "sigs", "shingles", "starts")


def write_shard(folder: Path, **arrays: np.ndarray) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        np.save(folder / f"{name}.npy", arrays[name])
    return folder


def load(folder: Path, name: str) -> np.ndarray:
    return np.load(folder / f"{name}.npy", mmap_mode="r")


@numba.njit(cache=True)
def _bucket_pairs(keys: np.ndarray, ranks: np.ndarray, max_all_pairs: int) -> np.ndarray:
    """Pairs (lo, hi) of ranks sharing a key: all pairs in small buckets, a star on the lowest rank in big ones."""
    order = np.argsort(keys, kind="mergesort")
    out = []
    i = 0
    n = keys.shape[0]
    while i < n:
        j = i + 1
        while j < n and keys[order[j]] == keys[order[i]]:
            j += 1
        size = j - i
        if size > 1:
            members = np.sort(ranks[order[i:j]])
            if size <= max_all_pairs:
                for x in range(size):
                    for y in range(x + 1, size):
                        out.append((members[x], members[y]))
            else:
                for y in range(1, size):
                    out.append((members[0], members[y]))
        i = j
    result = np.empty((len(out), 2), dtype=np.int64)
    for k in range(len(out)):
        result[k, 0] = out[k][0]
        result[k, 1] = out[k][1]
    return result


def band_pairs(band: int, shard_dirs: list[Path], max_all_pairs: int = 32) -> np.ndarray:
    """Candidate pairs (int64, shape (m, 2), lo < hi, unique, sorted) of one band over all signature shards."""
    keys = [np.asarray(load(d, "bands")[band]) for d in shard_dirs]
    ranks = [np.asarray(load(d, "ranks")) for d in shard_dirs]
    if not keys:
        return np.empty((0, 2), np.int64)
    pairs = _bucket_pairs(np.concatenate(keys), np.concatenate(ranks), max_all_pairs)
    return unique_pairs(pairs)


def unique_pairs(pairs: np.ndarray) -> np.ndarray:
    if len(pairs) == 0:
        return pairs.reshape(0, 2).astype(np.int64)
    return np.unique(pairs, axis=0)


@numba.njit(cache=True)
def sort_unique_segments(hashes: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each document's shingle hashes sorted and deduplicated (sets, for exact Jaccard)."""
    out = np.empty_like(hashes)
    new_starts = np.zeros_like(starts)
    count = 0
    for d in range(starts.shape[0] - 1):
        seg = np.sort(hashes[starts[d] : starts[d + 1]])
        for k in range(seg.shape[0]):
            if k == 0 or seg[k] != seg[k - 1]:
                out[count] = seg[k]
                count += 1
        new_starts[d + 1] = count
    return out[:count], new_starts


@numba.njit(cache=True)
def sorted_jaccard(x: np.ndarray, y: np.ndarray) -> float:
    i = j = inter = 0
    while i < x.shape[0] and j < y.shape[0]:
        if x[i] == y[j]:
            inter += 1
            i += 1
            j += 1
        elif x[i] < y[j]:
            i += 1
        else:
            j += 1
    union = x.shape[0] + y.shape[0] - inter
    return inter / union if union else 1.0
