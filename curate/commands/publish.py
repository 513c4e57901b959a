"""`curate publish RELEASE --repo-id ORG/NAME`: export a release and upload it to the Hugging Face Hub.

RELEASE is an exported folder (holding README.md) or `DATASET/VERSION` in the store, which is
exported first to `<root>/<dataset>/<version>/_release` (deterministic: the same bytes each time).
"""

from __future__ import annotations

from pathlib import Path

import click

from curate.cli import friendly, root_option
from curate.errors import CurateError
from curate.retry import RetryPolicy


def resolve_release(release: str, root: str, repo_id: str | None, shard_rows: int | None,
                    shard_bytes: int | None, tokenizer: str | None = None) -> Path:  # fmt: skip
    """An exported folder as given, or the store version DATASET/VERSION exported now (`curate export`)."""
    from curate.commands.export import export_version
    from curate.release.export import build_release
    from curate.store import local_ref

    release, root = local_ref(release, str(root))  # type: ignore[assignment]
    given = Path(release)
    if (given / "README.md").is_file() and not (given / "_state").is_dir():
        return given
    if (given / "manifest.json").is_file():  # a version folder given by path
        return build_release(given, shard_rows=shard_rows, shard_bytes=shard_bytes, repo_id=repo_id,
                             tokenizer=tokenizer)  # fmt: skip
    if release.count("/") != 1:
        raise CurateError(f"'{release}' is neither a release folder nor a finished DATASET/VERSION under {root}")
    return export_version(release, root, None, repo_id=repo_id, shard_rows=shard_rows, shard_bytes=shard_bytes,
                          tokenizer=tokenizer)  # fmt: skip


@click.command("publish")
@click.argument("release")
@click.option("--repo-id", required=True, help="Hub dataset repo, ORG/NAME.")
@click.option("--private", is_flag=True, help="Create the repo private (an existing repo keeps its visibility).")
@click.option("--tag", "tag", default=None, help="Tag the uploaded revision, e.g. the release version.")
@click.option("--dry-run", is_flag=True, help="Export and list what would be uploaded; contact nothing.")
@click.option("--shard-rows", type=int, default=None, help="Rows per Parquet shard of the export.")
@click.option("--shard-bytes", type=int, default=256 * 1024 * 1024, show_default=True,
              help="Target uncompressed bytes per shard of the export.")  # fmt: skip
@click.option("--max-commit-bytes", type=int, default=2 * 1024**3, show_default=True, help="Bytes per commit.")
@click.option("--max-commit-files", type=int, default=100, show_default=True, help="Files per commit.")
@click.option("--retries", type=int, default=8, show_default=True, help="Tries per Hub call on transient errors.")
@click.option("--retry-delay", type=float, default=2.0, show_default=True, help="First backoff delay, seconds.")
@click.option("--tokenizer", default=None, help="Tokenizer of the release steps, when not found from here.")
@root_option
@friendly
def command(release: str, repo_id: str, private: bool, tag: str | None, dry_run: bool, shard_rows: int | None,
            shard_bytes: int, max_commit_bytes: int, max_commit_files: int, retries: int, retry_delay: float,
            tokenizer: str | None, root: str) -> None:  # fmt: skip
    """Upload RELEASE (folder or DATASET/VERSION) to the Hub: shards, card, Croissant and manifest."""
    from curate.release.hub import publish

    if "/" not in repo_id or repo_id.count("/") != 1:
        raise CurateError(f"--repo-id must be ORG/NAME, got '{repo_id}'")
    folder = resolve_release(release, root, repo_id, shard_rows, shard_bytes, tokenizer)
    policy = RetryPolicy(attempts=max(1, retries), base_delay=retry_delay, max_delay=max(retry_delay, 120.0))
    report = publish(folder, repo_id, private=private, tag=tag, dry_run=dry_run, policy=policy,
                     max_commit_bytes=max_commit_bytes, max_commit_files=max_commit_files, log=click.echo)  # fmt: skip
    if dry_run:
        click.echo(f"dry run: would upload {folder} to datasets/{repo_id} in {len(report.commits)} commit(s)"
                   + (f", then tag {tag}" if tag else ""))  # fmt: skip
        for i, paths in enumerate(report.commits, 1):
            for path in paths:
                click.echo(f"  commit {i}: {path} ({(folder / path).stat().st_size} bytes)")
        return
    uploaded = sum(len(c) for c in report.commits)
    click.echo(f"published datasets/{repo_id}: {uploaded} files in {len(report.commits)} commit(s), "
               f"{len(report.skipped)} unchanged, {len(report.retries)} retried call(s)"
               + (f", tagged {tag}" if tag else ""))  # fmt: skip
