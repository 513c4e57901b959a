"""`curate export DATASET/VERSION OUT`: the release folder that `publish` uploads (docs/release.md)."""

from __future__ import annotations

from pathlib import Path

import click

from curate.cli import friendly, root_option
from curate.commands.report import version_store
from curate.store import local_version


def export_version(
    release: str,
    root: str,
    out: Path | None,
    *,
    repo_id: str | None = None,
    shard_rows: int | None = None,
    shard_bytes: int | None = None,
    report: bool = True,
    tokenizer: str | None = None,
) -> Path:
    """Export the store version DATASET/VERSION to `out` (default `<version>/_release`); returns the folder."""
    from curate.release.export import DEFAULT_SHARD_BYTES, build_release

    store = version_store(release, root)
    folder = local_version(root, store.dataset, store.version)  # an object store's version: a checked local copy
    return build_release(folder, out, shard_rows=shard_rows, shard_bytes=shard_bytes or DEFAULT_SHARD_BYTES,
                         repo_id=repo_id, report=report, tokenizer=tokenizer)  # fmt: skip


@click.command("export")
@click.argument("release")
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--repo-id", default=None, help="Hub repo ORG/NAME the card's load_dataset lines name.")
@click.option("--shard-rows", type=int, default=None, help="Rows per Parquet shard.")
@click.option("--shard-bytes", type=int, default=256 * 1024 * 1024, show_default=True,
              help="Target uncompressed bytes per shard.")  # fmt: skip
@click.option("--no-report", is_flag=True, help="Leave out the HTML report folder.")
@click.option(
    "--tokenizer",
    default=None,
    help="Tokenizer the release steps counted with, when their config's path is not found from here.",
)
@root_option
@friendly
def command(release: str, out: Path, repo_id: str | None, shard_rows: int | None, shard_bytes: int, no_report: bool,
            tokenizer: str | None, root: str) -> None:  # fmt: skip
    """Write DATASET/VERSION's release as a folder: shards, card, Croissant, manifest, plots, tunes, report."""
    folder = export_version(release, root, out, repo_id=repo_id, shard_rows=shard_rows, shard_bytes=shard_bytes,
                            report=not no_report, tokenizer=tokenizer)  # fmt: skip
    files = [p for p in folder.rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files)
    click.echo(f"exported {release} to {folder}: {len(files)} files, {size / 1e6:.2f} MB")
