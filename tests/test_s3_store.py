"""The whole demo on an S3 root: a real S3-protocol server (moto's server mode) on loopback, the real
`s3fs`/botocore client, two worker processes. Every shard equals the committed local run's, also
after a SIGKILL and a resume, and the audit commands work on that root."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

s3fs = pytest.importorskip("s3fs")
REPO = Path(__file__).parents[1]
BUCKET = "curate-test"


@pytest.fixture
def s3_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A moto S3 server on 127.0.0.1 with one bucket; the environment that points clients at it."""
    boto3 = pytest.importorskip("boto3")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "test",
           "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
           "CURATE_VERSION_CACHE": str(tmp_path / "versions"), "PYTHONPATH": str(REPO)}  # fmt: skip
    try:
        client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id="test",
                              aws_secret_access_key="test", region_name="us-east-1")  # fmt: skip
        for _ in range(100):
            try:
                client.create_bucket(Bucket=BUCKET)
                break
            except Exception:  # noqa: BLE001  (the server is still starting: connection refused)
                time.sleep(0.1)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def _curate(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "curate.cli", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip


def _ok_both(env: dict[str, str], *args: str) -> tuple[str, str]:
    """stdout and stderr (where `curate run` logs) of a command that must succeed."""
    proc = _curate(env, *args)
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, f"curate {' '.join(args)}: {err[-3000:]}"
    return out, err


def _ok(env: dict[str, str], *args: str) -> str:
    return _ok_both(env, *args)[0]


def _checksums(manifest: dict) -> dict[str, str]:
    files = [f for t in manifest["tables"].values() for f in t["shards"]] + manifest["rejects"]["shards"]
    return {f["path"]: f["sha256"] for f in files}


def _keys(env: dict[str, str], prefix: str) -> list[str]:
    fs = s3fs.S3FileSystem(endpoint_url=env["AWS_ENDPOINT_URL"], key="test", secret="test", use_listings_cache=False)
    return fs.find(f"{BUCKET}/{prefix}")


@pytest.mark.slow
@pytest.mark.timeout(1800)  # three demo runs against a Python S3 server
def test_demo_on_s3_root_with_two_workers_killed_and_resumed(s3_env: dict[str, str], tmp_path: Path) -> None:
    expected = json.loads((REPO / "manifests" / "demo" / "0.1.0.json").read_text())  # a local run (test_demo)
    pipeline = str(REPO / "pipelines" / "demo.yaml")
    printed: dict[str, str] = {}
    for name in ("clean", "killed"):
        root = f"s3://{BUCKET}/{name}"
        args = ("run", pipeline, "--root", root, "--workers", "2", "--manifests", str(tmp_path / name))
        if name == "killed":  # SIGKILL the run and its workers once a few steps are complete, then resume
            proc = _curate(s3_env, *args)
            deadline = time.time() + 600
            while len([k for k in _keys(s3_env, name) if k.endswith(".done.json")]) < 6 and time.time() < deadline:
                assert proc.poll() is None, proc.communicate()[1][-3000:]
                time.sleep(0.5)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            assert not any(k.endswith("demo/0.1.0/manifest.json") for k in _keys(s3_env, name))
        logged = _ok_both(s3_env, *args)[1]
        (printed[name],) = re.findall(r"manifest=(\S+)", logged)  # where the manifest went, as a URL
        assert printed[name] == f"{root}/demo/0.1.0/manifest.json" and printed[name].startswith("s3://"), name
        fresh = json.loads((tmp_path / name / "demo" / "0.1.0.json").read_text())
        assert _checksums(fresh) == _checksums(expected), name
        assert not [k for k in _keys(s3_env, name) if ".tmp-" in k]

    root = f"s3://{BUCKET}/clean"
    assert "ok: every shard matches" in _ok(s3_env, "verify", printed["clean"])
    shown = _ok(s3_env, "show", "demo", "--root", root)
    assert "release_sft" in shown and "songs" in shown
    sft = expected["tables"]["release_sft"]["shards"][0]["path"]
    fs = s3fs.S3FileSystem(endpoint_url=s3_env["AWS_ENDPOINT_URL"], key="test", secret="test")
    with fs.open(f"{BUCKET}/clean/demo/0.1.0/{sft}", "rb") as f:
        row_id = pq.read_table(f, columns=["id"]).column("id")[0].as_py()
    walked = json.loads(_ok(s3_env, "lineage", row_id, "--root", root, "--json"))
    assert walked and walked[0]["table"] == "release_sft"
    assert "no rows added, removed or changed" in _ok(s3_env, "diff", "demo/0.1.0", "demo/0.1.0", "--root", root)
    listed = _ok(s3_env, "publish", "demo/0.1.0", "--repo-id", "me/demo", "--dry-run", "--root", root)
    assert "README.md" in listed
