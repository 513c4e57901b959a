"""Scale benchmark: N songs (default 1M) through ingest, langid, dedup, template summaries and QA, and
release assembly, on the local executor and on Ray, with byte-identical outputs required.

    python bench/scale.py                 # 1,000,000 dump lines + 3,000 scores, local and Ray
    python bench/scale.py --songs 50000   # a quicker look
    python bench/scale.py --executors local

Prints rows per second per stage and executor, peak memory, and as its last line one JSON object
with `songs`, `local_wall_s`, `ray_wall_s`, `peak_rss_mb`, `outputs_identical`.
Peak memory is the largest resident set of any one process (the run or a worker), sampled.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from scale_data import write_scores, write_songs  # noqa: E402

OUT = Path(__file__).parent / "out" / "scale"
RELEASE = {"eval_fraction": 0.01, "shard_rows": 250_000}


def pipeline(songs: Path, scores: Path) -> dict:
    def release(fmt: str, components: list[dict]) -> dict:
        tables = sorted({c["table"] for c in components} | {c.get("context_table") for c in components} - {None})
        return {"name": f"release_{fmt}", "stage": "release", "input": tables,
                "config": {"format": fmt, **RELEASE, "components": components}}  # fmt: skip

    text = [
        {"table": "summaries", "src": "youtube_summaries", "task": "text", "column": "summary"},
        {"table": "scores_unique", "src": "music21_abc", "task": "text", "column": "abc"},
    ]
    sft = [
        {"table": "qa_pairs", "src": "music_qa", "task": "qa"},
        {"table": "scores_unique", "src": "score_tasks", "task": "score_tasks", "tasks_per_row": 2},
    ]
    return {
        "dataset": "scale",
        "version": "1",
        "inputs": {"dump": {"path": str(songs)}, "score_rows": {"path": str(scores)}},
        "steps": [
            {"name": "songs_raw", "stage": "ytdlp_dump", "input": "dump"},
            {"name": "songs_lang", "stage": "langid", "input": "songs_raw", "config": {"engine": "cld2"}},
            {"name": "songs", "stage": "song_filter", "input": "songs_lang",
             "config": {"music_only": True, "min_duration_s": 30, "required": ["title"]}},
            {"name": "songs_dedup", "stage": "dedup_minhash", "input": "songs",
             "config": {"columns": ["title", "description_clean"], "keep": "most_views", "schema_name": "songs"}},
            {"name": "summaries", "stage": "summarize", "input": "songs_dedup",
             "config": {"llm": {"backend": "template"}}},
            {"name": "qa_pairs", "stage": "qa", "input": "summaries",
             "config": {"llm": {"backend": "template"}, "pairs_per_summary": 3}},
            {"name": "scores", "stage": "read", "input": "score_rows", "config": {"schema_name": "scores"}},
            {"name": "scores_unique", "stage": "dedup_exact", "input": "scores",
             "config": {"columns": ["abc"], "keep": "smallest_id", "schema_name": "scores"}},
            release("pretrain", text),
            release("sft", sft),
        ],
    }  # fmt: skip


class PeakRss:
    """Samples the resident memory of a process tree; keeps the largest single process."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for proc in procs:
                try:
                    self.peak = max(self.peak, proc.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            time.sleep(0.2)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def run(executor: str, pipeline_file: Path, root: Path, workers: int) -> tuple[float, int, dict]:
    cmd = [sys.executable, "-m", "curate.cli", "run", str(pipeline_file), "--root", str(root), "--fresh",
           "--workers", str(workers), "--executor", executor, "--manifests", str(root / "manifests"),
           "--log-json"]  # fmt: skip
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    sampler = PeakRss(proc.pid)
    _, err = proc.communicate()
    peak = sampler.stop()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{executor} run failed:\n{err[-3000:]}")
    manifest = json.loads((root / "scale" / "1" / "manifest.json").read_text())
    return wall, peak, manifest


def checksums(manifest: dict) -> dict[str, str]:
    files = [f for t in manifest["tables"].values() for f in t["shards"]] + manifest["rejects"]["shards"]
    return {f["path"]: f["sha256"] for f in files}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=1_000_000)
    parser.add_argument("--scores", type=int, default=3_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--executors", default="local,ray")
    args = parser.parse_args()

    OUT.mkdir(parents=True, exist_ok=True)
    songs, scores = OUT / f"songs-{args.songs}.jsonl", OUT / f"scores-{args.scores}.jsonl"
    started = time.perf_counter()
    if not songs.exists():
        write_songs(songs, args.songs)
    if not scores.exists():
        write_scores(scores, args.scores)
    print(f"inputs: {args.songs:,} dump lines ({songs.stat().st_size / 1e9:.2f} GB), {args.scores:,} scores "
          f"({time.perf_counter() - started:.0f} s to generate or find)")  # fmt: skip
    pipeline_file = OUT / "pipeline.yaml"
    pipeline_file.write_text(yaml.safe_dump(pipeline(songs, scores), sort_keys=False))

    results: dict[str, tuple[float, int, dict]] = {}
    for executor in args.executors.split(","):
        results[executor] = run(executor, pipeline_file, OUT / f"store-{executor}", args.workers)
        wall, peak, _ = results[executor]
        print(f"{executor}: {wall:.1f} s wall, peak RSS of one process {peak / 2**20:.0f} MB", flush=True)

    names = [s["name"] for s in next(iter(results.values()))[2]["steps"]]
    header = f"{'stage':<16}{'rows in':>12}{'rows out':>12}" + "".join(f"{e + ' rows/s':>16}" for e in results)
    print("\n" + header + "\n" + "-" * len(header))
    for name in names:
        step = {e: next(s for s in r[2]["steps"] if s["name"] == name) for e, r in results.items()}
        first = next(iter(step.values()))
        rates = "".join(f"{s['rows_in'] / max(s['wall_s'], 1e-9):>16,.0f}" for s in step.values())
        print(f"{name:<16}{first['rows_in']:>12,}{first['rows_out']:>12,}{rates}")

    sums = [checksums(r[2]) for r in results.values()]
    summary = {
        "songs": args.songs,
        "scores": args.scores,
        "workers": args.workers,
        "local_wall_s": round(results["local"][0], 1) if "local" in results else None,
        "ray_wall_s": round(results["ray"][0], 1) if "ray" in results else None,
        "peak_rss_mb": round(max(r[1] for r in results.values()) / 2**20),
        "outputs_identical": all(s == sums[0] for s in sums) if len(sums) > 1 else None,
        "release_rows": {
            t: next(iter(results.values()))[2]["tables"][t]["rows"] for t in ("release_pretrain", "release_sft")
        },
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
