"""Find music terms in each document with one automaton pass; keep documents rich in them.

The matches, distinct counts, score and density are stored as columns of `music_text`, so the
keep rule can be re-tuned later with a `filter` step instead of a rerun. With `reject: false` the
stage only annotates.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from curate.hashing import digest, sha256_file
from curate.resources import pipelines_dir
from curate.stage import Drop, FilterStage, FilterStageConfig, Reject, StageConfig
from curate.text.lexicon import load_lexicon
from curate.text.matcher import TermMatcher
from curate.text.table import TABLE, split_missing_text, to_music_text


class MusicTermsConfig(FilterStageConfig):
    languages: list[str] = ["en"]
    extra_lists: list[str] = []  # more term files, relative to the pipeline file
    ambiguous_weight: float = 0.5  # `~` terms
    very_ambiguous_weight: float = 0.25  # `~~` terms ("note", "key", "score")
    min_score: float = 0.75  # weighted distinct terms; chosen on the eval set's dev split (docs/music_text.md)
    min_strong: int = 0  # distinct unambiguous terms
    min_density: float = 2.0  # matches per 1,000 words (bites on long documents)
    reject: bool = True  # False: annotate only
    text_field: str = "text"
    id_field: str = "id"


class MusicTerms(FilterStage):
    name = "music_terms"
    Config = MusicTermsConfig
    config: MusicTermsConfig
    output_schema = TABLE

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, MusicTermsConfig)
        return [config.text_field, config.id_field]

    @classmethod
    def code_version(cls) -> str:
        # The bundled term lists are code too: editing them must redo finished tasks.
        lists = sorted((pipelines_dir() / "lexicon").rglob("*.txt"))
        return digest(super().code_version(), [(p.parent.name, p.name, sha256_file(p)) for p in lists])[:16]

    def setup(self) -> None:
        extra = [self.context.pipeline_dir / Path(p) for p in self.config.extra_lists]
        self.matcher = TermMatcher(
            load_lexicon(self.config.languages, extra), self.config.ambiguous_weight, self.config.very_ambiguous_weight
        )

    def annotate(self, batch: pa.Table) -> tuple[pa.Table, list[Reject]]:
        cfg = self.config
        batch, empty = split_missing_text(batch, cfg.text_field)
        rejects = [Reject(row, "no_text") for row in empty]
        table = to_music_text(batch, cfg.text_field, cfg.id_field)
        matches = [self.matcher.match(t) for t in table.column("text").to_pylist()]
        columns = {
            "music_terms": pa.array([list(m.terms) for m in matches], pa.list_(pa.string())),
            "music_categories": pa.array([list(m.categories) for m in matches], pa.list_(pa.string())),
            "music_term_count": pa.array([m.count for m in matches], pa.int64()),
            "music_term_distinct": pa.array([m.distinct for m in matches], pa.int64()),
            "music_term_strong": pa.array([m.strong for m in matches], pa.int64()),
            "music_term_score": pa.array([m.score for m in matches], pa.float64()),
            "music_term_density": pa.array([m.density for m in matches], pa.float64()),
            "words": pa.array([m.words for m in matches], pa.int64()),
            "lexicon_hash": pa.array([self.matcher.lexicon.hash] * len(matches), pa.string()),
        }
        for name, values in columns.items():
            table = table.set_column(table.schema.get_field_index(name), name, values)
        self.counters["music_term_matches"] += sum(m.count for m in matches)
        return table, rejects

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        c = self.config
        names = ("music_term_score", "music_term_strong", "music_term_density")
        out: list[Drop | None] = []
        for score, strong, density in zip(*(table.column(n).to_pylist() for n in names), strict=True):
            few = score < c.min_score or strong < c.min_strong
            if not few and density >= c.min_density:
                out.append(None)
                continue
            detail = f"score={score:.2f} strong={strong} density={density:.2f} (min {c.min_score}/{c.min_strong}/"
            out.append(Drop("few_music_terms" if few else "low_music_density", f"{detail}{c.min_density})"))
        return out
