"""Normalized forms of documents, vectorized with polars (one pass of Rust per batch, no Python per row).

- `text_key`: Unicode NFKC, lower case, whitespace runs folded to one space (the exact-dedup key);
- `text_tokens`: `text_key` with punctuation turned into spaces (the word stream for shingles);
- `abc_body`: the ABC music body without header fields (`X:`, `T:`, `K:`... lines), `%` comments
  and whitespace, so the same tune with another title or layout gives the same body.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import polars as pl
import pyarrow as pa

Kind = Literal["text", "abc"]

_HEADER_LINE = r"(?m)^[A-Za-z+]:[^\n]*$"
_COMMENT = r"%[^\n]*"


def text_key(expr: pl.Expr) -> pl.Expr:
    return expr.fill_null("").str.normalize("NFKC").str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars()


def text_tokens(expr: pl.Expr, nfkc: bool = True) -> pl.Expr:
    folded = (expr.fill_null("").str.normalize("NFKC") if nfkc else expr.fill_null("")).str.to_lowercase()
    return folded.str.replace_all(r"[^\w\s]", " ").str.replace_all(r"\s+", " ").str.strip_chars()


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


def nfkc_where_needed(series: pl.Series) -> pl.Series:
    """NFKC only on the rows that are not pure ASCII (NFKC leaves ASCII unchanged; it is the slow step)."""
    series = series.cast(pl.String).fill_null("")
    wide = series.str.contains(r"[^\x00-\x7F]")
    if not wide.any():
        return series
    rows = wide.arg_true()
    return series.scatter(rows, series.gather(rows).str.normalize("NFKC"))


def shingle_series(series: pl.Series, kind: Kind) -> pl.Series:
    """`shingle_text` over a column, skipping NFKC where it cannot change anything."""
    if kind == "abc":
        return series.to_frame("t").select(abc_body(pl.col("t")))["t"]
    return nfkc_where_needed(series).to_frame("t").select(text_tokens(pl.col("t"), nfkc=False))["t"]


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
