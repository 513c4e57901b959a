"""Upload an exported release folder to the Hugging Face Hub with `huggingface_hub`.

Files are batched by size into few commits (the Hub allows about 128 commits per hour per repo),
the card, Croissant file and manifest going in the last commit so a reader never sees a card
without its data. Files already on the Hub with the same content are skipped, so a rerun after a
failure resumes where it stopped. Transient errors (412 "a commit has happened since", 429, 5xx,
dropped connections) are retried with backoff and jitter. The token is whatever `huggingface_hub`
finds (`HF_TOKEN` or the user's login): this module never reads, logs or writes it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx2
from huggingface_hub import CommitOperationAdd, HfApi
from huggingface_hub.errors import HfHubHTTPError, RevisionNotFoundError

from curate.errors import CurateError
from curate.hashing import sha256_file
from curate.retry import Retry, RetryPolicy, parse_retry_after, retry_call

T = TypeVar("T")
METADATA_FILES = ("README.md", "croissant.json", "manifest.json")
TRANSIENT = frozenset({408, 412, 429, 500, 502, 503, 504})
DEFAULT_COMMIT_BYTES = 2 * 1024**3
DEFAULT_COMMIT_FILES = 100
DEFAULT_POLICY = RetryPolicy(attempts=8, base_delay=2.0, max_delay=120.0)


@dataclass(frozen=True)
class LocalFile:
    path_in_repo: str
    local: Path
    size: int

    @property
    def git_sha1(self) -> str:
        h = hashlib.sha1(b"blob %d\0" % self.size)
        h.update(self.local.read_bytes())
        return h.hexdigest()


@dataclass
class PublishReport:
    repo_id: str
    commits: list[list[str]] = field(default_factory=list)  # paths per commit (planned, or made)
    skipped: list[str] = field(default_factory=list)  # already on the Hub with the same content
    commit_ids: list[str] = field(default_factory=list)
    retries: list[tuple[str, int]] = field(default_factory=list)  # (operation, HTTP status or 0)
    tag: str | None = None
    dry_run: bool = False


def local_files(folder: Path) -> list[LocalFile]:
    if not (folder / "README.md").is_file():
        raise CurateError(f"{folder} is not a release folder (no README.md): export it first")
    files = [p for p in sorted(folder.rglob("*")) if p.is_file() and not any(s.startswith(".") for s in p.parts)]
    out = [LocalFile(p.relative_to(folder).as_posix(), p, p.stat().st_size) for p in files]
    return sorted(out, key=lambda f: (f.path_in_repo in METADATA_FILES, f.path_in_repo))


def plan_commits(files: list[LocalFile], max_bytes: int, max_files: int) -> list[list[LocalFile]]:
    """Greedy batches in order; metadata files always join the last batch."""
    data = [f for f in files if f.path_in_repo not in METADATA_FILES]
    meta = [f for f in files if f.path_in_repo in METADATA_FILES]
    batches: list[list[LocalFile]] = []
    size = 0
    for f in data:
        if not batches or len(batches[-1]) >= max_files or (size + f.size > max_bytes and batches[-1]):
            batches.append([])
            size = 0
        batches[-1].append(f)
        size += f.size
    if meta:
        if batches:
            batches[-1] += meta
        else:
            batches.append(meta)
    return batches


def classify(err: BaseException) -> Retry | None:
    """Retry by status code (never by message): conflicts, rate limits, server errors, lost connections."""
    if isinstance(err, HfHubHTTPError) and err.response is not None:
        if err.response.status_code in TRANSIENT:
            return Retry(after=parse_retry_after(err.response.headers.get("Retry-After")))
        return None
    if isinstance(err, httpx2.TransportError):
        return Retry()
    return None


def _status(err: BaseException) -> int:
    response = getattr(err, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


class Publisher:
    def __init__(self, repo_id: str, policy: RetryPolicy, log: Callable[[str], None]) -> None:
        self.repo_id = repo_id
        self.policy = policy
        self.log = log
        # endpoint read now (not at import) so HF_ENDPOINT set by a caller or test is honoured
        self.api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None)
        self.report = PublishReport(repo_id)

    def call(self, what: str, fn: Callable[[], T]) -> T:
        def on_retry(attempt: int, err: BaseException, delay: float) -> None:
            self.report.retries.append((what, _status(err)))
            self.log(f"{what}: HTTP {_status(err) or type(err).__name__}, retry {attempt} in {delay:.1f}s")

        return retry_call(fn, classify, self.policy, on_retry)

    def remote_blobs(self) -> dict[str, set[str]]:
        """path -> hashes the Hub has for it (git blob sha1, and sha256 for LFS files)."""
        try:
            entries = self.call("list files", lambda: list(
                self.api.list_repo_tree(self.repo_id, repo_type="dataset", recursive=True)))  # fmt: skip
        except RevisionNotFoundError:
            return {}  # a repo without any commit yet
        out: dict[str, set[str]] = {}
        for entry in entries:
            blob = getattr(entry, "blob_id", None)
            if blob is None:
                continue  # a folder
            lfs = getattr(entry, "lfs", None)
            out[entry.path] = {blob} | ({lfs.sha256} if lfs else set())
        return out


def publish(folder: Path, repo_id: str, *, private: bool = False, tag: str | None = None, dry_run: bool = False,
            policy: RetryPolicy = DEFAULT_POLICY, max_commit_bytes: int = DEFAULT_COMMIT_BYTES,
            max_commit_files: int = DEFAULT_COMMIT_FILES, log: Callable[[str], None] = print,
            ) -> PublishReport:  # fmt: skip
    files = local_files(folder)
    if dry_run:  # nothing leaves the machine: no request at all
        report = PublishReport(repo_id, tag=tag, dry_run=True)
        report.commits = [[f.path_in_repo for f in b] for b in plan_commits(files, max_commit_bytes, max_commit_files)]
        return report
    pub = Publisher(repo_id, policy, log)
    pub.call("create repo", lambda: pub.api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True))
    remote = pub.remote_blobs()
    todo = []
    for f in files:
        if remote.get(f.path_in_repo, set()) & {f.git_sha1, sha256_file(f.local)}:
            pub.report.skipped.append(f.path_in_repo)
        else:
            todo.append(f)
    batches = plan_commits(todo, max_commit_bytes, max_commit_files)
    for i, batch in enumerate(batches, 1):
        message = f"Upload release ({i}/{len(batches)}, {len(batch)} files)"

        def commit(batch: list[LocalFile] = batch, message: str = message) -> str:
            ops = [CommitOperationAdd(path_in_repo=f.path_in_repo, path_or_fileobj=str(f.local)) for f in batch]
            return pub.api.create_commit(repo_id, ops, commit_message=message, repo_type="dataset").oid

        pub.report.commit_ids.append(pub.call(f"commit {i}/{len(batches)}", commit))
        pub.report.commits.append([f.path_in_repo for f in batch])
        log(f"committed {len(batch)} files ({i}/{len(batches)})")
    if tag:
        pub.call("tag", lambda: pub.api.create_tag(repo_id, tag=tag, repo_type="dataset", exist_ok=True))
        pub.report.tag = tag
    return pub.report
