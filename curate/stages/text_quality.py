"""Gopher/C4-style quality heuristics for general text: statistics as columns, one reject reason each.

Reasons: too_few_words, too_many_words, short_words, long_words, symbol_ratio, bullet_lines,
ellipsis_lines, non_alpha_words, few_stop_words, dup_lines, dup_line_chars, top_<n>gram, dup_<n>gram.
A document breaking several rules is rejected with the first; the detail lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from curate.stage import Drop, FilterStage, FilterStageConfig, Reject, StageConfig
from curate.text.quality import STAT_NAMES, STOP_WORDS, QualityRules, quality_stats
from curate.text.table import TABLE, split_missing_text, to_music_text


class TextQualityConfig(FilterStageConfig):
    rules: QualityRules = QualityRules()
    stop_words: list[str] | None = None  # default: Gopher's English list; set for other languages
    reject: bool = True  # False: annotate only
    text_field: str = "text"
    id_field: str = "id"


class TextQuality(FilterStage):
    name = "text_quality"
    Config = TextQualityConfig
    config: TextQualityConfig
    output_schema = TABLE

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, TextQualityConfig)
        return [config.text_field, config.id_field]

    def setup(self) -> None:
        words = self.config.stop_words
        self.stop_words = STOP_WORDS if words is None else frozenset(w.casefold() for w in words)

    def annotate(self, batch: pa.Table) -> tuple[pa.Table, list[Reject]]:
        cfg = self.config
        batch, empty = split_missing_text(batch, cfg.text_field)
        rejects = [Reject(row, "no_text") for row in empty]
        table = to_music_text(batch, cfg.text_field, cfg.id_field)
        stats = [quality_stats(t, self.stop_words) for t in table.column("text").to_pylist()]
        for name in STAT_NAMES:
            column = f"q_{name}"
            table = table.set_column(
                table.schema.get_field_index(column), column, pa.array([s[name] for s in stats], pa.float64())
            )
        return table, rejects

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        stats = table.select([f"q_{name}" for name in STAT_NAMES]).to_pylist()
        failures = [self.config.rules.failures({name: s[f"q_{name}"] for name in STAT_NAMES}) for s in stats]
        return [Drop(found[0][0], "; ".join(d for _, d in found)) if found else None for found in failures]
