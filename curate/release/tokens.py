"""Token counts of release rows: with the model's tokenizer when the release config names one
(`tokenizer:` a local tokenizer.json, a folder holding one, or a Hub id whose tokenizer.json is cached
or downloadable), else a regex count (`\\w+` or one punctuation mark) that is exact, cheap and
comparable between versions but is not what any model sees.

A row's tokens are the sum over its text fields (pretrain and chat: `text`; sft: instruction, input,
output) of `len(tokenizer.encode(field))`, an empty or missing field counting 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import CurateError

TOKEN_PATTERN = r"\w+|[^\w\s]"
TEXT_COLUMNS = {"release_pretrain": ["text"], "release_sft": ["instruction", "input", "output"],
                "release_chat": ["text"]}  # fmt: skip
ENCODE_BATCH = 10_000


@dataclass
class TokenCounter:
    name: str  # "regex", or the tokenizer as the config names it
    tokenizer: Any = None  # a `tokenizers.Tokenizer`, or None for the regex count

    @property
    def description(self) -> str:
        if self.tokenizer is None:
            return f"regex tokens (`{TOKEN_PATTERN}`), not a model tokenizer's: no `tokenizer` in the release config"
        return f"tokens of the tokenizer `{self.name}` (`len(tokenizer.encode(text))` per text field)"

    def count(self, texts: pl.Series) -> pl.Series:
        """Tokens of each text (null or empty: 0)."""
        texts = texts.fill_null("")
        if self.tokenizer is None:
            return texts.str.count_matches(TOKEN_PATTERN).cast(pl.Int64)
        values = texts.to_list()
        counts = [0] * len(values)
        filled = [i for i, t in enumerate(values) if t]
        for lo in range(0, len(filled), ENCODE_BATCH):
            part = filled[lo : lo + ENCODE_BATCH]
            for i, encoding in zip(part, self.tokenizer.encode_batch([values[i] for i in part]), strict=True):
                counts[i] = len(encoding)
        return pl.Series(counts, dtype=pl.Int64)

    def row_tokens(self, frame: pl.DataFrame, schema: str) -> pl.Series:
        """Tokens of each release row: its text fields summed."""
        total = pl.Series("tokens", [0] * frame.height, dtype=pl.Int64)
        for column in TEXT_COLUMNS[schema]:
            if column in frame.columns:
                total = total + self.count(frame[column])
        return total.alias("tokens")


def tokenizer_file(spec: str, base_dir: Path | None = None) -> Path | None:
    """The local tokenizer.json that `spec` names (relative to `base_dir`, else the working folder)."""
    for candidate in [Path(spec)] if Path(spec).is_absolute() else [(base_dir or Path.cwd()) / spec, Path(spec)]:
        if candidate.is_file():
            return candidate
        if (candidate / "tokenizer.json").is_file():
            return candidate / "tokenizer.json"
    return None


def _hub_file(spec: str) -> Path:
    """tokenizer.json of a Hub repo: from the local cache when there (offline), else downloaded."""
    from huggingface_hub import hf_hub_download, try_to_load_from_cache
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    cached = try_to_load_from_cache(spec, "tokenizer.json")
    if isinstance(cached, str):
        return Path(cached)
    try:
        return Path(hf_hub_download(spec, "tokenizer.json"))
    except (LocalEntryNotFoundError, HfHubHTTPError, ValueError) as err:
        raise CurateError(f"tokenizer '{spec}' is neither a local tokenizer.json nor a Hub repo with one "
                          f"in the cache or reachable: {err}") from err  # fmt: skip


def token_counter(spec: str | None, base_dir: Path | None = None) -> TokenCounter:
    if spec is None:
        return TokenCounter("regex")
    from tokenizers import Tokenizer

    path = tokenizer_file(spec, base_dir) or _hub_file(spec)
    try:
        return TokenCounter(spec, Tokenizer.from_file(str(path)))
    except Exception as err:  # noqa: BLE001 - the Rust loader raises a bare Exception for a bad file
        raise CurateError(f"tokenizer '{spec}' ({path}) could not be loaded: {err}") from err
