"""The shingle hash functions, compiled for batches and in plain Python for datasketch.

A shingle's 32-bit hash is defined on its UTF-8 bytes: word n-grams combine the FNV-1a hashes
of their tokens (so each token is hashed once per batch), character n-grams are FNV-1a over
their bytes; both end with the 64-bit murmur3 finalizer and keep the high 32 bits. The plain
Python versions are the `hashfunc` to give `datasketch.MinHash` to reproduce our signatures.
"""

from __future__ import annotations

import numba
import numpy as np

MASK64 = (1 << 64) - 1
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
COMBINE = 0x9E3779B97F4A7C15  # odd multiplier that chains token hashes of an n-gram


def fmix64_py(h: int) -> int:
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & MASK64
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & MASK64
    return h ^ (h >> 33)


def fnv1a_py(data: bytes) -> int:
    h = FNV_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV_PRIME) & MASK64
    return h


def word_shingle_hash(shingle: bytes) -> int:
    """hashfunc for datasketch over word n-grams given as space-joined tokens."""
    h = 0
    for token in shingle.split(b" "):
        h = (h * COMBINE + fnv1a_py(token)) & MASK64
    return fmix64_py(h) >> 32


def char_shingle_hash(shingle: bytes) -> int:
    """hashfunc for datasketch over character (byte) n-grams."""
    return fmix64_py(fnv1a_py(shingle)) >> 32


@numba.njit(cache=True, inline="always")
def fmix64(h: np.uint64) -> np.uint64:
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@numba.njit(cache=True, inline="always")
def fnv1a(data: np.ndarray, start: int, end: int) -> np.uint64:
    h = np.uint64(FNV_OFFSET)
    for i in range(start, end):
        h = (h ^ np.uint64(data[i])) * np.uint64(FNV_PRIME)
    return h
