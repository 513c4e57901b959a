"""`curate run PIPELINE`: run a pipeline, skipping work that is already complete."""

from __future__ import annotations

from pathlib import Path

import click

from curate.cli import friendly, root_option
from curate.errors import CurateError


@click.command("run")
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
def command(pipeline_file: Path, reasons: tuple[str, ...], root: str, workers: int | None, executor: str,
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
    store = Store(root, pipeline.spec.dataset, pipeline.spec.version)
    reporter.event("run", dataset=pipeline.spec.dataset, version=pipeline.spec.version,
                   executor=runner.name, workers=runner.workers, cache=store.cache_dir)  # fmt: skip
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
    reporter.event("done", tasks_run=result.tasks_run, tasks_skipped=result.tasks_skipped,
                   wall_s=round(result.wall_s, 2), manifest=store.url(store.manifest_path),
                   manifest_copy=str(manifests / pipeline.spec.dataset / f"{pipeline.spec.version}.json"))  # fmt: skip
