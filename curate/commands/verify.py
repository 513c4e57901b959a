"""`curate verify MANIFEST`: re-hash every shard a manifest lists."""

from __future__ import annotations

import os
import sys

import click

from curate.cli import DEFAULT_ROOT, friendly


@click.command("verify")
@click.argument("manifest")
@click.option("--root", default=None,
              help="Store folder, when MANIFEST is the committed copy under manifests/.")  # fmt: skip
@friendly
def command(manifest: str, root: str | None) -> None:
    """Re-hash every shard MANIFEST lists; exit 1 naming any mismatch."""
    from curate.versions import verify as run_verify

    if root is None and not manifest.endswith("manifest.json"):
        root = os.environ.get("CURATE_ROOT", DEFAULT_ROOT)
    problems = run_verify(manifest, root)
    for line in problems:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("ok: every shard matches its manifest")
