"""`curate status`: what is done, running and failed in the store."""

from __future__ import annotations

import json

import click

from curate.cli import friendly, root_option


@click.command("status")
@root_option
@click.option("--json", "as_json", is_flag=True)
@friendly
def command(root: str, as_json: bool) -> None:
    """What is done, running and failed in the store."""
    from curate.status import status as get_status

    info = get_status(root)
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    if not info:
        click.echo(f"nothing under {root}")
    for version in info:
        click.echo(f"{version['dataset']} {version['version']}: {version['status']}")
        for s in version["steps"]:
            total = s["tasks"] if s["tasks"] is not None else "?"
            failed = f", {s['failed']} failed: {s['error']}" if s["failed"] else ""
            click.echo(f"  {s['step']}: {s['done']}/{total} done{failed}")
