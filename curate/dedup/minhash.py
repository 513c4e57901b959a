"""MinHash signatures bit-identical to datasketch 2.x's default `affine32` scheme, for a batch at once.

datasketch pre-mixes each 32-bit shingle hash with the murmur3 32-bit finalizer, then takes
`a_k * h + b_k mod 2^32` per permutation with (a, b) drawn from `RandomState(seed)`. We draw the
same parameters and run the same arithmetic in a compiled loop, so a stored signature equals
`datasketch.MinHash(num_perm, seed, hashfunc=word_shingle_hash|char_shingle_hash)` over the same
shingles and works with `LeanMinHash` and `MinHashLSH`.
"""

from __future__ import annotations

import numba
import numpy as np

from curate.dedup.shingle_hash import fmix64


def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) exactly as `datasketch.MinHash._init_permutations` draws them for `affine32`."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


@numba.njit(cache=True, inline="always")
def _fmix32(h: np.uint32) -> np.uint32:
    h ^= h >> np.uint32(16)
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h ^= h >> np.uint32(13)
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return h ^ (h >> np.uint32(16))


@numba.njit(cache=True)
def _signatures(hashes: np.ndarray, starts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    docs = starts.shape[0] - 1
    perms = a.shape[0]
    out = np.full((docs, perms), np.uint32(0xFFFFFFFF), dtype=np.uint32)
    for d in range(docs):
        row = out[d]
        for s in range(starts[d], starts[d + 1]):
            h = _fmix32(hashes[s])
            for k in range(perms):  # min() rather than a branch: the loop compiles to SIMD
                row[k] = min(row[k], np.uint32(a[k] * h + b[k]))
    return out


def signatures(hashes: np.ndarray, starts: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """uint32 array (docs, num_perm); a document without shingles keeps datasketch's empty value."""
    return _signatures(hashes, starts, a, b)


@numba.njit(cache=True)
def _band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    out = np.empty((bands, sigs.shape[0]), dtype=np.uint64)
    for d in range(sigs.shape[0]):
        for band in range(bands):
            h = np.uint64(band + 1)
            for r in range(band * rows, (band + 1) * rows):
                h = fmix64(h * np.uint64(0x9E3779B97F4A7C15) + np.uint64(sigs[d, r]))
            out[band, d] = h
    return out


def band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 per (band, document): equal exactly when the band's `rows` values are equal (up to 2^-64)."""
    if bands * rows > sigs.shape[1]:
        raise ValueError(f"{bands} bands x {rows} rows need {bands * rows} permutations, have {sigs.shape[1]}")
    return _band_hashes(sigs, bands, rows)
