"""Benchmark: the summarize stage against a loopback OpenAI-compatible server with a fixed latency.

    python bench/llm.py [--songs 4000] [--latency 0.2] [--concurrency 64] [--workers 1,2,4]
                        [--slow-songs 1536] [--slow-latency 2.0] [--slow-concurrency 256]

Rows: the reference (the bare `openai` async client in one event loop: no stage, no cache, no
validation), then `curate run` of the summarize stage with 1..N worker processes, each with its
share of the concurrency (and of any rate limit). Requests/s is measured on the server, from the
first request received to the last response sent (process start-up is listed apart as wall time);
the ideal is concurrency / latency. Client CPU per request is the stage's own CPU (`client_cpu_s`
counter) over requests sent. An immediate rerun, and a `--fresh` rerun served from the response
cache, must send 0 requests.

Then slow replies: 2 s latency at concurrency 256 (ideal 128 requests/s), 2 workers: efficiency,
and a `curate run` killed with SIGKILL mid-run: answers the server sent more than `cache_flush_s`
before the kill that are not in the response cache (target 0), and requests of the resumed run
(exactly the answers not cached). The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
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
from curate.llm.stage import CACHE_FILE  # noqa: E402
from curate.pipeline import load_pipeline  # noqa: E402
from curate.runner import RunResult, run_pipeline  # noqa: E402
from curate.store import calls_cache_dir  # noqa: E402

ANSWER = json.dumps({"insufficient_information": False, "language": "en", "second_summary": None,
                     "second_language": None, "summary": "A bright pop ballad built on a piano riff, a steady "
                     "backbeat and a soaring chorus sung in a high register."})  # fmt: skip


def start_server(latency: float) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, str(ROOT / "tests" / "support" / "openai_server.py"), "--latency", str(latency),
           "--answer", ANSWER]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def stats(url: str, reset: bool = False, times: bool = False) -> dict[str, Any]:
    base = url.removesuffix("/v1")
    if reset:
        urllib.request.urlopen(urllib.request.Request(f"{base}/reset", method="POST"), timeout=10).read()
    return json.loads(urllib.request.urlopen(f"{base}/stats{'?times=1' if times else ''}", timeout=10).read())


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


def cache_costs(folder: Path, answers: int = 2000) -> dict[str, float]:
    """CPU per answer of the two durable choices: a commit per answer (WAL, no fsync) or a commit per
    timer tick (every cache_flush_s: at 320 answers/s and 0.05 s, about 16 answers a commit)."""
    from curate.cache import KVCache

    value = {"text": ANSWER, "finish_reason": "stop", "response_id": "x", "prompt_tokens": 90, "completion_tokens": 40}
    out = {}
    for name, every in (("per_answer", 1), ("timer", 16)):
        cache = KVCache(folder / f"{name}.sqlite", flush_every=1 << 30)
        cpu = time.process_time()
        for i in range(answers):
            cache.put(f"{name}-{i}", value)
            if (i + 1) % every == 0:
                cache.flush()
        cache.close()
        out[name] = 1000 * (time.process_time() - cpu) / answers
    return out


def slow_run(url: str, folder: Path, count: int, concurrency: int, latency: float) -> dict[str, Any]:
    """Slow replies at high concurrency, 2 workers: efficiency against concurrency / latency."""
    songs = write_songs(folder / "slow_songs.jsonl", count)
    row = stage_run(url, folder / "slow", songs, count, 2, concurrency)
    return row | {"config": f"slow: {latency:g} s replies, 2 workers x {concurrency // 2}"}


def kill_run(url: str, folder: Path, count: int, concurrency: int, flush_s: float) -> dict[str, Any]:
    """SIGKILL a `curate run` mid-run: answers older than `flush_s` missing from the cache, then resume."""
    (folder / "kill").mkdir()
    songs = write_songs(folder / "kill_songs.jsonl", count)
    llm = {"backend": "openai", "model": "bench-model", "base_url": url, "api_key_env": None,
           "concurrency": concurrency, "timeout_s": 30.0, "cache_flush_s": flush_s}  # fmt: skip
    pipeline = write_pipeline(folder / "kill", llm, songs=songs, shard_bytes=songs.stat().st_size // 2 + 1)
    root = folder / "kill" / "store"
    cmd = [sys.executable, "-m", "curate.cli", "run", str(pipeline), "--root", str(root), "--workers", "2",
           "--manifests", str(root / "manifests")]  # fmt: skip
    stats(url, reset=True)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while stats(url)["completed"] < count // 2 and proc.poll() is None:
        time.sleep(0.05)
    killed_at = time.monotonic()  # CLOCK_MONOTONIC: the same clock in the server's process
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    sent = stats(url, times=True)["completed_at"]
    with sqlite3.connect(calls_cache_dir(root) / CACHE_FILE) as db:
        (cached,) = db.execute("SELECT COUNT(*) FROM kv").fetchone()
    older = sum(1 for t in sent if t < killed_at - flush_s)
    stats(url, reset=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    resumed = stats(url)["count"]
    return {"answers_before_kill": len(sent), "older_than_flush": older, "cached": cached,
            "lost_older_than_flush": max(0, older - cached), "lost_in_last_flush_window": max(0, len(sent) - cached),
            "resume_requests": resumed, "resume_expected": count - cached}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=4000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--slow-songs", type=int, default=1536)
    parser.add_argument("--slow-latency", type=float, default=2.0)
    parser.add_argument("--slow-concurrency", type=int, default=256)
    parser.add_argument("--cache-flush-s", type=float, default=0.05)
    args = parser.parse_args()
    ideal = args.concurrency / args.latency
    slow_ideal = args.slow_concurrency / args.slow_latency
    server, url = start_server(args.latency)
    slow_server, slow_url = start_server(args.slow_latency)
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="curate-bench-llm-") as tmp:
            os.environ["CURATE_CACHE_DIR"] = str(Path(tmp) / "cache")  # response caches: removed with the rest
            songs = write_songs(Path(tmp) / "songs.jsonl", args.songs)
            rows.append(reference(url, args.songs, args.concurrency))
            for workers in [int(w) for w in args.workers.split(",")]:
                rows.append(stage_run(url, Path(tmp) / f"w{workers}", songs, args.songs, workers, args.concurrency))
            commits = cache_costs(Path(tmp))
            slow = slow_run(slow_url, Path(tmp), args.slow_songs, args.slow_concurrency, args.slow_latency)
            kill = kill_run(slow_url, Path(tmp), args.slow_songs, args.slow_concurrency, args.cache_flush_s)
    finally:
        for proc in (server, slow_server):
            proc.terminate()
            proc.wait(10)
    print(f"{args.songs} songs, latency {args.latency * 1000:.0f} ms, concurrency {args.concurrency}, "
          f"ideal {ideal:.0f} requests/s (shared 2-core machine: the server runs on the same cores)")  # fmt: skip
    print(f"{'config':44} {'req/s':>7} {'eff':>5} {'wall s':>7} {'cpu ms/req':>10} {'rerun req':>9}")
    for r in rows:
        print(f"{r['config']:44} {r['requests_per_s']:7.1f} {r['requests_per_s'] / ideal:5.2f} {r['wall_s']:7.2f} "
              f"{r['cpu_ms_per_request']:10.2f} {r.get('rerun_requests', '-'):>9}")  # fmt: skip
    print(f"\n{args.slow_songs} songs, latency {args.slow_latency * 1000:.0f} ms, concurrency "
          f"{args.slow_concurrency}, ideal {slow_ideal:.0f} requests/s")  # fmt: skip
    print(f"{slow['config']:44} {slow['requests_per_s']:7.1f} {slow['requests_per_s'] / slow_ideal:5.2f} "
          f"{slow['wall_s']:7.2f} {slow['cpu_ms_per_request']:10.2f} {slow['rerun_requests']:>9}")  # fmt: skip
    print(f"SIGKILL mid-run (cache_flush_s {args.cache_flush_s}): {kill['answers_before_kill']} answers sent, "
          f"{kill['older_than_flush']} older than cache_flush_s, {kill['cached']} cached -> lost older: "
          f"{kill['lost_older_than_flush']}, lost in the last window or in flight: "
          f"{kill['lost_in_last_flush_window']}; "
          f"resumed run sent {kill['resume_requests']} (expected {kill['resume_expected']})")  # fmt: skip
    print(f"cache commit CPU per answer: {commits['per_answer']:.3f} ms committing each answer (WAL, no fsync), "
          f"{commits['timer']:.3f} ms committing on the cache_flush_s timer")  # fmt: skip
    best = max(rows[1:], key=lambda r: r["requests_per_s"])
    print(json.dumps({
        "requests_per_s": round(best["requests_per_s"], 1), "ideal_requests_per_s": ideal,
        "efficiency": round(best["requests_per_s"] / ideal, 3), "workers": best["workers"],
        "client_cpu_ms_per_request": round(best["cpu_ms_per_request"], 2),
        "reference_requests_per_s": round(rows[0]["requests_per_s"], 1),
        "reference_cpu_ms_per_request": round(rows[0]["cpu_ms_per_request"], 2),
        "rerun_requests": max(r["rerun_requests"] for r in rows[1:]), "songs": args.songs,
        "slow_requests_per_s": round(slow["requests_per_s"], 1), "slow_ideal_requests_per_s": slow_ideal,
        "slow_efficiency": round(slow["requests_per_s"] / slow_ideal, 3), "slow_rerun_requests": slow["rerun_requests"],
        "kill_lost_older_than_flush": kill["lost_older_than_flush"],
        "kill_lost_in_last_window": kill["lost_in_last_flush_window"], "kill_resume_requests": kill["resume_requests"],
        "kill_resume_expected": kill["resume_expected"],
        "commit_ms_per_answer": round(commits["per_answer"], 4),
        "timer_commit_ms_per_answer": round(commits["timer"], 4),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
