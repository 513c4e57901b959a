"""SIGKILL a real `curate run` mid-stage: every response it received is kept, the resume sends only the rest."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from support.llm_pipelines import answer, last_user, llm_config, write_pipeline, write_songs
from support.openai_server import OpenAIServer

from curate.llm.stage import CACHE_FILE
from curate.store import calls_cache_dir

SONGS = 60
CONCURRENCY = 4


def _curate(pipeline: Path, root: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "curate.cli", "run", str(pipeline), "--root", str(root), "--workers", "1",
           "--manifests", str(root / "manifests")]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _cached(root: Path) -> int:
    with sqlite3.connect(calls_cache_dir(root) / CACHE_FILE) as db:
        return db.execute("SELECT COUNT(*) FROM kv").fetchone()[0]


@pytest.mark.slow
def test_sigkill_mid_stage_then_resume_sends_exactly_the_missing_requests(tmp_path: Path) -> None:
    songs = write_songs(tmp_path / "songs.jsonl", SONGS)
    llm = llm_config("", concurrency=CONCURRENCY, cache_flush_s=0.0)
    with OpenAIServer(answer=answer, latency=0.1) as server:
        llm["base_url"] = server.url
        pipeline = write_pipeline(tmp_path, llm, songs=songs)
        root = tmp_path / "store"
        proc = _curate(pipeline, root)
        deadline = time.time() + 60
        while server.completed < SONGS // 3 and proc.poll() is None and time.time() < deadline:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        completed_at_kill = server.completed
        assert completed_at_kill < SONGS, "the run finished before it could be killed"
        cached = _cached(root)
        assert cached > 0 and cached >= completed_at_kill - CONCURRENCY  # only answers in flight can be lost
        first_bodies = len(server.bodies)

        server.reset()
        resumed = _curate(pipeline, root)
        assert resumed.wait(timeout=120) == 0, resumed.stderr.read() if resumed.stderr else ""
        titles = [last_user(b) for b in server.bodies]
        assert server.count == SONGS - cached  # exactly the requests whose answers were not kept
        assert len(set(titles)) == len(titles)  # none twice
        assert first_bodies + server.count >= SONGS
    rows = pl.read_parquet(root / "llm" / "1" / "summaries" / "*.parquet")
    assert sorted(rows["parent_id"]) == [f"youtube:s{i:05d}" for i in range(SONGS)]
    assert _cached(root) == SONGS


@pytest.mark.slow
def test_sigkill_after_a_burst_of_slow_replies_loses_nothing_older_than_cache_flush_s(tmp_path: Path) -> None:
    """Replies take 2 s and arrive in bursts; nothing arrives after a burst until the next one. The kill
    comes 1 s after a burst: every answer of it is older than cache_flush_s, so every one is kept."""
    songs = write_songs(tmp_path / "songs.jsonl", 24)
    flush_s = 0.2
    llm = llm_config("", concurrency=8, cache_flush_s=flush_s, timeout_s=30.0)
    with OpenAIServer(answer=answer, latency=2.0) as server:
        llm["base_url"] = server.url
        root = tmp_path / "store"
        proc = _curate(write_pipeline(tmp_path, llm, songs=songs), root)
        deadline = time.time() + 60
        while server.completed < 8 and proc.poll() is None and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(1.0)
        killed_at = time.monotonic()
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        old = sum(1 for t in server.completed_at if t < killed_at - flush_s)
        assert 8 <= old < 24, "the kill did not land between bursts"
        assert _cached(root) >= old  # nothing received more than cache_flush_s before the kill is lost
