"""Plan a pipeline into tasks, skip the ones already complete, run the rest, write the manifest.

Steps run in file order; within a step every shard is an independent task. A task's fingerprint
covers its input bytes, the step's resolved config and the stage's code version, so a rerun skips
what is complete and redoes only what changed.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from curate.errors import CurateError
from curate.executors import Executor, TaskFailure
from curate.hashing import digest, sha256_file
from curate.kinds import KINDS, Planning
from curate.kinds.shard import ShardKind
from curate.manifest import build_manifest, write_manifest
from curate.pipeline import Pipeline, Step, with_remote_inputs
from curate.stage import RetryRejects, ShardStage, StageContext
from curate.store import Store
from curate.tasks import Task, TaskReport


@dataclass
class RunResult:
    manifest: dict
    tasks_run: int
    tasks_skipped: int
    wall_s: float
    estimates: dict[str, dict[str, float]] = field(default_factory=dict)  # --dry-run: per estimated step


@dataclass
class _StepOutcome:
    reports: list[TaskReport] = field(default_factory=list)
    ran: int = 0
    skipped: int = 0
    wall_s: float = 0.0


ProgressHook = Callable[[str, int, int], None]  # (step, tasks done, tasks total)


def run_pipeline(
    pipeline: Pipeline,
    root: Path | str,
    executor: Executor,
    *,
    fresh: bool = False,
    limit: int | None = None,
    manifests_dir: Path | None = None,
    progress: ProgressHook | None = None,
    dry_run: bool = False,
    retry_rejects: frozenset[str] | None = None,
) -> RunResult:
    started = time.perf_counter()
    pipeline = with_remote_inputs(pipeline)
    store = Store(str(root), pipeline.spec.dataset, pipeline.spec.version)
    if "memory" in store.fs.protocol and executor.workers > 1:
        raise CurateError("a memory:// store lives inside one process: run it with --workers 1")
    if fresh:
        store.clear()
    for leftover in store.glob("**/.*.tmp-*"):  # half-written files of a killed run: never visible, now gone
        store.remove(leftover)
    store.write_json(store.run_path, {"pid": os.getpid(), "status": "running", "started": time.time()})
    input_checksums = {path: sha256_file(path) for paths in pipeline.input_files.values() for path in paths}
    outcomes: dict[str, _StepOutcome] = {}
    estimates: dict[str, dict[str, float]] = {}
    try:
        for step in pipeline.steps:
            if dry_run and _estimated(step, outcomes):
                estimates[step.name], built = _estimate_step(pipeline, step, store, input_checksums, outcomes, limit,
                                                             executor)  # fmt: skip
                if built is not None:  # already complete: later steps can be estimated from it
                    outcomes[step.name] = _StepOutcome(reports=built, skipped=len(built))
                continue
            outcomes[step.name] = _run_step(pipeline, step, store, executor, input_checksums, outcomes, limit, progress,
                                            retry_rejects)  # fmt: skip
    except BaseException as err:
        status = "interrupted" if isinstance(err, KeyboardInterrupt) else "failed"
        store.write_json(store.run_path, {"pid": os.getpid(), "status": status, "error": str(err)})
        raise
    wall = time.perf_counter() - started
    if dry_run:
        store.write_json(store.run_path, {"pid": os.getpid(), "status": "dry_run", "finished": time.time()})
        ran, skipped = sum(o.ran for o in outcomes.values()), sum(o.skipped for o in outcomes.values())
        return RunResult(manifest={}, tasks_run=ran, tasks_skipped=skipped, wall_s=wall, estimates=estimates)
    manifest = build_manifest(
        pipeline=pipeline,
        store=store,
        input_checksums=input_checksums,
        steps={name: (o.reports, o.wall_s) for name, o in outcomes.items()},
        executor=executor,
        wall_s=wall,
    )
    write_manifest(manifest, store, manifests_dir)
    store.write_json(store.run_path, {"pid": os.getpid(), "status": "done", "finished": time.time()})
    ran = sum(o.ran for o in outcomes.values())
    skipped = sum(o.skipped for o in outcomes.values())
    return RunResult(manifest=manifest, tasks_run=ran, tasks_skipped=skipped, wall_s=wall)


def _estimated(step: Step, done: dict[str, _StepOutcome]) -> bool:
    """In a dry run: a step with its own `estimate` (it pays for calls), or one that needs such a step."""
    own = issubclass(step.stage_cls, ShardStage) and step.stage_cls.estimate is not ShardStage.estimate
    return own or (step.kind != "source" and any(name not in done for name in step.spec.inputs))


def _estimate_step(pipeline: Pipeline, step: Step, store: Store, input_checksums: dict[Path, str],
                   done: dict[str, _StepOutcome], limit: int | None, executor: Executor
                   ) -> tuple[dict[str, float], list[TaskReport] | None]:  # fmt: skip
    """Sum of the stage's `estimate` over every batch of its input ({} when the input is not built),
    and the step's completion reports when every task of it is already complete."""
    if any(name not in done for name in step.spec.inputs):
        return {}, None
    totals: Counter[str] = Counter()
    tasks = plan_step(pipeline, step, store, input_checksums, done, limit, executor.workers, executor.name)
    shards = KINDS["shard"]
    assert isinstance(shards, ShardKind)
    for task in tasks:
        stage = step.stage_cls(step.config, task.context)
        assert isinstance(stage, ShardStage)
        stage.setup()
        try:
            for batch in shards.batches(stage, task):  # the batches `process` would see
                totals.update(stage.estimate(batch))
        finally:
            stage.teardown()
    reports = [completed_report(store, task) for task in tasks]
    return dict(totals), None if None in reports else reports  # type: ignore[return-value]


def _run_step(
    pipeline: Pipeline,
    step: Step,
    store: Store,
    executor: Executor,
    input_checksums: dict[Path, str],
    done: dict[str, _StepOutcome],
    limit: int | None,
    progress: ProgressHook | None,
    retry_rejects: frozenset[str] | None = None,
) -> _StepOutcome:
    started = time.perf_counter()
    tasks = plan_step(pipeline, step, store, input_checksums, done, limit, executor.workers, executor.name)
    kind = KINDS[step.kind]
    kind.remove_stale(store, step.name, len(tasks))
    store.write_json(f"{store.state_dir(step.name)}/plan.json", {"tasks": len(tasks), "kind": step.kind})
    outcome = _StepOutcome()
    results: dict[int, TaskReport] = {}
    todo: list[Task] = []
    for task in tasks:
        report = completed_report(store, task)
        if report is None:
            todo.append(task)
        elif retry_rejects and retry_rejects & set(report.rejected):
            todo.append(_retrying(store, task, report, retry_rejects))
        else:
            results[task.index] = report
    # what runs at once: an LLM step shares its concurrency among these, not among idle workers
    at_once = max(1, min(executor.workers, len(todo)))
    todo = [dataclasses.replace(t, context=dataclasses.replace(t.context, parallel_tasks=at_once)) for t in todo]
    outcome.skipped = len(results)
    finished = len(results)
    if progress:
        progress(step.name, finished, len(tasks))

    def on_done(task: Task, result: TaskReport | TaskFailure) -> None:
        nonlocal finished
        finished += 1
        if progress:
            progress(step.name, finished, len(tasks))

    failures: list[TaskFailure] = []
    for result in executor.run(todo, on_done):
        if isinstance(result, TaskFailure):
            failures.append(result)
        else:
            results[result.index] = result
    outcome.ran = len(todo)
    if failures:
        first = failures[0]
        if first.user_error:  # a wrong setting or an unreachable server: the sentence says what to change
            raise CurateError(f"step '{step.name}' stopped ({first.task.label}): {first.error}")
        raise CurateError(
            f"step '{step.name}' failed on {len(failures)} of {len(tasks)} shards; first, {first.task.label}: "
            f"{first.error} (details: curate status; completed shards are kept, rerun to resume)"
        )
    outcome.reports = kind.finish(step, store, tasks, [results[i] for i in sorted(results)])
    outcome.wall_s = round(time.perf_counter() - started, 4)
    return outcome


def _retrying(store: Store, task: Task, report: TaskReport, reasons: frozenset[str]) -> Task:
    """The completed `task`, to run again for its rejects of `reasons` (`curate run --retry-rejects`)."""
    earlier: list[tuple[str, str, str]] = []
    if report.rejects is not None:
        table = store.parquet_file(store.path(report.rejects["path"])).read(columns=["row_id", "reason", "detail"])
        earlier = [(r["row_id"], r["reason"], r["detail"] or "") for r in table.to_pylist() if r["row_id"] is not None]
    retry = RetryRejects(reasons, tuple(earlier))
    return dataclasses.replace(task, context=dataclasses.replace(task.context, retry=retry))


def plan_step(
    pipeline: Pipeline,
    step: Step,
    store: Store,
    input_checksums: dict[Path, str],
    done: dict[str, _StepOutcome],
    limit: int | None,
    workers: int = 1,
    executor: str = "local",
) -> list[Task]:
    context = StageContext(
        step=step.name,
        dataset=store.dataset,
        version=store.version,
        cache_dir=store.cache_dir,
        pipeline_dir=pipeline.dir,
        limit=limit,
        workers=workers,
        executor=executor,
        input_encoding=_input_encoding(pipeline, step),
    )
    config = step.config.model_dump(mode="json")
    base = digest(step.spec.stage, config, step.stage_cls.code_version(), limit)
    if context.input_encoding:
        base = digest(base, context.input_encoding)
    if files := step.stage_cls.config_files(step.config, pipeline.dir):
        base = digest(base, [sha256_file(f) for f in files])

    def make(index: int, input_key: str, **kw: object) -> Task:
        return Task(
            step=step.name,
            stage=step.spec.stage,
            config=config,
            kind=step.kind,
            index=index,
            fingerprint=digest(base, input_key),
            root=store.root,
            dataset=store.dataset,
            version=store.version,
            context=context,
            **kw,  # type: ignore[arg-type]
        )

    reports = {name: outcome.reports for name, outcome in done.items()}
    return KINDS[step.kind].plan(Planning(pipeline, step, store, context, input_checksums, reports, make))


def _input_encoding(pipeline: Pipeline, step: Step) -> str | None:
    if step.kind != "source":
        return None
    return pipeline.spec.inputs[step.spec.inputs[0]].encoding


def completed_report(store: Store, task: Task) -> TaskReport | None:
    """The task's completion record if it matches the task's fingerprint and its outputs exist."""
    path = store.completion_path(task.step, task.index)
    if not store.exists(path):
        return None
    report = TaskReport.from_json(store.read_json(path))
    if report.fingerprint != task.fingerprint:
        return None
    files = [o["path"] for o in report.outputs] + ([report.rejects["path"]] if report.rejects else [])
    if not all(store.exists(store.path(f)) for f in files):
        return None
    return report
