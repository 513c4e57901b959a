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

SONGS = 60
CONCURRENCY = 4


def _curate(pipeline: Path, root: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "curate.cli", "run", str(pipeline), "--root", str(root), "--workers", "1",
           "--manifests", str(root / "manifests")]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _cached(root: Path) -> int:
    with sqlite3.connect(root / "_cache" / CACHE_FILE) as db:
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
