"""Signature shards on disk and LSH band grouping, one band at a time (memory: one band of keys).

A signature shard holds, for the non-empty documents of one input slice: their global ranks
(position in id order, so results do not depend on input order), band hashes (bands x docs),
signatures (docs x num_perm) and shingle hashes (made into sets for exact Jaccard checks of candidates).

`band_edges(band, shard_dirs, n_docs, anchors)` groups one band's hashes with a hash table in one
compiled pass and links each bucket member to the bucket's first `anchors` members (lowest ranks):
O(n) candidate edges instead of all pairs of a bucket, and still one connected group per bucket. It
is a plain function of its arguments, so a process pool (or a Ray task) can run each band and the
union of their edges is the same.
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
    return np.asarray(np.load(folder / f"{name}.npy", mmap_mode="r"))


@numba.njit(cache=True)
def _anchor_edges(keys: np.ndarray, present: np.ndarray, anchors: int) -> np.ndarray:
    """Edges (anchor, member) for documents in rank order: members meet their bucket's first `anchors` ranks."""
    n = keys.shape[0]
    size = 2
    while size < 2 * n:
        size *= 2
    mask = np.uint64(size - 1)
    first = np.full((size, anchors), -1, dtype=np.int64)  # per slot: the bucket's first members
    out = np.empty((n * anchors, 2), dtype=np.int64)
    m = 0
    for r in range(n):
        if not present[r]:
            continue
        key = keys[r]
        slot = key & mask
        while first[slot, 0] >= 0 and keys[first[slot, 0]] != key:  # linear probing; keys are mixed hashes
            slot = (slot + np.uint64(1)) & mask
        row = first[slot]
        placed = False
        for j in range(anchors):
            if row[j] < 0:
                if not placed:
                    row[j] = r
                    placed = True
                break
            out[m, 0] = row[j]
            out[m, 1] = r
            m += 1
    return out[:m]


def band_edges(band: int, shard_dirs: list[Path], n_docs: int, anchors: int = 1) -> np.ndarray:
    """Candidate edges (int64 (m, 2), lo < hi, sorted by hi) of one band over all signature shards."""
    keys = np.zeros(n_docs, dtype=np.uint64)
    present = np.zeros(n_docs, dtype=np.bool_)
    for folder in shard_dirs:
        ranks = load(folder, "ranks")
        keys[ranks] = load(folder, "bands")[band]
        present[ranks] = True
    return _anchor_edges(keys, present, anchors)


def band_edges_task(args: tuple[int, list[Path], int, int]) -> np.ndarray:
    """`band_edges` over one argument tuple (the shape `parallel_map` hands out)."""
    return band_edges(*args)


def unique_pairs(pairs: np.ndarray, n_docs: int) -> np.ndarray:
    """Rows sorted and deduplicated (one int64 code per pair: faster than np.unique(axis=0))."""
    if len(pairs) == 0:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(pairs[:, 0] * np.int64(n_docs) + pairs[:, 1])
    return np.stack([codes // n_docs, codes % n_docs], axis=1)


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
def copy_segments(
    dest: np.ndarray, offsets: np.ndarray, slots: np.ndarray, src: np.ndarray, starts: np.ndarray, rows: np.ndarray
) -> None:
    """dest[offsets[slots[k]]:...] = src segment of row rows[k], for every k (gathers shingle sets)."""
    for k in range(rows.shape[0]):
        lo = starts[rows[k]]
        length = starts[rows[k] + 1] - lo
        at = offsets[slots[k]]
        dest[at : at + length] = src[lo : lo + length]


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
