"""Normalized forms of documents, vectorized with polars (one pass of Rust per batch, no Python per row).

- `text_key`: Unicode NFKC, lower case, whitespace runs folded to one space (the exact-dedup key);
- `text_tokens`: `text_key` with punctuation turned into spaces and each Han, kana or Thai character
  made its own word (those scripts do not put spaces between words: a whole sentence would be one
  token and a one-character change would break every shingle of it); the word stream for shingles;
- `abc_body`: the ABC music body without header fields (`X:`, `T:`, `K:`... lines), `%` comments
  and whitespace, so the same tune with another title or layout gives the same body.
"""

from __future__ import annotations

from typing import Literal

import numba
import numpy as np
import polars as pl
import pyarrow as pa

Kind = Literal["text", "abc"]

_HEADER_LINE = r"(?m)^[A-Za-z+]:[^\n]*$"
_UNSPACED = r"([\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}])"
_COMMENT = r"%[^\n]*"


def text_key(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null("").str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def text_tokens(expr: pl.Expr, nfkc: bool = True) -> pl.Expr:
    folded = (expr.fill_null("").str.normalize("NFKC") if nfkc else expr.fill_null("")).str.to_lowercase()
    words = folded.str.replace_all(r"[^\w\s]", " ").str.replace_all(_UNSPACED, " $1 ")
    return words.str.replace_all(r"\s+", " ").str.strip_chars()


def abc_body(expr: pl.Expr) -> pl.Expr:
    no_comments = expr.fill_null("").str.replace_all("\r", "\n", literal=True).str.replace_all(_COMMENT, "")
    return no_comments.str.replace_all(_HEADER_LINE, "").str.replace_all(r"\s+", "")


def shingle_text(expr: pl.Expr, kind: Kind) -> pl.Expr:
    """The string a document is shingled from: word tokens for prose, the music body for ABC."""
    return text_tokens(expr) if kind == "text" else abc_body(expr)


def joined(columns: list[str]) -> pl.Expr:
    """Several text columns as one document (null columns count as empty)."""
    if len(columns) == 1:
        return pl.col(columns[0]).cast(pl.String)
    return pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in columns], separator="\n")


@numba.njit(cache=True)
def _wide_rows(data: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Whether each document has a byte >= 0x80 (is not pure ASCII)."""
    out = np.zeros(offsets.shape[0] - 1, dtype=np.bool_)
    for d in range(out.shape[0]):
        for i in range(offsets[d], offsets[d + 1]):
            if data[i] >= 128:
                out[d] = True
                break
    return out


@numba.njit(cache=True)
def _ascii_words(
    data: np.ndarray, offsets: np.ndarray, wide: np.ndarray, wide_data: np.ndarray, wide_offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`text_tokens` of ASCII documents in one pass (runs of [A-Za-z0-9_], lower-cased, one space apart);
    the non-ASCII documents are copied from their polars normalization (`wide_data`, in order)."""
    out = np.empty(data.shape[0] + wide_data.shape[0], dtype=np.uint8)
    starts = np.zeros(offsets.shape[0], dtype=np.int64)
    n = 0
    w = 0
    for d in range(offsets.shape[0] - 1):
        if wide[d]:
            for i in range(wide_offsets[w], wide_offsets[w + 1]):
                out[n] = wide_data[i]
                n += 1
            w += 1
        else:
            gap = False
            for i in range(offsets[d], offsets[d + 1]):
                c = data[i]
                if 65 <= c <= 90:
                    c += 32
                if (97 <= c <= 122) or (48 <= c <= 57) or c == 95:
                    if gap and n > starts[d]:
                        out[n] = 32
                        n += 1
                    out[n] = c
                    n += 1
                    gap = False
                else:
                    gap = True
        starts[d + 1] = n
    return out[:n], starts


def shingle_buffers(series: pl.Series, kind: Kind) -> tuple[np.ndarray, np.ndarray]:
    """`shingle_text` of a column as UTF-8 buffer + offsets; prose takes a compiled path for ASCII rows
    (NFKC, Unicode case folding and the regexes are the slow steps and cannot change ASCII)."""
    series = series.cast(pl.String).fill_null("")
    if kind == "abc":
        return to_buffers(series.to_frame("t").select(abc_body(pl.col("t")))["t"])
    data, offsets = to_buffers(series)
    wide = _wide_rows(data, offsets)
    picked = series.gather(np.flatnonzero(wide)).to_frame("t").select(text_tokens(pl.col("t")))["t"]
    return _ascii_words(data, offsets, wide, *to_buffers(picked))


def apply(values: list[str | None], kind: Kind) -> list[str]:
    """Scalar access to the same normalization (tests, the datasketch reference)."""
    return pl.Series(values, dtype=pl.String).to_frame("v").select(shingle_text(pl.col("v"), kind))["v"].to_list()


def to_buffers(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 bytes of a string column as one uint8 buffer plus int64 offsets (n + 1), zero-copy where possible."""
    arr = series.fill_null("").to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    arr = arr.cast(pa.large_string())
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    return data, offsets
