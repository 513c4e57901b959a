"""Pipeline files: YAML naming inputs, the steps in order, and the dataset name and version.

    dataset: demo
    version: "1"
    inputs:
      songs_dump: {path: ../curate/data/samples/songs.jsonl}
    steps:
      - {name: songs_raw, stage: read, input: songs_dump, config: {format: jsonl}}
      - {name: long_songs, stage: filter, input: songs_raw, config: {expr: "duration_s > 60"}}

Each step's output is a table named after the step; later steps may read any earlier table, so
the steps form a DAG. Everything is checked before any work starts, and the first problem is
reported as one `ConfigError` naming file, key and reason.
"""

from __future__ import annotations

import dataclasses
import glob
import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from curate.errors import ConfigError, CurateError
from curate.hashing import digest
from curate.io import check_codec
from curate.schemas import load_schema
from curate.stage import GlobalStage, SourceStage, Stage, StageConfig
from curate.stages import load_stage
from curate.store import atomic_write_bytes, cache_home, is_url

_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_\-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputSpec(_Strict):
    path: str | list[str] = Field(description="file, directory or glob; relative to the pipeline file")
    description: str = ""
    encoding: str | None = Field(None, description="text encoding of files without a byte-order mark (default UTF-8)")

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_codec(value)
        except CurateError as err:
            raise ValueError(str(err)) from err


class StepSpec(_Strict):
    name: str = Field(pattern=_NAME_PATTERN)
    stage: str
    input: str | list[str] | None = None
    config: dict[str, Any] = Field(default_factory=dict)

    @property
    def inputs(self) -> list[str]:
        if self.input is None:
            return []
        return [self.input] if isinstance(self.input, str) else list(self.input)


class PipelineSpec(_Strict):
    dataset: str = Field(pattern=_NAME_PATTERN)
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
    parent_version: str | None = None
    description: str = ""
    inputs: dict[str, InputSpec] = Field(default_factory=dict)
    steps: list[StepSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Step:
    spec: StepSpec
    stage_cls: type[Stage]
    config: StageConfig

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        if issubclass(self.stage_cls, SourceStage):
            return "source"
        return "global" if issubclass(self.stage_cls, GlobalStage) else "shard"

    def resolved(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.spec.stage,
            "input": self.spec.inputs,
            "config": self.config.model_dump(mode="json"),
        }


@dataclass(frozen=True)
class Pipeline:
    path: Path
    spec: PipelineSpec
    steps: tuple[Step, ...]
    input_files: dict[str, tuple[Path, ...]]
    input_urls: dict[Path, str] = field(default_factory=dict)  # local copy -> fsspec URL it came from

    @property
    def dir(self) -> Path:
        return self.path.parent

    def step(self, name: str) -> Step:
        for step in self.steps:
            if step.name == name:
                return step
        raise CurateError(f"pipeline has no step '{name}'")

    def resolved(self) -> dict[str, Any]:
        """The pipeline with every default filled in: saved in the manifest, hashed for lineage."""
        return {
            "dataset": self.spec.dataset,
            "version": self.spec.version,
            "parent_version": self.spec.parent_version,
            "description": self.spec.description,
            "inputs": {k: v.model_dump(exclude_none=True) for k, v in self.spec.inputs.items()},
            "steps": [s.resolved() for s in self.steps],
        }

    @property
    def config_hash(self) -> str:
        return digest(self.resolved())


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _first_error(err: ValidationError, prefix: str = "") -> tuple[str, str]:
    e = err.errors()[0]
    key = _key(e["loc"])
    if e["type"] == "extra_forbidden":
        reason = "unknown key"
    elif e["type"] == "missing":
        reason = "required key is missing"
    else:
        reason = e["msg"]
    return (f"{prefix}.{key}" if prefix and key else prefix or key), reason


def expand_paths(base: Path, patterns: str | list[str], urls: dict[Path, str] | None = None) -> list[Path]:
    """Files named by paths, directories (all files below, recursively) or globs; sorted, unique.

    fsspec URLs (`s3://...`, `hf://...`, `memory://...`) are listed and copied once into the local
    input cache (only when `urls` is given: the runner fetches, loading a pipeline only checks), so
    every stage reads local files; `urls` maps each copy back to its URL.
    """
    files: set[Path] = set()
    for pattern in [patterns] if isinstance(patterns, str) else patterns:
        if is_url(pattern):
            if urls is None:
                continue
            fetched = fetch_inputs(pattern)
            files.update(fetched)
            urls.update(fetched)
            continue
        full = (base / pattern) if not Path(pattern).is_absolute() else Path(pattern)
        # A path that exists is taken literally: yt-dlp names folders `Title [PLid]`, not globs.
        matches = [full] if full.exists() else [Path(p) for p in glob.glob(str(full), recursive=True)]
        for match in matches:
            if match.is_dir():
                files.update(p for p in match.rglob("*") if p.is_file() and not p.name.startswith("."))
            elif match.is_file():
                files.add(match)
    return sorted(p.resolve() for p in files)


def readable_files(pipeline: Pipeline, step: Step) -> tuple[list[Path], list[Path]]:
    """A source step's input files split into those its stage reads and those it skips: files found in a
    folder or by a glob whose name the stage does not read. A file named exactly is always read."""
    name = step.spec.inputs[0]
    paths = pipeline.spec.inputs[name].path
    literal = {(pipeline.dir / p).resolve() for p in ([paths] if isinstance(paths, str) else paths) if not is_url(p)}
    read: list[Path] = []
    skipped: list[Path] = []
    for path in pipeline.input_files[name]:
        keep = path in literal or not issubclass(step.stage_cls, SourceStage) or step.stage_cls.reads_file(path)
        (read if keep else skipped).append(path)
    if not read:
        shown = ", ".join(p.name for p in skipped[:3])
        raise ConfigError(str(pipeline.path), f"inputs.{name}.path", f"no file that a '{step.spec.stage}' step "
                          f"reads (found only {shown}...); name the file itself to read it anyway")  # fmt: skip
    return read, skipped


def load_pipeline(path: str | Path) -> Pipeline:
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise ConfigError(file, "", "pipeline file not found")
    try:
        doc = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise ConfigError(file, where, f"not valid YAML ({getattr(err, 'problem', err)})") from err
    if not isinstance(doc, dict):
        raise ConfigError(file, "", "expected a mapping with dataset, version, inputs and steps")
    try:
        spec = PipelineSpec.model_validate(doc)
    except ValidationError as err:
        raise ConfigError(file, *_first_error(err)) from err

    base = path.resolve().parent
    input_files: dict[str, tuple[Path, ...]] = {}
    for name, inp in spec.inputs.items():
        files = expand_paths(base, inp.path)
        remote = any(is_url(p) for p in ([inp.path] if isinstance(inp.path, str) else inp.path))
        if not files and not remote:
            raise ConfigError(file, f"inputs.{name}.path", f"no file matches '{inp.path}'")
        input_files[name] = tuple(files)

    tables: set[str] = set()
    steps: list[Step] = []
    for i, step_spec in enumerate(spec.steps):
        where = f"steps[{i}]"
        if step_spec.name in tables or step_spec.name in spec.inputs or step_spec.name == "rejects":
            raise ConfigError(file, f"{where}.name", f"'{step_spec.name}' is already used")
        try:
            stage_cls = load_stage(step_spec.stage)
        except CurateError as err:
            raise ConfigError(file, f"{where}.stage", str(err)) from err
        try:
            config = stage_cls.Config.model_validate(step_spec.config)
        except ValidationError as err:
            raise ConfigError(file, *_first_error(err, f"{where}.config")) from err
        step = Step(spec=step_spec, stage_cls=stage_cls, config=config)
        _check_inputs(file, where, step, spec, tables)
        _check_input_schema(file, where, step, steps)
        tables.add(step_spec.name)
        steps.append(step)
    return Pipeline(path=path.resolve(), spec=spec, steps=tuple(steps), input_files=input_files)


def with_remote_inputs(pipeline: Pipeline) -> Pipeline:
    """The pipeline with its fsspec-URL inputs listed and copied into the local input cache (by the
    runner, at the start of a run: loading a pipeline file never touches the network)."""
    if not any(
        is_url(p)
        for inp in pipeline.spec.inputs.values()
        for p in ([inp.path] if isinstance(inp.path, str) else inp.path)
    ):
        return pipeline
    urls: dict[Path, str] = {}
    files = {name: tuple(expand_paths(pipeline.dir, inp.path, urls)) for name, inp in pipeline.spec.inputs.items()}
    for name, found in files.items():
        if not found:
            raise ConfigError(
                str(pipeline.path), f"inputs.{name}.path", f"no file matches '{pipeline.spec.inputs[name].path}'"
            )
    return dataclasses.replace(pipeline, input_files=files, input_urls=urls)


def _check_inputs(file: str, where: str, step: Step, spec: PipelineSpec, tables: set[str]) -> None:
    names = step.spec.inputs
    if step.kind == "source":
        if len(names) != 1 or names[0] not in spec.inputs:
            raise ConfigError(file, f"{where}.input", f"a '{step.spec.stage}' step reads one name from `inputs`")
        return
    if step.kind == "shard" and len(names) != 1:
        raise ConfigError(file, f"{where}.input", f"a '{step.spec.stage}' step reads exactly one table")
    if not names:
        raise ConfigError(file, f"{where}.input", "name at least one earlier step")
    for name in names:
        if name not in tables:
            raise ConfigError(file, f"{where}.input", f"'{name}' is not an earlier step")


def input_cache_dir() -> Path:
    return Path(os.environ.get("CURATE_INPUT_CACHE") or cache_home() / "inputs")


def fetch_inputs(url: str) -> dict[Path, str]:
    """Copy the files an fsspec URL (file, folder or glob) names into the input cache, once each."""
    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as err:  # an unknown protocol, or its fsspec package is missing
        raise CurateError(f"cannot read input {url}: {err}") from err
    names = fs.glob(path) if glob.has_magic(path) else [path]
    files = [f for name in names for f in (fs.find(name) if fs.isdir(name) else [name])]
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    out: dict[Path, str] = {}
    for remote in sorted(files):
        info = fs.info(remote)
        version = info.get("ETag") or info.get("etag") or info.get("mtime") or info.get("created") or ""
        local = (
            input_cache_dir()
            / digest(protocol, remote, info.get("size"), str(version))[:20]
            / posixpath.basename(remote)
        )
        if not local.is_file():
            local.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(local, fs.cat_file(remote))
        out[local] = f"{protocol}://{remote.lstrip('/')}" if protocol != "file" else f"file://{remote}"
    return out


def _check_input_schema(file: str, where: str, step: Step, earlier: list[Step]) -> None:
    """A stage that declares the table it reads must get that table, and the columns its config names
    must be in it (when the producer declares its schema)."""
    if step.kind == "source":
        return
    wanted, needs = step.stage_cls.input_schema, step.stage_cls.needs(step.config)
    producers = {s.name: s for s in earlier}
    for name in step.spec.inputs:
        got = producers[name].stage_cls.schema_for(producers[name].config)
        missing = [c for c in needs if got is not None and c not in load_schema(got).names]
        if missing:
            raise ConfigError(file, f"{where}.config", f"'{name}' (a '{got}' table) has no column(s) {missing}")
        if wanted is not None and got is not None and got != wanted:
            raise ConfigError(file, f"{where}.input", f"'{step.spec.stage}' reads a '{wanted}' table, "
                              f"but '{name}' is a '{got}' table")  # fmt: skip
