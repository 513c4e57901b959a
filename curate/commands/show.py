"""`curate show DATASET`: schema, counts and sample rows."""

from __future__ import annotations

import click

from curate.cli import friendly, root_option


@click.command("show")
@click.argument("dataset")
@root_option
@click.option("--version", "version", default=None, help="Default: the newest finished version.")
@friendly
def command(dataset: str, root: str, version: str | None) -> None:
    """Schema, counts and sample rows of DATASET."""
    from curate.show import describe, short

    info = describe(root, dataset, version)
    click.echo(f"{dataset} {info['version']}: {len(info['tables'])} tables, {info['rejects']} rejected rows")
    for name, table in info["tables"].items():
        click.echo(f"\n{name} ({table['rows']} rows, schema {table['schema'] or 'inferred'})")
        for column, dtype in table["columns"].items():
            click.echo(f"  {column}: {dtype}")
        for row in table["sample"]:
            click.echo(f"  - {short(row, 200)}")
    click.echo("\nsteps:")
    for step in info["steps"]:
        click.echo(f"  {step['name']} ({step['stage']}): in {step['rows_in']}, out {step['rows_out']}, "
                   f"rejected {step['rejected'] or 0}")  # fmt: skip
