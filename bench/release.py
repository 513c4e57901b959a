"""Release assembly speed: group splitting, the release stage, and the export, against references.

Run: `python bench/release.py [--songs 20000]` (synthetic rows: songs -> summaries -> 4 QA pairs each,
with 2% of songs rejected as duplicates). References, same machine, same run:
- split: scikit-learn's GroupShuffleSplit given the groups ready-made (it cannot follow parent chains
  or duplicate clusters, so it does less work than ours);
- export: `datasets.Dataset.from_polars(...).to_parquet` per split (no card, no stats).
Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from curate.hashing import stable_id  # noqa: E402
from curate.release.grouping import Groups, is_eval, link_tables  # noqa: E402
from curate.release.mixture import ReleaseConfig  # noqa: E402
from curate.stage import StageContext  # noqa: E402
from curate.stages.release import Release  # noqa: E402


def tables(songs: int) -> dict[str, pl.LazyFrame]:
    song_ids = [f"youtube:v{i:010d}" for i in range(songs)]
    summary_ids = [stable_id("summary", s) for s in song_ids]
    qa_parent = [s for s in summary_ids for _ in range(4)]
    qa_song = [s for s in song_ids for _ in range(4)]
    return {
        "songs": pl.LazyFrame({"id": song_ids, "parent_id": [None] * songs, "title": [f"t{i}" for i in range(songs)]}),
        "summaries": pl.LazyFrame(
            {
                "id": summary_ids,
                "parent_id": song_ids,
                "summary": [f"A reel in D major, set {i}." for i in range(songs)],
            }
        ),  # fmt: skip
        "qa_pairs": pl.LazyFrame(
            {
                "id": [stable_id("qa", p, i % 4) for i, p in enumerate(qa_parent)],
                "parent_id": qa_parent,
                "song_id": qa_song,
                "question": [f"What is the key of set {i}?" for i in range(len(qa_parent))],
                "answer": ["D major."] * len(qa_parent),
            }
        ),  # fmt: skip
    }


def timed(fn) -> tuple[float, object]:  # noqa: ANN001
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--songs", type=int, default=20000)
    args = parser.parse_args()
    frames = tables(args.songs)
    rows = sum(f.select(pl.len()).collect().item() for f in frames.values())

    def ours_split() -> int:
        groups = Groups()
        link_tables(groups, frames)
        qa = frames["qa_pairs"].collect()
        return sum(is_eval(groups.find(i), 0, 0.05) for i in qa["id"])

    from sklearn.model_selection import GroupShuffleSplit  # imported before timing

    def sklearn_split() -> int:
        qa = frames["qa_pairs"].collect()
        _, test = next(
            GroupShuffleSplit(n_splits=1, test_size=0.05, random_state=0).split(qa["id"], groups=qa["song_id"])
        )
        return len(test)

    t_ours, _ = timed(ours_split)
    t_ref, _ = timed(sklearn_split)

    with tempfile.TemporaryDirectory() as tmp:
        context = StageContext(
            step="release_sft", dataset="bench", version="1", cache_dir=Path(tmp), pipeline_dir=Path(tmp)
        )
        config = ReleaseConfig.model_validate({"format": "sft", "components": [
            {"table": "qa_pairs", "src": "qa", "task": "qa"},
            {"table": "summaries", "src": "summaries", "task": "summary", "context_table": "songs"}]})  # fmt: skip
        stage = Release(config, context)
        t_stage, result = timed(lambda: stage.process_all(frames))
        out_rows = len(result.rows)

        import datasets

        from curate.release.export import ConfigData, write_shards

        frame = pl.DataFrame(result.rows)
        splits = {s: frame.filter(pl.col("split") == s).drop("split") for s in ("train", "eval")}
        data = ConfigData("sft", "release_sft", "release_sft", splits)
        t_export, _ = timed(lambda: write_shards(Path(tmp) / "ours", data, None, 256 * 1024**2))

        def ref_export() -> None:
            for s, part in splits.items():
                datasets.Dataset.from_polars(part).to_parquet(str(Path(tmp) / "ref" / f"{s}.parquet"))

        t_ref_export, _ = timed(ref_export)

    table = [
        ("group split (parent chains, dup clusters)", t_ours, "sklearn GroupShuffleSplit (groups given)", t_ref),
        ("release stage, sft (sample+split+format)", t_stage, "-", None),
        ("export shards (parquet, per split)", t_export, "datasets.Dataset.to_parquet", t_ref_export),
    ]
    print(f"input rows {rows}, sft rows out {out_rows}")
    print(f"{'task':<44} {'curate s':>9} {'rows/s':>10}   {'reference':<42} {'ref s':>7}")
    for name, ours, ref_name, ref in table:
        rate = (out_rows if "export" in name else rows) / ours
        print(f"{name:<44} {ours:>9.3f} {rate:>10.0f}   {ref_name:<42} {'' if ref is None else f'{ref:.3f}':>7}")
    summary = {"bench": "release", "input_rows": rows, "sft_rows": out_rows, "split_s": round(t_ours, 3),
               "split_ref_s": round(t_ref, 3), "stage_s": round(t_stage, 3), "stage_rows_per_s": round(rows / t_stage),
               "export_s": round(t_export, 3), "export_ref_s": round(t_ref_export, 3)}  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
