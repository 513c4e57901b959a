"""`curate publish` with the real huggingface_hub client against a loopback Hub (HF_ENDPOINT)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from huggingface_hub.errors import HfHubHTTPError
from support.hub_server import HubServer
from support.release_store import build_store

from curate.cli import main
from curate.release.export import build_release
from curate.release.hub import publish
from curate.retry import RetryPolicy

TOKEN = "hf_test_token_do_not_write_0123456789"
FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05, seed=3)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_release(build_store(tmp_path_factory.mktemp("publish-store")))


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    with HubServer() as server:
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        yield server


def _local(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_publish_retries_injected_412_and_429_then_tags(folder: Path, hub: HubServer) -> None:
    hub.state.fail("commit", 412, 429)
    report = publish(folder, "org/music", tag="v1", policy=FAST, log=lambda _: None)
    assert report.retries == [("commit 1/1", 412), ("commit 1/1", 429)]
    repo = hub.state.repos["org/music"]
    assert repo.files == _local(folder)  # shards, card, croissant and manifest, byte for byte
    assert len(repo.commits) == 1  # one commit for a small release
    assert repo.tags == {"v1": repo.head}
    assert f"Bearer {TOKEN}" in hub.state.auth


def test_publish_gives_up_on_a_non_transient_error(folder: Path, hub: HubServer) -> None:
    hub.state.fail("commit", 403)
    with pytest.raises(HfHubHTTPError):
        publish(folder, "org/denied", policy=FAST, log=lambda _: None)
    commits = [p for m, p in hub.state.requests if p.endswith("/commit/main")]
    assert len(commits) == 1


def test_rerun_after_a_failed_commit_uploads_only_what_is_missing(folder: Path, hub: HubServer) -> None:
    # commit 1 succeeds, commit 2 fails on every try: the run stops with part of the files on the Hub
    first = {"n": 0}

    def log(line: str) -> None:
        if line.startswith("committed") and first["n"] == 0:
            first["n"] = 1
            hub.state.fail("commit", *[503] * FAST.attempts)

    with pytest.raises(HfHubHTTPError):
        publish(folder, "org/resume", policy=FAST, max_commit_files=4, log=log)
    repo = hub.state.repos["org/resume"]
    assert len(repo.commits) == 1 and len(repo.files) == 4
    report = publish(folder, "org/resume", policy=FAST, max_commit_files=4, log=lambda _: None)
    assert sorted(report.skipped) == sorted(repo.commits[0]["paths"])
    assert repo.files == _local(folder)
    assert "README.md" in repo.commits[-1]["paths"]  # the card comes with the last batch
    again = publish(folder, "org/resume", policy=FAST, max_commit_files=4, log=lambda _: None)
    assert again.commits == [] and len(again.skipped) == len(repo.files)


def test_dry_run_uploads_nothing(folder: Path, hub: HubServer) -> None:
    result = CliRunner().invoke(main, ["publish", str(folder), "--repo-id", "org/dry", "--tag", "v1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert hub.state.requests == [] and hub.state.repos == {}
    assert "README.md" in result.output and "data/sft/train-00000-of-00001.parquet" in result.output


def test_cli_publishes_a_store_version_and_never_writes_the_token(tmp_path: Path, hub: HubServer) -> None:
    base = build_store(tmp_path / "root")
    args = ["publish", "release_fixture/1", "--root", str(tmp_path / "root"), "--repo-id", "org/cli", "--tag",
            "1.0.0", "--private", "--retry-delay", "0.01"]  # fmt: skip
    hub.state.fail("commit", 429)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1 retried call(s)" in result.output and TOKEN not in result.output
    repo = hub.state.repos["org/cli"]
    assert repo.private and repo.tags == {"1.0.0": repo.head}
    assert 'load_dataset("org/cli", "sft")' in repo.files["README.md"].decode()
    written = [p for p in tmp_path.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    assert written == []
    assert (base / "_release" / "README.md").is_file()
