"""Near-duplicate removal with MinHash LSH: one row kept per cluster, the others rejected as `duplicate`.

Signatures are computed per slice of the input (written as shards in the step's state folder),
band hashes grouped one band at a time, candidate pairs verified by exact (or estimated) Jaccard
and joined by union-find. With `against_version`, only new rows are checked against the rows an
earlier version published (which always win and are not written again).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import Field

from curate.dedup.clusters import KeepPolicy, components
from curate.dedup.keep import AGAINST, against, dropped_rows, keep_frame, kept_rows, ordered_priority, read_columns
from curate.dedup.near import MinHashParams, find_pairs, signature_task
from curate.dedup.normalize import Kind, joined
from curate.parallel import parallel_map
from curate.stage import GlobalStage, StageConfig, StageResult, StoreInput


class DedupMinhashConfig(StageConfig):
    columns: list[str] = Field(min_length=1)  # text columns joined into the document
    kind: Kind = "text"  # text: word n-grams; abc: character n-grams of the music body
    ngram: int | None = Field(None, ge=1)  # default 5 words (text) or 7 characters (abc)
    num_perm: int = Field(128, ge=8)
    seed: int = 1
    bands: int = Field(16, ge=1)
    rows: int = Field(8, ge=1)
    threshold: float = Field(0.8, gt=0, le=1)
    verify: Literal["exact", "estimate"] = "exact"
    keep: KeepPolicy = "smallest_id"
    keep_column: str | None = None
    schema_name: str | None = None  # the input table's schema (output rows keep it)
    against_version: str | None = None
    against_table: str | None = None  # default: this step's table
    batch_rows: int = Field(50_000, ge=1)
    anchors: int = Field(2, ge=1)  # each bucket member is verified against the bucket's first `anchors` members
    parallel_min_rows: int = Field(100_000, ge=0)  # below this a process pool costs more than it saves
    shard_rows: int | None = None


class DedupMinhash(GlobalStage):
    name = "dedup_minhash"
    Config = DedupMinhashConfig
    config: DedupMinhashConfig

    def params(self) -> MinHashParams:
        c = self.config
        ngram = c.ngram or (5 if c.kind == "text" else 7)
        return MinHashParams(c.kind, ngram, c.num_perm, c.seed, c.bands, c.rows, c.threshold, c.verify, c.anchors)

    def mapper(self, n_docs: int) -> Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]:
        """Pieces (signature slices, bands) go through `parallel_map`: the run's workers, or Ray tasks."""
        small = n_docs < self.config.parallel_min_rows and self.context.executor != "ray"
        context = dataclasses.replace(self.context, workers=1) if small else self.context
        return lambda fn, items: parallel_map(fn, items, context)

    @classmethod
    def needs(cls, config: StageConfig) -> list[str]:
        return read_columns(config)

    @classmethod
    def store_inputs(cls, config: StageConfig, step: str) -> dict[str, StoreInput]:
        return against(config, step)

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        c = self.config
        (new,) = (frame for name, frame in tables.items() if name != AGAINST)
        text = joined(c.columns)
        frames = [new]
        if c.against_version:
            frames += [tables.pop(AGAINST)] if AGAINST in tables else []
        keys = [keep_frame(f, text, c.keep, c.keep_column).collect() for f in frames]
        sizes = [k.height for k in keys]
        all_keys = pl.concat(keys, how="vertical_relaxed")
        is_old = np.arange(all_keys.height) >= sizes[0]
        # Documents are numbered in id order so pairs, clusters and output never depend on input order.
        order = all_keys.with_row_index("_row").sort("id")["_row"].to_numpy()
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        prio = ordered_priority(all_keys[order], c.keep, c.keep_column, is_old[order])

        work = self.scratch / "minhash"  # band files: read by the pieces `parallel_map` runs
        jobs, start = [], 0
        for frame, size in zip(frames, sizes, strict=True):
            for lo in range(0, size, c.batch_rows):
                texts = frame.slice(lo, c.batch_rows).select(text.alias("t")).collect()["t"].to_arrow()
                jobs.append(
                    (self.params(), work / f"{len(jobs):05d}", texts, rank[start + lo : start + lo + len(texts)])
                )
            start += size
        mapper = self.mapper(len(rank))
        shard_dirs = mapper(signature_task, jobs)
        pairs, sims = find_pairs(self.params(), shard_dirs, len(rank), mapper)
        old_sorted = is_old[order]
        pairs = pairs[~(old_sorted[pairs[:, 0]] & old_sorted[pairs[:, 1]])]  # published rows are not re-checked
        keeper = components(len(rank), pairs, prio)

        ids = all_keys["id"][order]
        new_rank = rank[: sizes[0]]
        dropped = keeper[new_rank] != new_rank
        self.counters["candidate_pairs_verified"] += len(pairs)
        self.counters["clusters"] += int(len(np.unique(keeper[np.unique(pairs)]))) if len(pairs) else 0
        gone_rank = new_rank[np.flatnonzero(dropped)]
        kept_ids = ids.gather(keeper[gone_rank]).to_list()
        best = _best_similarity(pairs, sims, gone_rank)
        notes = [f"near-duplicate, Jaccard {s:.3f} with a cluster member" for s in best]
        return StageResult(
            rows=kept_rows(new, dropped), rejects=dropped_rows(new, dropped, kept_ids, "duplicate", notes)
        )


def _best_similarity(pairs: np.ndarray, sims: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each member's highest verified similarity (why it was joined to its cluster)."""
    best = np.zeros(int(pairs.max()) + 1 if len(pairs) else 1)
    if len(pairs):
        np.maximum.at(best, pairs[:, 0], sims)
        np.maximum.at(best, pairs[:, 1], sims)
    return best[members] if len(members) else np.zeros(0)
