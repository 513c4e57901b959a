"""`curate report DATASET/VERSION [--out DIR]`: the version as a static HTML folder (docs/report.md)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from curate.cli import friendly, root_option
from curate.errors import CurateError
from curate.store import Store


def version_store(release: str, root: str) -> Store:
    """The store of DATASET/VERSION under `root`."""
    dataset, _, version = release.partition("/")
    if not dataset or not version or "/" in version:
        raise CurateError(f"expected DATASET/VERSION, got '{release}'")
    store = Store(root, dataset, version)
    if not store.exists(store.manifest_path):
        raise CurateError(f"no finished version {release} under {root} (no manifest.json): run the pipeline first")
    return store


@click.command("report")
@click.argument("release")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Folder to write (replaced). Default: _report in the version folder (local stores).")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sample rows and examples.")
@root_option
@friendly
def command(release: str, out: Path | None, seed: int, root: str) -> None:
    """Write an HTML report of DATASET/VERSION: step funnel, rejects by example, tables, tunes, lineage."""
    from curate.report import build_report

    store = version_store(release, root)
    if out is None:
        if not store.is_local:
            raise CurateError(f"{root} is not a local folder: pass --out DIR for the report")
        out = Path(store.base) / "_report"
    started = time.perf_counter()
    files = build_report(store, out, seed)
    size = sum(f.stat().st_size for f in files)
    click.echo(f"report: {out / 'index.html'} ({len(files)} files, {size / 1e6:.2f} MB, "
               f"{time.perf_counter() - started:.1f} s)")  # fmt: skip
