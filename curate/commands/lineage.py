"""`curate lineage ROW_ID`: walk a row back to its source."""

from __future__ import annotations

import json
from typing import Any

import click

from curate.cli import friendly, root_option
from curate.errors import CurateError


@click.command("lineage")
@click.argument("row_id")
@root_option
@click.option("--json", "as_json", is_flag=True)
@friendly
def command(row_id: str, root: str, as_json: bool) -> None:
    """Walk ROW_ID back to its source, printing each row and the config that made it."""
    from curate.lineage import LineageIndex

    nodes = LineageIndex(root).walk(row_id)
    if not nodes:
        raise CurateError(f"no row with id '{row_id}' in any version under {root}")
    if as_json:
        click.echo(json.dumps([_node_json(n) for n in nodes], indent=2, default=str))
        return
    _print_nodes(nodes, 0)


def _node_json(node: Any) -> dict[str, Any]:
    return {
        "table": node.table, "dataset": node.dataset, "version": node.version, "row": node.row,
        "step": node.step, "code": node.code, "rejected": node.rejected,
        "parents": [_node_json(p) for p in node.parents],
    }  # fmt: skip


def _print_nodes(nodes: list[Any], depth: int) -> None:
    from curate.show import short

    pad = "  " * depth
    previous: dict[str, Any] = {}
    for node in nodes:
        step = node.step
        where = f"{node.dataset}/{node.version} table {node.table}"
        made_by = f"stage {step['stage']}, code {step['code_version']}, commit {node.code.get('commit')}"
        click.echo(f"{pad}{node.row.get('id')}  [{where}, {made_by}]")
        click.echo(f"{pad}  config: {short(step['config'], 200)}")
        # a row carried through several steps: show only what each step changed
        for key, value in node.row.items():
            if key != "id" and value not in (None, "", []) and previous.get(key) != value:
                click.echo(f"{pad}  {key}: {short(value)}")
        previous = node.row
        for rej in node.rejected:
            detail = rej["detail"] or ""
            click.echo(f"{pad}  REJECTED at step {rej['step']}: {rej['reason']} {detail}".rstrip())
        _print_nodes(node.parents, depth + 1)
