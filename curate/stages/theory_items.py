"""Music-theory reasoning items from the scores table, answers computed from each score with music21.

For every score row and every configured kind, one item is drafted (music21's ABC reader), its options
shuffled with a seed from its id, and its answer recomputed from its own `abc_score` through abc2xml
(the independent check). A tune that cannot give a kind, or whose item fails the check, becomes a
reject naming the kind and the reason (`ambiguous_key`, `no_harmony`, `check_disagrees`...).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import field_validator

from curate import theory
from curate.hashing import digest, sha256_file
from curate.stage import Reject, RejectRow, ShardStage, StageConfig, StageResult
from curate.theory.item import TuneContext, finish, item_id
from curate.theory.kinds import KINDS


class TheoryItemsConfig(StageConfig):
    kinds: list[str] = list(KINDS)
    seed: int = 0  # changes every option shuffle and choice of bar
    dev_fraction: float = 0.05  # items marked split=dev, used as few-shot examples by `curate eval`
    max_items_per_score: int | None = None  # None: one item per kind per score

    @field_validator("kinds")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; known: {sorted(KINDS)}")
        return value


class TheoryItems(ShardStage):
    name = "theory_items"
    Config = TheoryItemsConfig
    config: TheoryItemsConfig
    input_schema = "scores"
    output_schema = "theory_items"
    requires = ("music21", "converter21")
    batch_size = 256

    @classmethod
    def code_version(cls) -> str:
        """Also changes when any generator or the checker changes, so their old items are redone."""
        files = sorted(Path(theory.__file__).parent.rglob("*.py"))
        return digest(super().code_version(), [sha256_file(f) for f in files])[:16]

    def process(self, batch: pa.Table) -> StageResult:
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        for score in batch.select(["id", "abc"]).to_pylist():
            if not score["abc"]:
                rejects.append(Reject({"id": score["id"]}, "empty_abc"))
                continue
            ctx = TuneContext.from_abc(score["id"], score["abc"])
            made = 0
            for kind in self.config.kinds:
                if self.config.max_items_per_score is not None and made >= self.config.max_items_per_score:
                    break
                try:
                    rows.append(finish(KINDS[kind], ctx, self.config.seed, self.config.dev_fraction))
                    made += 1
                    self.counters[f"items_{kind}"] += 1
                except RejectRow as skip:
                    if skip.reason.startswith("check_"):
                        self.counters["rejected_by_check"] += 1
                    row = {"id": item_id(score["id"], kind, {"attempt": self.config.seed}), "parent_id": score["id"],
                           "kind": kind}  # fmt: skip
                    rejects.append(Reject(row, skip.reason, f"{kind}: {skip.detail}"[:500], related_id=score["id"]))
        return StageResult(rows=rows, rejects=rejects)
