"""SIGKILL at several points of a real `curate run` subprocess, then resume: byte-identical output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from foundation_helpers import standard_pipeline, tree_checksums

TESTS = Path(__file__).parent


def _curate(pipeline: Path, root: Path, sleep: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(TESTS), "CURATE_TEST_SLEEP": str(sleep)}
    cmd = [sys.executable, "-m", "curate.cli", "run", str(pipeline), "--root", str(root), "--workers", "2",
           "--manifests", str(root / "manifests")]  # fmt: skip
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)


def _done_records(root: Path) -> int:
    return len(list(root.glob("t/1/_state/*/*.done.json")))


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_records", [0, 2, 5, 8])
def test_kill_and_resume_is_byte_identical(tmp_path: Path, kill_after_records: int) -> None:
    pipeline = standard_pipeline(tmp_path)
    reference = tmp_path / "ref"
    assert _curate(pipeline, reference, 0.0).wait(timeout=120) == 0
    expected = tree_checksums(reference / "t" / "1")

    root = tmp_path / "killed"
    proc = _curate(pipeline, root, 0.4)
    deadline = time.time() + 60
    while _done_records(root) < kill_after_records and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    if kill_after_records == 0:
        time.sleep(1.5)  # inside the first step, workers starting or writing
    os.killpg(proc.pid, signal.SIGKILL)  # the run and its worker processes, as a crash would
    proc.wait(timeout=30)
    assert not (root / "t" / "1" / "manifest.json").exists() or kill_after_records == 0

    resumed = _curate(pipeline, root, 0.0)
    assert resumed.wait(timeout=120) == 0, resumed.stderr.read() if resumed.stderr else ""
    assert tree_checksums(root / "t" / "1") == expected
    leftovers = [p for p in (root / "t" / "1").rglob(".*tmp*")]
    assert not leftovers
