"""Shingle hashes for a whole batch in one compiled pass (the Python-per-shingle loop is the usual bottleneck).

Input: the normalized documents as one UTF-8 buffer plus offsets (see `normalize.to_buffers`).
Output: one uint32 hash per shingle and per-document offsets into them. A document shorter than
one n-gram gives a single shingle of all it has; an empty document gives none.
"""

from __future__ import annotations

import numba
import numpy as np

from curate.dedup.normalize import Kind
from curate.dedup.shingle_hash import COMBINE, fmix64, fnv1a

SPACE = 32


@numba.njit(cache=True)
def _word_shingles(data: np.ndarray, offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    docs = offsets.shape[0] - 1
    out = np.empty(data.shape[0] + docs, dtype=np.uint32)
    starts = np.zeros(docs + 1, dtype=np.int64)
    tokens = np.empty(data.shape[0] + 1, dtype=np.uint64)
    count = 0
    for d in range(docs):
        ntok = 0
        begin = offsets[d]
        for i in range(offsets[d], offsets[d + 1] + 1):
            if i == offsets[d + 1] or data[i] == SPACE:
                if i > begin:
                    tokens[ntok] = fnv1a(data, begin, i)
                    ntok += 1
                begin = i + 1
        grams = ntok - n + 1 if ntok >= n else (1 if ntok > 0 else 0)
        width = n if ntok >= n else ntok
        for k in range(grams):
            h = np.uint64(0)
            for j in range(width):
                h = h * np.uint64(COMBINE) + tokens[k + j]
            out[count] = np.uint32(fmix64(h) >> np.uint64(32))
            count += 1
        starts[d + 1] = count
    return out[:count], starts


@numba.njit(cache=True)
def _char_shingles(data: np.ndarray, offsets: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    docs = offsets.shape[0] - 1
    out = np.empty(data.shape[0] + docs, dtype=np.uint32)
    starts = np.zeros(docs + 1, dtype=np.int64)
    count = 0
    for d in range(docs):
        lo, hi = offsets[d], offsets[d + 1]
        if hi - lo >= n:
            for i in range(lo, hi - n + 1):
                out[count] = np.uint32(fmix64(fnv1a(data, i, i + n)) >> np.uint64(32))
                count += 1
        elif hi > lo:
            out[count] = np.uint32(fmix64(fnv1a(data, lo, hi)) >> np.uint64(32))
            count += 1
        starts[d + 1] = count
    return out[:count], starts


def shingle_hashes(data: np.ndarray, offsets: np.ndarray, kind: Kind, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(hashes uint32, per-document offsets int64) for word (`text`) or byte (`abc`) n-grams."""
    fn = _word_shingles if kind == "text" else _char_shingles
    return fn(data, offsets.astype(np.int64, copy=False), n)


def python_shingles(doc: str, kind: Kind, n: int) -> list[bytes]:
    """The same shingles as bytes, one Python object each: the reference for tests and datasketch."""
    raw = doc.encode()
    if kind == "text":
        tokens = [t for t in raw.split(b" ") if t]
        if len(tokens) < n:
            return [b" ".join(tokens)] if tokens else []
        return [b" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
    if len(raw) < n:
        return [raw] if raw else []
    return [raw[i : i + n] for i in range(len(raw) - n + 1)]
