"""Stable ids and fingerprints. Ids derive from content or source, never from counters."""

import hashlib
import json
from pathlib import Path
from typing import Any

import xxhash


def canonical_json(obj: Any) -> str:
    """JSON with sorted keys and no spaces: the same object always gives the same text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def digest(*parts: Any) -> str:
    """128-bit hex digest of the canonical form of parts (fast, for ids and cache keys)."""
    h = xxhash.xxh3_128()
    for part in parts:
        h.update(part if isinstance(part, bytes) else canonical_json(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()


def stable_id(prefix: str, *parts: Any) -> str:
    """An id such as `summary:3f2a...` (80 bits of digest: collision-free at corpus scale)."""
    return f"{prefix}:{digest(*parts)[:20]}"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
