"""Remove rows that overlap an evaluation set (MusicTheoryBench format) and count them.

A row whose text shares a word n-gram with a question stem, or whose ABC shares a character
n-gram with an item's `abc_score` music body, goes to rejects as `contaminated` with the item id
in `related_id`. Per row, so it runs per shard; the index is built once per task in `setup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
from pydantic import Field

from curate.dedup.decontam import NgramIndex, load_benchmark
from curate.dedup.normalize import joined
from curate.stage import Drop, FilterStage, FilterStageConfig, StageConfig


class DecontaminateConfig(FilterStageConfig):
    benchmark: str  # path (relative to the pipeline file) of the evaluation set
    text_columns: list[str] = Field(default_factory=list)
    abc_columns: list[str] = Field(default_factory=list)
    ngram: int = Field(8, ge=1)  # words, for stems
    min_words: int = Field(5, ge=1)  # stems shorter than this are not evidence
    abc_ngram: int = Field(40, ge=4)  # characters of the music body
    min_abc_chars: int = Field(24, ge=4)
    schema_name: str | None = None


class Decontaminate(FilterStage):
    name = "decontaminate"
    Config = DecontaminateConfig
    config: DecontaminateConfig

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, DecontaminateConfig)
        return [*config.text_columns, *config.abc_columns]

    @classmethod
    def config_files(cls, config: StageConfig, pipeline_dir: Path) -> list[Path]:
        """The eval set shapes the output: editing it redoes the step."""
        assert isinstance(config, DecontaminateConfig)
        path = pipeline_dir / config.benchmark
        return sorted(f for f in path.iterdir() if f.is_file()) if path.is_dir() else [path] if path.is_file() else []

    def setup(self) -> None:
        c = self.config
        bench = load_benchmark(self.context.pipeline_dir / c.benchmark)
        self.stems = NgramIndex.build(bench["id"], bench["stem"], "text", c.ngram, c.min_words)
        self.scores = NgramIndex.build(bench["id"], bench["abc_score"], "abc", c.abc_ngram, c.min_abc_chars)

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        frame = pl.from_arrow(table)
        assert isinstance(frame, pl.DataFrame)
        hits: list[str | None] = [None] * frame.height
        for columns, index in ((self.config.text_columns, self.stems), (self.config.abc_columns, self.scores)):
            if columns:
                found = index.matches(frame.select(joined(columns).alias("t"))["t"])
                hits = [h or f for h, f in zip(hits, found, strict=True)]
        return [Drop("contaminated", f"overlaps benchmark item {h}", related_id=h) if h else None for h in hits]
