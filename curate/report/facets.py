"""What a table shows beyond schema and sample rows, by what it holds: tunes drawn as notation for
score tables, languages/durations/music evidence for songs, backend/model/prompt/tokens/cost for LLM
output. Aggregates read only the columns they count; tunes are a seeded sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from curate.report.notation import Rendered, render_abc
from curate.report.sampling import seeded_key
from curate.store import Store

SCORE_COLUMNS = {"abc", "key", "meter"}
SONG_COLUMNS = {"language", "duration_s", "is_music"}
LLM_COLUMNS = {"backend", "model", "prompt_hash"}
TOP = 15
_DURATIONS = [(0, 60, "< 1 min"), (60, 120, "1-2 min"), (120, 180, "2-3 min"), (180, 300, "3-5 min"),
              (300, 600, "5-10 min"), (600, 900, "10-15 min"), (900, None, ">= 15 min")]  # fmt: skip


@dataclass
class Tune:
    row: dict[str, Any]
    drawing: Rendered
    copies: list[Tune] = field(default_factory=list)  # transposed copies, drawn beside the original


@dataclass
class Counts:
    title: str
    items: list[tuple[str, int]]  # (label, rows), largest first
    total: int


def _counts(scan: pl.LazyFrame, column: str, title: str, top: int = TOP) -> Counts:
    frame = scan.group_by(pl.col(column).cast(pl.String).fill_null("(null)")).agg(pl.len()).collect()
    frame = frame.sort(["len", column], descending=[True, False])
    items = list(frame.head(top).iter_rows())
    rest = int(frame["len"].slice(top).sum())
    return Counts(title, items + ([("(other)", rest)] if rest else []), int(frame["len"].sum()))


def tunes(store: Store, paths: list[str], names: list[str], sample: list[dict[str, Any]], k: int, seed: int,
          drawings: dict[str, Rendered]) -> list[Tune]:  # fmt: skip
    """k original tunes of the seeded `sample`, each with up to two of its transposed copies, drawn once
    per report."""

    def draw(row: dict[str, Any]) -> Tune:
        if row["id"] not in drawings:
            drawings[row["id"]] = render_abc(row["abc"] or "")
        return Tune(row, drawings[row["id"]])

    rows = [r for r in sample if not r.get("augmented")][:k]
    out = [draw(r) for r in rows]
    if "parent_id" in names and "augmented" in names and out:
        scan = store.scan(paths)
        copies = scan.filter(pl.col("parent_id").is_in([t.row["id"] for t in out]) & pl.col("augmented")).collect()
        for tune in out:
            mine = [r for r in copies.to_dicts() if r["parent_id"] == tune.row["id"]]
            mine.sort(key=lambda r: seeded_key(seed, r["id"]))
            tune.copies = [draw(r) for r in mine[:2]]
    return out


def songs(scan: pl.LazyFrame, names: list[str]) -> list[Counts]:
    out = [_counts(scan, "language", "Languages")]
    minutes = pl.col("duration_s")
    label = pl.when(minutes.is_null()).then(pl.lit("(unknown)"))
    for lo, hi, text in _DURATIONS:
        label = label.when((minutes >= lo) & (minutes < hi) if hi else minutes >= lo).then(pl.lit(text))
    order = {text: i for i, (_, _, text) in enumerate(_DURATIONS)}
    durations = scan.select(label.alias("duration")).group_by("duration").agg(pl.len()).collect()
    items = sorted(durations.iter_rows(), key=lambda r: order.get(r[0], len(order)))
    out.append(Counts("Durations", items, int(durations["len"].sum())))
    out.append(_counts(scan, "is_music", "is_music"))
    if "music_evidence" in names:
        out.append(_counts(scan, "music_evidence", "Why is_music was set (music_evidence)"))
    return out


def llm(scan: pl.LazyFrame, names: list[str]) -> list[dict[str, Any]]:
    """Rows and tokens per backend, model and prompt."""
    keys = [c for c in ("backend", "model", "prompt_id", "prompt_hash") if c in names]
    sums = [pl.col(c).sum() for c in ("prompt_tokens", "completion_tokens") if c in names]
    frame = scan.group_by(keys).agg(pl.len().alias("rows"), *sums).sort(keys).collect()
    return frame.to_dicts()


STEP_LLM_COUNTERS = ("prompt_tokens", "completion_tokens", "cost_usd", "cache_hits", "template_answers", "retries")


def llm_counters(step: dict[str, Any]) -> dict[str, float]:
    """The step's own accounting from the manifest: tokens, cost, cache hits, failures."""
    counters = step.get("counters", {})
    return {k: v for k, v in counters.items() if k in STEP_LLM_COUNTERS or k.startswith("failed_")}
