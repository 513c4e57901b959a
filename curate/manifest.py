"""Manifests: the lineage record of one dataset version (its JSON schema: schemas/manifest.schema.json).

Written into the store beside the shards and copied to `manifests/<dataset>/<version>.json`, small
enough to commit and diff. Never holds secrets: configs name environment variables, not keys.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib.metadata
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema

from curate import __version__
from curate.executors import Executor
from curate.pipeline import Pipeline
from curate.resources import schemas_dir
from curate.store import Store, atomic_write_json
from curate.tasks import TaskReport

MANIFEST_SCHEMA_VERSION = 1
KEY_LIBRARIES = (
    "pyarrow", "polars", "pydantic", "numpy", "music21", "converter21", "yt-dlp", "langdetect",
    "openai", "datasketch", "datasets", "huggingface_hub", "ray",
)  # fmt: skip


def library_versions() -> dict[str, str]:
    versions = {}
    for name in KEY_LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return versions


@functools.cache
def git_state() -> dict[str, Any]:
    """Commit of the checkout curate runs from, when it runs from one."""
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=here, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def _relative(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.name  # outside the pipeline folder: keep no machine path


def build_manifest(
    *,
    pipeline: Pipeline,
    store: Store,
    input_checksums: dict[Path, str],
    steps: dict[str, tuple[list[TaskReport], float]],
    executor: Executor,
    wall_s: float,
) -> dict[str, Any]:
    inputs = [
        {"name": name, "path": pipeline.input_urls.get(path) or _relative(path, pipeline.dir),
         "sha256": input_checksums[path],
         "bytes": path.stat().st_size}
        for name, paths in pipeline.input_files.items()
        for path in paths
    ]  # fmt: skip
    step_docs, tables, reject_files = [], {}, []
    for step in pipeline.steps:
        reports, step_wall = steps[step.name]
        rejected: Counter[str] = Counter()
        counters: Counter[str] = Counter()
        for r in reports:
            rejected.update(r.rejected)
            counters.update(r.counters)
            if r.rejects:
                reject_files.append(r.rejects)
        shards = [o for r in reports for o in r.outputs]
        schema = step.stage_cls.schema_for(step.config)
        tables[step.name] = {
            "schema": schema,
            "rows": sum(o["rows"] for o in shards),
            "bytes": sum(o["bytes"] for o in shards),
            "shards": shards,
        }
        step_docs.append({
            **step.resolved(),
            "kind": step.kind,
            "code_version": step.stage_cls.code_version(),
            "shards": len(reports),
            "rows_in": sum(r.rows_in for r in reports),
            "rows_out": sum(r.rows_out for r in reports),
            "rejected": dict(sorted(rejected.items())),
            "counters": {k: round(v, 6) for k, v in sorted(counters.items())},
            "wall_s": step_wall,
        })  # fmt: skip
    manifest = {
        "manifest_version": MANIFEST_SCHEMA_VERSION,
        "dataset": pipeline.spec.dataset,
        "version": pipeline.spec.version,
        "parent_version": pipeline.spec.parent_version,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "code": {"curate_version": __version__, **git_state()},
        "libraries": library_versions(),
        "pipeline": {
            "file": pipeline.path.name,
            "config": pipeline.resolved(),
            "config_hash": pipeline.config_hash,
        },
        "inputs": inputs,
        "steps": step_docs,
        "tables": tables,
        "rejects": {
            "rows": sum(f["rows"] for f in reject_files),
            "bytes": sum(f["bytes"] for f in reject_files),
            "shards": sorted(reject_files, key=lambda f: f["path"]),
        },
        "run": {"executor": executor.name, "workers": executor.workers, "wall_s": round(wall_s, 3)},
    }
    validate_manifest(manifest)
    return manifest


@functools.cache
def _manifest_schema() -> dict[str, Any]:
    return json.loads((schemas_dir() / "manifest.schema.json").read_text())


def validate_manifest(manifest: dict[str, Any]) -> None:
    jsonschema.validate(manifest, _manifest_schema())


def default_manifests_dir(pipeline_path: Path) -> Path:
    """Where `curate run` copies a manifest to be committed: `manifests/` of the project a pipeline file
    belongs to (`<project>/pipelines/x.yaml` -> `<project>/manifests`), else beside the file; never the
    current directory, so running a pipeline from elsewhere writes nothing there."""
    folder = pipeline_path.resolve().parent
    return (folder.parent if folder.name == "pipelines" else folder) / "manifests"


def write_manifest(manifest: dict[str, Any], store: Store, manifests_dir: Path | None) -> None:
    store.write_json(store.manifest_path, manifest)
    if manifests_dir is not None:
        atomic_write_json(manifests_dir / manifest["dataset"] / f"{manifest['version']}.json", manifest)
