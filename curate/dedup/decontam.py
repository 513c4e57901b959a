"""An n-gram index of an evaluation set (MusicTheoryBench format) and the rows that overlap it.

Question stems are indexed as word n-grams of their normalized tokens, ABC excerpts as character
n-grams of their music body. An item shorter than n is indexed whole (at its own length), so a
short stem still matches a row that contains it; items below `min_len` are too short to be evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from curate.dedup.normalize import Kind, shingle_text, to_buffers
from curate.dedup.shingles import shingle_hashes
from curate.theory.format import read_items

FIELDS = ("id", "stem", "abc_score")
_DECORATION = r'"[^"]*"|![^!]*!|\+[^+]*\+|[HLMOPSTuv~.]'  # ABC 2.1 decorations and their one-letter shorthands


def load_benchmark(path: Path) -> pl.DataFrame:
    """id, stem, abc_score of a MusicTheoryBench-format file or folder (read and checked by `curate.theory.format`)."""
    items = read_items(path)
    return pl.DataFrame(
        {name: [None if item.get(name) is None else str(item[name]) for item in items] for name in FIELDS},
        schema=dict.fromkeys(FIELDS, pl.String),
    )


def _normalized(values: pl.Series, kind: Kind) -> pl.Series:
    """The shingle text; for ABC also without chord symbols, annotations and decorations, so an excerpt
    quoted plainly still matches a training tune written with fingerings or bowings (and the reverse)."""
    norm = values.to_frame("v").select(shingle_text(pl.col("v"), kind))["v"]
    return norm.str.replace_all(_DECORATION, "") if kind == "abc" else norm


def _lengths(norm: pl.Series, kind: Kind) -> np.ndarray:
    counts = norm.str.split(" ").list.len() if kind == "text" else norm.str.len_bytes()
    return np.where(norm.str.len_bytes().to_numpy() == 0, 0, counts.to_numpy())


@dataclass
class NgramIndex:
    kind: Kind
    by_n: dict[int, tuple[np.ndarray, np.ndarray]]  # n -> (sorted hashes, item id per hash)

    @classmethod
    def build(cls, ids: pl.Series, texts: pl.Series, kind: Kind, n: int, min_len: int) -> NgramIndex:
        norm = _normalized(texts, kind)
        width = np.minimum(_lengths(norm, kind), n)
        by_n = {}
        for size in sorted(set(width[width >= min_len].tolist())):
            picked = np.flatnonzero(width == size)
            hashes, starts = shingle_hashes(*to_buffers(norm.gather(picked)), kind, int(size))
            owner = np.repeat(ids.gather(picked).to_numpy(), np.diff(starts))
            order = np.argsort(hashes, kind="stable")
            by_n[int(size)] = (hashes[order], owner[order])
        return cls(kind, by_n)

    def matches(self, texts: pl.Series) -> list[str | None]:
        """For each text, the id of the first benchmark item it shares an n-gram with, or None."""
        found: list[str | None] = [None] * len(texts)
        norm = _normalized(texts, self.kind)
        data, offsets = to_buffers(norm)
        for size, (index, owners) in self.by_n.items():
            hashes, starts = shingle_hashes(data, offsets, self.kind, size)
            pos = np.clip(np.searchsorted(index, hashes), 0, max(len(index) - 1, 0))
            hit = index[pos] == hashes if len(index) else np.zeros(len(hashes), bool)
            if size > 1 or self.kind == "abc":
                # a document shorter than `size` yields itself whole: not a true n-gram of that size
                short = np.repeat(_lengths(norm, self.kind) < size, np.diff(starts))
                hit &= ~short
            doc = np.repeat(np.arange(len(texts)), np.diff(starts))
            for d, p in zip(doc[hit], pos[hit], strict=True):
                if found[d] is None:
                    found[d] = str(owners[p])
        return found
