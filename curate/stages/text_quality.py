"""Gopher/C4-style quality heuristics for general text: statistics as columns, one reject reason each.

Reasons: too_few_words, too_many_words, short_words, long_words, symbol_ratio, bullet_lines,
ellipsis_lines, non_alpha_words, few_stop_words, dup_lines, dup_line_chars, top_<n>gram, dup_<n>gram.
A document breaking several rules is rejected with the first; the detail lists them all.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from curate.stage import Reject, ShardStage, StageConfig, StageResult
from curate.text.quality import STAT_NAMES, STOP_WORDS, QualityRules, quality_stats
from curate.text.rows import TABLE, split_missing_text, to_music_text


class TextQualityConfig(StageConfig):
    rules: QualityRules = QualityRules()
    stop_words: list[str] | None = None  # default: Gopher's English list; set for other languages
    reject: bool = True  # False: annotate only
    keep_rejects: bool = True
    text_field: str = "text"
    id_field: str = "id"


class TextQuality(ShardStage):
    name = "text_quality"
    Config = TextQualityConfig
    config: TextQualityConfig
    output_schema = TABLE

    def setup(self) -> None:
        words = self.config.stop_words
        self.stop_words = STOP_WORDS if words is None else frozenset(w.casefold() for w in words)

    def process(self, batch: pa.Table) -> StageResult:
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
        if not cfg.reject:
            return StageResult(rows=table, rejects=rejects)
        failures = [cfg.rules.failures(s) for s in stats]
        keep = pa.array([not f for f in failures])
        for found in failures:
            if found:
                self.counters[f"dropped_{found[0][0]}"] += 1
        if cfg.keep_rejects:
            dropped = table.filter(pc.invert(keep)).to_pylist()
            rejects += [
                Reject(row, found[0][0], "; ".join(d for _, d in found))
                for row, found in zip(dropped, (f for f in failures if f), strict=True)
            ]
        return StageResult(rows=table.filter(keep), rejects=rejects)
