"""The `curate` command. Errors a user can cause print one sentence and exit 2, never a traceback."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from curate.errors import CurateError

DEFAULT_ROOT = "store"


def root_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--root", type=str, default=lambda: os.environ.get("CURATE_ROOT", DEFAULT_ROOT),
        show_default="$CURATE_ROOT or ./store", help="Store folder holding datasets.",
    )(f)  # fmt: skip


def friendly(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except CurateError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted: finished work is kept; run the same command again to resume", err=True)
            sys.exit(130)

    return wrapper


@click.group()
@click.version_option(package_name="curate")
def main() -> None:
    """Build training data for music language models from staged, resumable pipelines."""


@main.command()
@click.argument("pipeline_file", type=click.Path(path_type=Path))
@click.argument("reasons", nargs=-1, metavar="[REASON...]")
@root_option
@click.option("--workers", type=int, default=None, help="Worker processes (default: all cores).")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local", show_default=True)
@click.option("--address", default=None, help="Ray cluster address (with --executor ray).")
@click.option("--limit", type=int, default=None, help="Read at most N records per input shard (a quick try).")
@click.option("--fresh", is_flag=True, help="Delete this version's outputs and state first.")
@click.option("--manifests", type=click.Path(path_type=Path), default=None,
              help="Folder for the committed copy of the manifest [default: manifests/ beside the pipelines/ "
                   "folder holding PIPELINE_FILE, else beside PIPELINE_FILE].")  # fmt: skip
@click.option("--log-json", is_flag=True, help="Machine-readable JSON log lines on stderr.")
@click.option("--dry-run", is_flag=True, help="Estimate requests and tokens of paid steps (LLM) without sending any.")
@click.option("--retry-rejects", is_flag=True,
              help="Send again the rows rejected for a transient reason (or for each REASON given), keeping "
                   "every other row and answer; tables and manifest are updated.")  # fmt: skip
@friendly
def run(pipeline_file: Path, reasons: tuple[str, ...], root: str, workers: int | None, executor: str,
        address: str | None, limit: int | None, fresh: bool, manifests: Path | None, log_json: bool, dry_run: bool,
        retry_rejects: bool) -> None:  # fmt: skip
    """Run PIPELINE_FILE, skipping work that is already complete."""
    from curate.executors import make_executor
    from curate.log import Reporter
    from curate.manifest import default_manifests_dir
    from curate.pipeline import load_pipeline
    from curate.runner import run_pipeline
    from curate.stage import TRANSIENT_REASONS
    from curate.store import Store

    if reasons and not retry_rejects:
        raise CurateError(f"unexpected argument {reasons[0]!r}: reject reasons go after --retry-rejects")
    retry = (frozenset(reasons) or TRANSIENT_REASONS) if retry_rejects else None
    pipeline = load_pipeline(pipeline_file)
    manifests = manifests or default_manifests_dir(pipeline.path)
    reporter = Reporter(json_lines=log_json)
    runner = make_executor(executor, workers=workers, address=address)
    reporter.event("run", dataset=pipeline.spec.dataset, version=pipeline.spec.version,
                   executor=runner.name, workers=runner.workers)  # fmt: skip
    try:
        result = run_pipeline(pipeline, root, runner, fresh=fresh, limit=limit, manifests_dir=manifests,
                              progress=reporter.progress, dry_run=dry_run, retry_rejects=retry)  # fmt: skip
    finally:
        reporter.close()
        runner.close()
    if dry_run:
        for name, estimate in result.estimates.items():
            reporter.event("estimate", step=name, **(estimate or {"skipped": "needs the output of an estimated step"}))
        return
    for step in result.manifest["steps"]:
        rejected = sum(step["rejected"].values())
        reporter.event("step", step=step["name"], rows_in=step["rows_in"], rows_out=step["rows_out"],
                       rejected=rejected, wall_s=step["wall_s"])  # fmt: skip
    manifest = Store(root, pipeline.spec.dataset, pipeline.spec.version).manifest_path
    reporter.event("done", tasks_run=result.tasks_run, tasks_skipped=result.tasks_skipped,
                   wall_s=round(result.wall_s, 2), manifest=manifest,
                   manifest_copy=str(manifests / pipeline.spec.dataset / f"{pipeline.spec.version}.json"))  # fmt: skip


@main.command()
@root_option
@click.option("--json", "as_json", is_flag=True)
@friendly
def status(root: str, as_json: bool) -> None:
    """What is done, running and failed in the store."""
    from curate.audit import status as get_status

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


@main.command()
@click.argument("manifest")
@click.option("--root", default=None,
              help="Store folder, when MANIFEST is the committed copy under manifests/.")  # fmt: skip
@friendly
def verify(manifest: str, root: str | None) -> None:
    """Re-hash every shard MANIFEST lists; exit 1 naming any mismatch."""
    from curate.audit import verify as run_verify

    if root is None and not manifest.endswith("manifest.json"):
        root = os.environ.get("CURATE_ROOT", DEFAULT_ROOT)
    problems = run_verify(manifest, root)
    for line in problems:
        click.echo(line)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("ok: every shard matches its manifest")


@main.command()
@click.argument("row_id")
@root_option
@click.option("--json", "as_json", is_flag=True)
@friendly
def lineage(row_id: str, root: str, as_json: bool) -> None:
    """Walk ROW_ID back to its source, printing each row and the config that made it."""
    from curate.audit import LineageIndex

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
    from curate.audit import short

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


@main.command()
@click.argument("dataset")
@root_option
@click.option("--version", "version", default=None, help="Default: the newest finished version.")
@friendly
def show(dataset: str, root: str, version: str | None) -> None:
    """Schema, counts and sample rows of DATASET."""
    from curate.audit import describe, short

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


def _register_commands() -> None:
    from curate.commands import register

    register(main)


_register_commands()

if __name__ == "__main__":
    main()
