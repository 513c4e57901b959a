"""Assemble one release format (pretraining, SFT or chat) from a mixture of tables.

Order matters: rows are sampled per component (ratio, cap), split train/eval by group (a song with
its summaries and QA pairs, a tune with its transpositions, a duplicate cluster), and only then
upsampled (train only), so no copy of an eval row reaches train. Everything is seeded: the same
inputs and config give the same rows in the same order.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl

from curate.errors import CurateError
from curate.hashing import stable_id
from curate.release.formats import Example, examples_of, render
from curate.release.grouping import Groups, is_eval, link_rejects, link_tables, seeded_unit
from curate.release.mixture import Component, ReleaseConfig
from curate.release.shuffle import Shuffle
from curate.release.tokens import TEXT_COLUMNS, TokenCounter, token_counter, tokenizer_file
from curate.schemas import load_schema
from curate.stage import GlobalStage, StageConfig, StageResult, StoreInput

CHUNK_ROWS = 50_000  # source rows turned into examples at a time
REJECTS = "@rejects"


class Release(GlobalStage):
    name = "release"
    code_paths = ("curate.release", "curate.tune")  # its helpers and the tune analysis of score tasks
    Config = ReleaseConfig
    config: ReleaseConfig

    @classmethod
    def schema_for(cls, config: StageConfig) -> str:
        assert isinstance(config, ReleaseConfig)
        return f"release_{config.format}"

    @classmethod
    def store_inputs(cls, config: StageConfig, step: str) -> dict[str, StoreInput]:
        return {REJECTS: StoreInput("rejects")}  # duplicate links: a cluster never straddles the split

    @classmethod
    def config_files(cls, config: StageConfig, pipeline_dir: Path) -> list[Path]:
        """A local tokenizer file shapes the output (token ratios and caps): hashed into the fingerprint."""
        assert isinstance(config, ReleaseConfig)
        found = tokenizer_file(config.tokenizer, pipeline_dir) if config.tokenizer else None
        return [found] if found else []

    def setup(self) -> None:
        self.tokens: TokenCounter = token_counter(self.config.tokenizer, self.context.pipeline_dir)

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        groups = Groups()
        rejects = tables.pop(REJECTS, None)
        link_tables(groups, tables)
        self.counters["duplicate_links"] += link_rejects(groups, rejects)
        picked: list[tuple[Component, pl.LazyFrame, int]] = []
        for component in self.config.components:
            if component.table not in tables:
                if not self.config.skip_missing_tables:
                    raise CurateError(f"release component '{component.src}' names table '{component.table}', "
                                      f"which is not an input of step '{self.context.step}'")  # fmt: skip
                self.counters[f"skipped_component_{component.src}"] += 1
                continue
            frame, height = self._sample(tables[component.table], component, tables)
            picked.append((component, frame, height))
        # rows go to buckets by their seeded order key, then each bucket is sorted: a deterministic shuffle
        # of any size in bounded memory (the same order as sorting everything at once)
        estimate = sum(h * (c.tasks_per_row or 1) * math.ceil(c.upsample) for c, _, h in picked)
        shuffle = Shuffle(load_schema(f"release_{self.config.format}").arrow, buckets=estimate // 200_000 + 1)
        for component, frame, height in picked:
            for lo in range(0, height, CHUNK_ROWS):
                chunk = frame.slice(lo, CHUNK_ROWS).collect()
                rows = self._component_rows(component, tables, chunk, groups)
                shuffle.add(rows, [seeded_unit(self.config.seed, "order", r["id"]) for r in rows])
        return StageResult(rows=shuffle.sorted_tables())

    def _component_rows(self, component: Component, tables: dict[str, pl.LazyFrame], picked: pl.DataFrame,
                        groups: Groups) -> list[dict]:  # fmt: skip
        context = self._context(component, tables, picked)
        cfg, src = self.config, component.src
        out = []
        sides: dict[str, str] = {}  # group -> split, computed once per group
        group_of = groups.keys(picked["id"]).to_list()
        skipped: Counter[str] = Counter()  # score tasks that did not apply, by task and reason
        for row, group in zip(picked.iter_rows(named=True), group_of, strict=True):
            examples = examples_of(row, component, context, cfg.seed, skipped)
            if not examples:
                self.counters[f"unusable_{src}"] += 1
                continue
            if group not in sides:
                sides[group] = cfg.eval_split if is_eval(group, cfg.seed, cfg.eval_fraction) else "train"
            split = sides[group]
            for example in examples:
                for copy in range(self._copies(example, component, split)):
                    out.append(self._row(example, src, split, copy))
            self.counters[f"rows_{src}_{split}"] += 1
        for reason, count in skipped.items():
            self.counters[f"skipped_{src}_{reason}"] += count
        if out:  # tokens per source and split, as the card reports them (the manifest keeps them)
            columns = ["split", *(c for c in TEXT_COLUMNS[f"release_{cfg.format}"] if c in out[0])]
            frame = pl.DataFrame({c: [r[c] for r in out] for c in columns}, schema={c: pl.String for c in columns})
            counted = frame.with_columns(tokens=self.tokens.row_tokens(frame, f"release_{cfg.format}"))
            for split, n in counted.group_by("split").agg(pl.col("tokens").sum()).iter_rows():
                self.counters[f"tokens_{src}_{split}"] += n
        return out

    def _sample(self, frame: pl.LazyFrame, component: Component,
                tables: dict[str, pl.LazyFrame]) -> tuple[pl.LazyFrame, int]:  # fmt: skip
        """Seeded choice of `ratio` of the rows, at most `cap`: the same rows on every run."""
        if component.where:
            frame = frame.filter(pl.sql_expr(component.where).fill_null(False))
        if component.unit == "tokens":
            return self._sample_tokens(frame, component, tables)
        ids = frame.select("id").collect()["id"]
        take = math.ceil(len(ids) * component.ratio)
        if component.cap is not None:
            take = min(take, component.cap)
        if take >= len(ids):
            return frame, len(ids)
        keys = pl.Series([seeded_unit(self.config.seed, component.src, rid) for rid in ids])
        self.counters[f"sampled_out_{component.src}"] += len(ids) - take
        chosen = ids.gather(keys.arg_sort()[:take])
        return frame.filter(pl.col("id").is_in(chosen.implode())), take

    def _sample_tokens(self, frame: pl.LazyFrame, component: Component,
                       tables: dict[str, pl.LazyFrame]) -> tuple[pl.LazyFrame, int]:  # fmt: skip
        """Rows in seeded order while their tokens (of the examples each makes, before upsampling) stay
        within `ratio` of all the rows' tokens and within `cap` tokens."""
        ids, tokens = [], []
        height = frame.select(pl.len()).collect().item()
        for lo in range(0, height, CHUNK_ROWS):
            chunk = frame.slice(lo, CHUNK_ROWS).collect()
            context = self._context(component, tables, chunk)
            made, owner = [], []
            for i, row in enumerate(chunk.iter_rows(named=True)):
                for example in examples_of(row, component, context, self.config.seed):
                    made.append(render(example, self.config.format))
                    owner.append(i)
            counts = [0] * chunk.height
            if made:
                counted = self.tokens.row_tokens(pl.DataFrame(made), f"release_{self.config.format}")
                for i, n in zip(owner, counted.to_list(), strict=True):
                    counts[i] += n
            ids += chunk["id"].to_list()
            tokens += counts
        budget = math.ceil(sum(tokens) * component.ratio)
        if component.cap is not None:
            budget = min(budget, component.cap)
        order = sorted(range(len(ids)), key=lambda i: seeded_unit(self.config.seed, component.src, ids[i]))
        chosen, used = [], 0
        for i in order:  # a prefix of the seeded order: the first row that would pass the budget ends it
            if used + tokens[i] > budget:
                break
            chosen.append(ids[i])
            used += tokens[i]
        self.counters[f"sampled_out_{component.src}"] += len(ids) - len(chosen)
        return frame.filter(pl.col("id").is_in(pl.Series(chosen, dtype=pl.String).implode())), len(chosen)

    def _context(self, component: Component, tables: dict[str, pl.LazyFrame],
                 picked: pl.DataFrame) -> dict[str, dict[str, Any]]:  # fmt: skip
        if component.task != "summary" or component.context_table is None:
            return {}
        if component.context_table not in tables:
            raise CurateError(f"context_table '{component.context_table}' of component '{component.src}' "
                              f"is not an input of step '{self.context.step}'")  # fmt: skip
        wanted = picked["parent_id"].drop_nulls().unique()
        songs = tables[component.context_table].filter(pl.col("id").is_in(wanted.implode())).collect()
        return {r["id"]: r for r in songs.iter_rows(named=True)}

    def _copies(self, example: Example, component: Component, split: str) -> int:
        if split != "train" or component.upsample == 1:
            return 1
        whole = int(component.upsample)
        extra = seeded_unit(self.config.seed, "upsample", example.source_id, example.task)
        return whole + (extra < component.upsample - whole)

    def _row(self, example: Example, src: str, split: str, copy: int) -> dict[str, Any]:
        fmt = self.config.format
        return {
            **render(example, fmt),
            "id": stable_id(fmt, src, example.source_id, example.task, copy),
            "src": src,
            "parent_ids": [example.source_id],
            "split": split,
        }
