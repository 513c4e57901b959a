"""Gopher/C4-style quality statistics of a document, and the rules that reject on them.

Statistics are computed once per document and stored as columns; `QualityRules` turns them into a
reject reason, so thresholds can be changed later with a plain filter over the columns.
Repetition is computed with NumPy over 64-bit n-gram hashes instead of Python tuples (about 10x
faster on long documents); a hash collision could only over-count a repeat, with odds near 2^-64.
"""

from __future__ import annotations

import itertools
import re
import string
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

PUNCTUATION = string.punctuation + "…«»“”‘’–—·•"
STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})  # Gopher's list
_NO_LETTER_WORD = re.compile(r"(?<!\S)(?:[^\s\w]|[\d_])+(?!\S)")  # a whitespace-separated token without a letter
_MIX = np.uint64(0x9E3779B97F4A7C15)
_NUMPY_FROM = 500  # words; below this, NumPy's per-call overhead costs more than it saves
TOP_NGRAMS = (2, 3, 4)
DUP_NGRAMS = (5, 6, 7, 8, 9, 10)
STAT_NAMES = (
    "words",
    "mean_word_length",
    "symbol_word_ratio",
    "bullet_line_ratio",
    "ellipsis_line_ratio",
    "alpha_word_ratio",
    "stop_words",
    "dup_line_ratio",
    "dup_line_char_ratio",
    *(f"top_{n}gram_ratio" for n in TOP_NGRAMS),
    *(f"dup_{n}gram_ratio" for n in DUP_NGRAMS),
)


def _line_stats(text: str) -> dict[str, float]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return {"bullet_line_ratio": 0.0, "ellipsis_line_ratio": 0.0, "dup_line_ratio": 0.0, "dup_line_char_ratio": 0.0}
    counts = Counter(lines)
    repeated = [(line, n - 1) for line, n in counts.items() if n > 1]
    total_chars = sum(len(line) for line in lines)
    return {
        "bullet_line_ratio": sum(line.startswith(("•", "-", "*", "‣", "◦")) for line in lines) / len(lines),
        "ellipsis_line_ratio": sum(line.endswith(("...", "…")) for line in lines) / len(lines),
        "dup_line_ratio": sum(n for _, n in repeated) / len(lines),
        "dup_line_char_ratio": sum(len(line) * n for line, n in repeated) / total_chars,
    }


def _ngram_stats(words: list[str]) -> dict[str, float]:
    """Top and duplicate n-gram character ratios; stops at the first n with no repeated n-gram
    (a repeated n-gram needs a repeated (n-1)-gram), which ends most prose after n = 3 or 4."""
    out = {f"top_{n}gram_ratio": 0.0 for n in TOP_NGRAMS} | {f"dup_{n}gram_ratio": 0.0 for n in DUP_NGRAMS}
    if len(words) < 2:
        return out
    lengths = [len(w) for w in words]
    total = float(sum(lengths)) or 1.0
    ngrams = _NumpyGrams(words, lengths).stats if len(words) > _NUMPY_FROM else _python_ngrams(words, lengths)
    for n in (*TOP_NGRAMS, *DUP_NGRAMS):
        if len(words) < n:
            break
        top_chars, dup_chars = ngrams(n)
        if not top_chars:
            break
        if n in TOP_NGRAMS:
            out[f"top_{n}gram_ratio"] = top_chars / total
        else:
            out[f"dup_{n}gram_ratio"] = dup_chars / total
    return out


def _python_ngrams(words: list[str], lengths: list[int]) -> Callable[[int], tuple[int, int]]:
    def stats(n: int) -> tuple[int, int]:
        """(chars of the most frequent repeated n-gram times its count, chars covered by repeated n-grams)."""
        grams = list(zip(*(words[k:] for k in range(n)), strict=False))
        counts = Counter(grams)
        top = max(counts.values())
        if top < 2:
            return 0, 0
        top_chars = max(sum(map(len, g)) for g, c in counts.items() if c == top)  # ties: the longest
        covered = bytearray(len(words))
        for i, g in enumerate(grams):
            if counts[g] > 1:
                covered[i : i + n] = b"\x01" * n
        return top * top_chars, sum(length for length, c in zip(lengths, covered, strict=True) if c)

    return stats


class _NumpyGrams:
    """The same statistics over 64-bit rolling n-gram hashes; word ids, lengths and the hash of the
    (n-1)-grams are computed once and reused, so each further n costs one sort."""

    def __init__(self, words: list[str], lengths: list[int]) -> None:
        vocab: dict[str, int] = {}  # setdefault(word, fresh number) keeps a word's first number: a map in C
        self.ids = np.fromiter(map(vocab.setdefault, words, itertools.count(1)), np.uint64, count=len(words))
        self.lens = np.asarray(lengths, dtype=np.int64)
        self.window = np.concatenate(([0], np.cumsum(self.lens)))
        self.hash = self.ids * _MIX  # 1-grams
        self.n = 1

    def stats(self, n: int) -> tuple[int, int]:
        m = len(self.ids)
        while self.n < n:  # h_n[i] = (h_(n-1)[i] ^ ids[i+n-1]) * MIX, wrapping modulo 2^64 as intended
            self.n += 1
            self.hash = (self.hash[: m - self.n + 1] ^ self.ids[self.n - 1 :]) * _MIX
        _, first, inverse, counts = np.unique(self.hash, return_index=True, return_inverse=True, return_counts=True)
        top = int(counts.max())
        if top < 2:
            return 0, 0
        chars = self.window[first + n] - self.window[first]  # chars of each distinct n-gram
        top_chars = int(chars[counts == top].max())  # ties: the longest
        repeated = np.concatenate(([0], np.cumsum(counts[inverse] > 1)))  # starts of repeated n-grams so far
        # word j is covered when a repeated n-gram starts in [j-n+1, j]
        j = np.arange(m)
        covered = repeated[np.minimum(j + 1, len(repeated) - 1)] - repeated[np.maximum(j - n + 1, 0)] > 0
        return top * top_chars, int(self.lens[covered].sum())


def quality_stats(text: str, stop_words: frozenset[str] = STOP_WORDS) -> dict[str, float]:
    """Every statistic in `STAT_NAMES` for one document (zeros for an empty one)."""
    raw = text.casefold().split()  # casefolding the whole text once is ~10x cheaper than per word
    words = [w for w in (w.strip(PUNCTUATION) for w in raw) if w]  # Gopher counts words that are not only symbols
    n = len(raw) or 1
    no_letter = len(_NO_LETTER_WORD.findall(text))  # rarer than words with a letter: fewer matches to build
    stats: dict[str, float] = {
        "words": float(len(words)),
        "mean_word_length": sum(map(len, words)) / len(words) if words else 0.0,
        "symbol_word_ratio": (text.count("#") + text.count("...") + text.count("…")) / n,
        "alpha_word_ratio": (len(raw) - no_letter) / n if raw else 0.0,
        "stop_words": float(len(stop_words.intersection(words))),
    }
    return stats | _line_stats(text) | _ngram_stats(words)


class QualityRules(BaseModel):
    """Thresholds (Gopher's defaults); `None` turns a rule off. Each rule has its own reject reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    min_words: int | None = 50
    max_words: int | None = 100_000
    min_mean_word_length: float | None = 3.0
    max_mean_word_length: float | None = 10.0
    max_symbol_word_ratio: float | None = 0.1
    max_bullet_line_ratio: float | None = 0.9
    max_ellipsis_line_ratio: float | None = 0.3
    min_alpha_word_ratio: float | None = 0.8
    min_stop_words: int | None = 2
    max_dup_line_ratio: float | None = 0.3
    max_dup_line_char_ratio: float | None = 0.2
    max_top_ngram_ratio: dict[int, float] | None = {2: 0.2, 3: 0.18, 4: 0.16}
    max_dup_ngram_ratio: dict[int, float] | None = {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10}

    def failures(self, stats: dict[str, Any]) -> list[tuple[str, str]]:
        """(reason, detail) for every rule the document breaks, in a fixed order."""
        checks: list[tuple[str, str, float | None, bool]] = [  # reason, stat, limit, is_minimum
            ("too_few_words", "words", self.min_words, True),
            ("too_many_words", "words", self.max_words, False),
            ("short_words", "mean_word_length", self.min_mean_word_length, True),
            ("long_words", "mean_word_length", self.max_mean_word_length, False),
            ("symbol_ratio", "symbol_word_ratio", self.max_symbol_word_ratio, False),
            ("bullet_lines", "bullet_line_ratio", self.max_bullet_line_ratio, False),
            ("ellipsis_lines", "ellipsis_line_ratio", self.max_ellipsis_line_ratio, False),
            ("non_alpha_words", "alpha_word_ratio", self.min_alpha_word_ratio, True),
            ("few_stop_words", "stop_words", self.min_stop_words, True),
            ("dup_lines", "dup_line_ratio", self.max_dup_line_ratio, False),
            ("dup_line_chars", "dup_line_char_ratio", self.max_dup_line_char_ratio, False),
        ]
        checks += [
            (f"top_{n}gram", f"top_{n}gram_ratio", v, False) for n, v in (self.max_top_ngram_ratio or {}).items()
        ]
        checks += [
            (f"dup_{n}gram", f"dup_{n}gram_ratio", v, False) for n, v in (self.max_dup_ngram_ratio or {}).items()
        ]
        out = []
        for reason, stat, limit, is_min in checks:
            if limit is None or stat not in stats:
                continue
            value = stats[stat]
            if (value < limit) if is_min else (value > limit):
                out.append((reason, f"{stat}={value:.4g} {'<' if is_min else '>'} {limit}"))
        return out
