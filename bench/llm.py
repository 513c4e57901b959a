"""Benchmark: the summarize stage against a loopback OpenAI-compatible server with a fixed latency.

    python bench/llm.py [--songs 4000] [--latency 0.2] [--concurrency 64] [--workers 1,2,4]

Rows: the reference (the bare `openai` async client in one event loop: no stage, no cache, no
validation), then `curate run` of the summarize stage with 1..N worker processes, each with its
share of the concurrency (and of any rate limit). Requests/s is measured on the server, from the
first request received to the last response sent (process start-up is listed apart as wall time);
the ideal is concurrency / latency. Client CPU per request is the stage's own CPU (`client_cpu_s`
counter) over requests sent. An immediate rerun, and a `--fresh` rerun served from the response
cache, must send 0 requests. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import openai

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.llm_pipelines import write_pipeline, write_songs  # noqa: E402

from curate.executors import make_executor  # noqa: E402
from curate.pipeline import load_pipeline  # noqa: E402
from curate.runner import RunResult, run_pipeline  # noqa: E402

ANSWER = json.dumps({"insufficient_information": False, "language": "en", "second_summary": None,
                     "second_language": None, "summary": "A bright pop ballad built on a piano riff, a steady "
                     "backbeat and a soaring chorus sung in a high register."})  # fmt: skip


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, str(ROOT / "tests" / "support" / "openai_server.py"), "--latency", str(latency),
           "--answer", ANSWER]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stats(url: str, reset: bool = False) -> dict[str, Any]:
    base = url.removesuffix("/v1")
    if reset:
        urllib.request.urlopen(urllib.request.Request(f"{base}/reset", method="POST"), timeout=10).read()
    return json.loads(urllib.request.urlopen(f"{base}/stats", timeout=10).read())


def rate(doc: dict[str, Any]) -> float:
    span = (doc["last_at"] or 0) - (doc["first_at"] or 0)
    return doc["completed"] / span if span > 0 else 0.0


async def _raw(url: str, songs: int, concurrency: int) -> None:
    client = openai.AsyncOpenAI(api_key="unused", base_url=url, max_retries=0)
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with semaphore:
            r = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": f"song {i}"}])
            json.loads(r.choices[0].message.content or "")

    await asyncio.gather(*(one(i) for i in range(songs)))
    await client.close()


def reference(url: str, songs: int, concurrency: int) -> dict[str, Any]:
    stats(url, reset=True)
    cpu, wall = time.process_time(), time.perf_counter()
    asyncio.run(_raw(url, songs, concurrency))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    doc = stats(url)
    return {"config": "reference: bare openai client, 1 loop", "workers": 1, "requests": doc["count"],
            "requests_per_s": rate(doc), "wall_s": wall, "cpu_ms_per_request": 1000 * cpu / songs}  # fmt: skip


def run(pipeline: Path, root: Path, workers: int, fresh: bool = False) -> RunResult:
    executor = make_executor("local", workers=workers)
    try:
        return run_pipeline(load_pipeline(pipeline), root, executor, fresh=fresh, manifests_dir=root / "manifests")
    finally:
        executor.close()


def stage_run(url: str, folder: Path, songs: Path, count: int, workers: int, concurrency: int) -> dict[str, Any]:
    folder.mkdir()
    llm = {"backend": "openai", "model": "bench-model", "base_url": url, "api_key_env": None,
           "concurrency": concurrency, "timeout_s": 30.0}  # fmt: skip
    shard_bytes = songs.stat().st_size // workers + 1  # one shard per worker
    pipeline = write_pipeline(folder, llm, songs=songs, shard_bytes=shard_bytes)
    stats(url, reset=True)
    wall = time.perf_counter()
    result = run(pipeline, folder / "store", workers)
    wall = time.perf_counter() - wall
    doc = stats(url)
    step = next(s for s in result.manifest["steps"] if s["name"] == "summaries")
    assert step["rows_out"] == count, step
    sent = step["counters"]["requests_sent"]
    stats(url, reset=True)
    run(pipeline, folder / "store", workers)  # immediate rerun: every task is complete
    run(pipeline, folder / "store", workers, fresh=True)  # outputs deleted: answers come from the cache
    rerun = stats(url)["count"]
    return {"config": f"curate summarize, {workers} worker(s) x {-(-concurrency // workers)}", "workers": workers,
            "requests": sent, "requests_per_s": rate(doc), "wall_s": wall,
            "cpu_ms_per_request": 1000 * step["counters"]["client_cpu_s"] / sent, "rerun_requests": rerun}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=4000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    ideal = args.concurrency / args.latency
    server, url = start_server(args.latency)
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="curate-bench-llm-") as tmp:
            songs = write_songs(Path(tmp) / "songs.jsonl", args.songs)
            rows.append(reference(url, args.songs, args.concurrency))
            for workers in [int(w) for w in args.workers.split(",")]:
                rows.append(stage_run(url, Path(tmp) / f"w{workers}", songs, args.songs, workers, args.concurrency))
    finally:
        server.terminate()
        server.wait(10)
    print(f"{args.songs} songs, latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, "
          f"ideal {ideal:.0f} requests/s (shared 2-core machine: the server runs on the same cores)")  # fmt: skip
    print(f"{'config':44} {'req/s':>7} {'eff':>5} {'wall s':>7} {'cpu ms/req':>10} {'rerun req':>9}")
    for r in rows:
        print(f"{r['config']:44} {r['requests_per_s']:7.1f} {r['requests_per_s'] / ideal:5.2f} {r['wall_s']:7.2f} "
              f"{r['cpu_ms_per_request']:10.2f} {r.get('rerun_requests', '-'):>9}")  # fmt: skip
    best = max(rows[1:], key=lambda r: r["requests_per_s"])
    print(json.dumps({
        "requests_per_s": round(best["requests_per_s"], 1), "ideal_requests_per_s": ideal,
        "efficiency": round(best["requests_per_s"] / ideal, 3), "workers": best["workers"],
        "client_cpu_ms_per_request": round(best["cpu_ms_per_request"], 2),
        "reference_requests_per_s": round(rows[0]["requests_per_s"], 1),
        "reference_cpu_ms_per_request": round(rows[0]["cpu_ms_per_request"], 2),
        "rerun_requests": max(r["rerun_requests"] for r in rows[1:]), "songs": args.songs,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
