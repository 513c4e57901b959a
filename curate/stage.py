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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
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


class RejectRow(Exception):  # noqa: N818  (a verdict on a record, not an error of the program)
    """A record that cannot become a row: raised by helpers, caught by the stage, written as a reject."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason, detail)  # both in `args`, so it pickles across processes
        self.reason, self.detail = reason, detail

    def __str__(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason

    def reject(self, row: dict[str, Any], related_id: str | None = None) -> Reject:
        return Reject(row, self.reason, self.detail, related_id)


@dataclass
class StageResult:
    """Rows out and rows rejected. Global stages at scale may give `rows` as a `pl.LazyFrame` or an
    iterator of Arrow tables, and `rejects` as a `pl.LazyFrame` or an iterator of `pl.DataFrame`s of the
    rejected rows with `reason`, `detail`, `related_id` and `cluster_id` columns beside their own: the
    executor streams them into shards."""

    rows: pa.Table | list[dict[str, Any]] | pl.LazyFrame | Iterator[pa.Table] = field(default_factory=list)
    rejects: list[Reject] | pl.LazyFrame | Iterator[pl.DataFrame] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)  # rejected rows not written (by reason): still counted


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
    dataset: str
    version: str
    cache_dir: Path  # caches of paid or slow calls, shared by versions; outside the store (store.calls_cache_dir)
    pipeline_dir: Path  # folder of the pipeline file: relative paths in configs resolve here
    limit: int | None = None  # rows per source shard (`curate run --limit`)
    workers: int = 1
    executor: str = "local"  # local | ray: where `curate.parallel.parallel_map` sends a global stage's pieces
    input_encoding: str | None = None  # a source step's `encoding:` for files without a byte-order mark
    parallel_tasks: int = 1  # tasks of this step running at once: min(workers, the step's tasks to run)
    retry: RetryRejects | None = None  # set on a completed task run again by `--retry-rejects`


@dataclass(frozen=True)
class StoreInput:
    """A read of the store beside a global step's input tables, declared by its stage: the runner
    checksums the files into the task's fingerprint and the executor hands them over as a frame."""

    table: str  # a table name, or "rejects" (this version's rejects of the steps before this one)
    version: str | None = None  # another version of the dataset (its published manifest names the shards)


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
    scratch: Path  # a local folder only this task uses, removed when it ends (set by the executor)

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
    def needs(cls, config: StageConfig) -> list[str]:
        """Input columns the config names (stages that accept any table): checked when the pipeline loads
        against the producing step's schema, when it declares one."""
        return []

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


class FilterStageConfig(StageConfig):
    keep_rejects: bool = True  # False: count dropped rows by reason without writing them (very selective filters)


@dataclass(frozen=True)
class Drop:
    """Why a filter drops one row."""

    reason: str
    detail: str = ""
    related_id: str | None = None


class FilterStage(ShardStage):
    """A shard stage that keeps or drops rows. `annotate` may add columns (and reject rows it cannot
    read); `verdicts` gives each row None (keep) or a `Drop`. The base writes the dropped rows as rejects,
    or with `keep_rejects: false` only counts them; a config field `reject: false` annotates only."""

    Config: ClassVar[type[StageConfig]] = FilterStageConfig
    config: FilterStageConfig

    def annotate(self, batch: pa.Table) -> tuple[pa.Table, list[Reject]]:
        return batch, []

    def verdicts(self, table: pa.Table) -> Sequence[Drop | None]:
        raise NotImplementedError

    def process(self, batch: pa.Table) -> StageResult:
        table, rejects = self.annotate(batch)
        if not getattr(self.config, "reject", True):
            return StageResult(rows=table, rejects=rejects)
        verdicts = self.verdicts(table)
        keep = pa.array([v is None for v in verdicts], pa.bool_())
        drops = [v for v in verdicts if v is not None]
        if not self.config.keep_rejects:
            return StageResult(rows=table.filter(keep), rejects=rejects, dropped=Counter(d.reason for d in drops))
        dropped = table.filter(pc.invert(keep)).to_pylist()
        rejects += [Reject(row, d.reason, d.detail, d.related_id) for row, d in zip(dropped, drops, strict=True)]
        return StageResult(rows=table.filter(keep), rejects=rejects)


Record = dict[str, Any] | Reject  # what a source yields: a row, or a record it could not read


class SourceStage(Stage):
    """Lists shards of a named input and yields its records one by one; the base cuts them into batches
    of `batch_rows` (a config field, or the class attribute) and stops after `--limit` records."""

    batch_rows: ClassVar[int] = 10_000

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

    def records(self, shard: InputShard) -> Iterator[Record]:
        raise NotImplementedError

    def batch(self, shard: InputShard, rows: list[dict[str, Any]], rejects: list[Reject]) -> StageResult:
        """One batch of records as a result: a hook for sources that finish rows together (ids, types)."""
        return StageResult(rows=rows, rejects=rejects)

    def read(self, shard: InputShard) -> Iterator[StageResult]:
        size = getattr(self.config, "batch_rows", None) or self.batch_rows
        records: Iterable[Record] = self.records(shard)
        if self.context.limit is not None:
            records = islice(records, self.context.limit)
        rows: list[dict[str, Any]] = []
        rejects: list[Reject] = []
        for record in records:
            (rejects if isinstance(record, Reject) else rows).append(record)  # type: ignore[arg-type]
            if len(rows) + len(rejects) >= size:
                yield self.batch(shard, rows, rejects)
                rows, rejects = [], []
        yield self.batch(shard, rows, rejects)


class GlobalStage(Stage):
    shard_rows: ClassVar[int] = 100_000  # rows per output shard

    @classmethod
    def store_inputs(cls, config: StageConfig, step: str) -> dict[str, StoreInput]:
        """Store reads beyond the input tables, by the name `process_all` finds them under in `tables`
        (start it with `@`, which no step name can); absent there when they hold no file."""
        return {}

    def process_all(self, tables: dict[str, pl.LazyFrame]) -> StageResult:
        raise NotImplementedError
