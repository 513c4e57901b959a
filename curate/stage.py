"""The stage contract: one small class, one method over a batch.

Three kinds share it:
- `ShardStage.process(batch)` runs on each shard of its input table independently (in parallel);
- `SourceStage` lists shards of named input files and reads each one into rows;
- `GlobalStage.process_all(tables)` needs every shard of its inputs at once (dedup, release).

Every kind returns a `StageResult`: output rows plus rejected rows, each with a reason. The
executor casts rows to the stage's declared schema, writes shards and counts rows in/out/rejected.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from curate.errors import MissingDependencyError
from curate.hashing import digest, sha256_file


class StageConfig(BaseModel):
    """Base of every stage's config: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass
class Reject:
    """A row a stage could not or would not keep, with a machine-readable reason."""

    row: dict[str, Any]
    reason: str
    detail: str = ""
    related_id: str | None = None  # e.g. the kept row of a duplicate cluster
    cluster_id: str | None = None


@dataclass
class StageResult:
    """Rows out and rows rejected. Global stages at scale may give `rows` as a `pl.LazyFrame` or an
    iterator of Arrow tables, and `rejects` as a `pl.LazyFrame` or an iterator of `pl.DataFrame`s of the
    rejected rows with `reason`, `detail`, `related_id` and `cluster_id` columns beside their own: the
    executor streams them into shards."""

    rows: pa.Table | list[dict[str, Any]] | pl.LazyFrame | Iterator[pa.Table] = field(default_factory=list)
    rejects: list[Reject] | pl.LazyFrame | Iterator[pl.DataFrame] = field(default_factory=list)


TRANSIENT_REASONS = frozenset({"rate_limited", "server_error", "timeout", "connection_error", "bad_response"})


@dataclass(frozen=True)
class RetryRejects:
    """`curate run --retry-rejects`: a completed task run again to send the rows it rejected for one of
    `reasons`; every other row keeps what it had (a kept row comes from the response cache, a row
    rejected for another reason keeps its reject from `earlier`: (row id, reason, detail))."""

    reasons: frozenset[str]
    earlier: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class StageContext:
    """What a stage may know about where it runs; plain data so tasks pickle to any executor."""

    step: str  # the step name in the pipeline file (also its output table)
    store_base: Path | None  # <root>/<dataset>/<version> on a local disk; None when the store is an fsspec URL
    cache_dir: Path  # <root>/_cache, shared by versions
    pipeline_dir: Path  # folder of the pipeline file: relative paths in configs resolve here
    limit: int | None = None  # rows per source shard (`curate run --limit`)
    workers: int = 1
    executor: str = "local"  # local | ray: where `curate.parallel.parallel_map` sends a global stage's pieces
    input_encoding: str | None = None  # a source step's `encoding:` for files without a byte-order mark
    parallel_tasks: int = 1  # tasks of this step running at once: min(workers, the step's tasks to run)
    retry: RetryRejects | None = None  # set on a completed task run again by `--retry-rejects`


@dataclass(frozen=True)
class InputShard:
    """One unit of work for a source stage: a file, or a byte range of one."""

    path: Path
    start: int = 0
    end: int | None = None  # None: to the end of the file
    checksum: str = ""
    skipped: tuple[str, ...] = ()  # files of the input's folders the stage does not read (first shard only)

    @property
    def key(self) -> str:
        if self.skipped:
            return digest(self.checksum, self.start, self.end, self.skipped)
        return digest(self.checksum, self.start, self.end)

    @classmethod
    def line_ranges(cls, path: Path, target_bytes: int) -> list[InputShard]:
        """A JSONL file as shards of about `target_bytes`, cut at line ends (one shard if compressed)."""
        from curate.io import line_ranges

        return [cls(path, start, end) for start, end in line_ranges(path, target_bytes)]

    @classmethod
    def of_files(cls, paths: list[Path], target_bytes: int, is_jsonl: Callable[[Path], bool]) -> list[InputShard]:
        """One shard per file, JSONL files cut into byte ranges: the shards of a line-oriented source."""
        shards: list[InputShard] = []
        for path in paths:
            shards += cls.line_ranges(path, target_bytes) if is_jsonl(path) else [cls(path)]
        return shards


class Stage:
    name: ClassVar[str]
    Config: ClassVar[type[StageConfig]] = StageConfig
    input_schema: ClassVar[str | None] = None  # a table in schemas/, or None for any columns
    output_schema: ClassVar[str | None] = None
    requires: ClassVar[tuple[str, ...]] = ()  # importable modules this stage needs
    extra: ClassVar[str | None] = None  # pip extra that provides them
    code_paths: ClassVar[tuple[str, ...]] = ()  # packages/modules whose source also shapes the output

    def __init__(self, config: StageConfig, context: StageContext) -> None:
        for module in self.requires:
            if importlib.util.find_spec(module) is None:
                raise MissingDependencyError(self.name, module, self.extra)
        self.config = config
        self.context = context
        self.counters: Counter[str] = Counter()  # extra per-task stats, merged into the manifest

    @classmethod
    def code_version(cls) -> str:
        """Changes when the stage's source (or a module in `code_paths`) changes, so completed tasks
        made by old code are redone."""
        from curate import __version__

        files = [Path(inspect.getfile(cls)), *(f for name in cls.code_paths for f in _source_files(name))]
        return digest(__version__, [(f.name, sha256_file(f)) for f in files])[:16]

    @classmethod
    def schema_for(cls, config: StageConfig) -> str | None:
        """The schema of the output table: a `schema_name` config field (stages that pass any table
        through, like dedup) or else the class's `output_schema`."""
        return getattr(config, "schema_name", None) or cls.output_schema

    @classmethod
    def config_files(cls, config: StageConfig, pipeline_dir: Path) -> list[Path]:
        """Files the config names whose content shapes the output (prompt templates...): the runner
        hashes them into task fingerprints, so editing one redoes the step."""
        return []

    def setup(self) -> None:
        """Load models, open clients: once per task, in the worker."""

    def teardown(self) -> None:
        """Release what setup took, even when the task failed."""


def _source_files(module: str) -> list[Path]:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise MissingDependencyError("code_paths", module)
    origin = Path(spec.origin)
    return sorted(origin.parent.rglob("*.py")) if origin.name == "__init__.py" else [origin]


class ShardStage(Stage):
    batch_size: ClassVar[int] = 4096

    def process(self, batch: pa.Table) -> StageResult:
        raise NotImplementedError

    def estimate(self, batch: pa.Table) -> dict[str, float]:
        """What `process` would cost, without doing it (`curate run --dry-run`). Stages that pay for
        calls (LLM stages) override it; a dry run runs the steps that do not."""
        return {"rows": batch.num_rows}


class SourceStage(Stage):
    # Name endings (compressed forms included) of the files this stage reads from a folder or glob; None:
    # every file. Others (yt-dlp's .description, .webp, .vtt...) are skipped and counted (`skipped_files`).
    suffixes: ClassVar[tuple[str, ...] | None] = None
    unique_ids: ClassVar[bool] = False  # a later row with an earlier row's id is `duplicate_id`, across shards too

    @classmethod
    def reads_file(cls, path: Path) -> bool:
        from curate.io import COMPRESSED_SUFFIXES

        if cls.suffixes is None:
            return True
        name = path.name.lower()
        for suffix in COMPRESSED_SUFFIXES:
            name = name.removesuffix(suffix)
        return name.endswith(cls.suffixes)

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        """Split the named input's files into shards, deterministically."""
        raise NotImplementedError

    def read(self, shard: InputShard) -> Iterator[StageResult]:
        raise NotImplementedError


class GlobalStage(Stage):
    shard_rows: ClassVar[int] = 100_000  # rows per output shard

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        raise NotImplementedError
