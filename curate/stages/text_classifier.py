"""Score documents with a classifier trained by `curate train-classifier`; keep those above a threshold.

The model file's sha256 is part of the config (so of the manifest and of every task's fingerprint):
retraining means a new hash, which redoes the step, and a model swapped under the same name is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from curate.stage import Drop, FilterStage, FilterStageConfig, Reject, StageConfig
from curate.text.classifier import load_model, score
from curate.text.table import TABLE, split_missing_text, to_music_text


class TextClassifierConfig(FilterStageConfig):
    model: str  # model file, relative to the pipeline file
    model_sha256: str  # printed by `curate train-classifier`
    threshold: float = 0.5
    reject: bool = True  # False: annotate only
    text_field: str = "text"
    id_field: str = "id"


class TextClassifier(FilterStage):
    name = "text_classifier"
    Config = TextClassifierConfig
    config: TextClassifierConfig
    output_schema = TABLE
    requires = ("sklearn",)

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        assert isinstance(config, TextClassifierConfig)
        return [config.text_field, config.id_field]

    def setup(self) -> None:
        self.model = load_model(self.context.pipeline_dir / Path(self.config.model), self.config.model_sha256)

    def annotate(self, batch: pa.Table) -> tuple[pa.Table, list[Reject]]:
        cfg = self.config
        batch, empty = split_missing_text(batch, cfg.text_field)
        rejects = [Reject(row, "no_text") for row in empty]
        table = to_music_text(batch, cfg.text_field, cfg.id_field)
        scores = score(self.model, table.column("text").to_pylist())
        table = table.set_column(
            table.schema.get_field_index("classifier_score"), "classifier_score", pa.array(scores, pa.float64())
        )
        table = table.set_column(
            table.schema.get_field_index("classifier_sha256"),
            "classifier_sha256",
            pa.array([cfg.model_sha256] * table.num_rows, pa.string()),
        )
        return table, rejects

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        least = self.config.threshold
        return [
            None if s >= least else Drop("classifier_below_threshold", f"score={s:.3f} < {least}")
            for s in table.column("classifier_score").to_pylist()
        ]
