"""`curate diff V1 V2`: rows added, removed and changed per table and source between two versions."""

from __future__ import annotations

import json
from pathlib import Path

import click

from curate.cli import friendly, root_option


@click.command("diff")
@click.argument("old")
@click.argument("new")
@root_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per table and source.")
@click.option("--all", "show_all", is_flag=True, help="Also list tables with no change.")
@friendly
def command(old: str, new: str, root: Path, as_json: bool, show_all: bool) -> None:
    """Compare versions OLD and NEW (each DATASET/VERSION under --root, a version folder or a manifest)."""
    from curate.release.diff import diff_versions, open_version
    from curate.store import local_ref

    a, b = (open_version(*local_ref(ref, root)) for ref in (old, new))
    table = diff_versions(a, b)
    if not show_all:
        table = table.filter((table["added"] + table["removed"] + table["changed"]) > 0)
    if as_json:
        for row in table.iter_rows(named=True):
            click.echo(json.dumps(row))
        return
    click.echo(f"{a.label} -> {b.label}")
    if table.height == 0:
        click.echo("no rows added, removed or changed")
        return
    click.echo(f"{'table':<24} {'source':<22} {'added':>8} {'removed':>8} {'changed':>8} {'unchanged':>10}")
    for r in table.iter_rows(named=True):
        click.echo(f"{r['table']:<24} {r['source']:<22} {r['added']:>8} {r['removed']:>8} {r['changed']:>8} "
                   f"{r['unchanged']:>10}")  # fmt: skip
