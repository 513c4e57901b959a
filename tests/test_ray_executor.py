"""The same pipeline on a local Ray cluster (2 CPUs): identical bytes, and resume across executors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from foundation_helpers import read_then, standard_pipeline, tree_checksums

from curate.executors import LocalExecutor, make_executor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline

ray = pytest.importorskip("ray")
pytestmark = [pytest.mark.ray, pytest.mark.slow]


@pytest.fixture(scope="module")
def ray_executor():
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).parent), os.environ.get("PYTHONPATH")]))
    executor = make_executor("ray", workers=2)
    yield executor
    executor.close()


def test_ray_output_is_byte_identical_to_local(tmp_path: Path, ray_executor) -> None:
    pipeline = load_pipeline(standard_pipeline(tmp_path))
    run_pipeline(pipeline, tmp_path / "local", LocalExecutor(2))
    result = run_pipeline(pipeline, tmp_path / "ray", ray_executor)
    assert result.manifest["run"]["executor"] == "ray" and result.tasks_run == 12
    assert tree_checksums(tmp_path / "local/t/1") == tree_checksums(tmp_path / "ray/t/1")


def test_started_locally_resumed_on_ray(tmp_path: Path, ray_executor) -> None:
    path = standard_pipeline(tmp_path)
    pipeline = load_pipeline(path)
    run_pipeline(pipeline, tmp_path / "ref", LocalExecutor(1))
    run_pipeline(pipeline, tmp_path / "s", LocalExecutor(1))
    # forget the last two steps, as if the local run had been killed after the filter step
    for step in ("upper", "derived"):
        for record in (tmp_path / "s/t/1/_state" / step).glob("*.done.json"):
            record.unlink()
    result = run_pipeline(pipeline, tmp_path / "s", ray_executor)
    assert result.tasks_skipped == 6 and result.tasks_run == 6
    assert tree_checksums(tmp_path / "s/t/1") == tree_checksums(tmp_path / "ref/t/1")


def test_stage_bug_on_ray_is_reported(tmp_path: Path, ray_executor) -> None:
    from foundation_helpers import write_pipeline, write_songs

    from curate.errors import CurateError

    songs = write_songs(tmp_path / "in", files=1, broken=False)
    (songs / "dump-0.jsonl").write_text('{"id": "x", "title": "boom"}\n')
    path = write_pipeline(
        tmp_path / "p.yaml",
        inputs={"d": {"path": "in"}},
        steps=[{"name": "raw", "stage": "read", "input": "d"}, {"name": "b", "stage": "plugins:Boom", "input": "raw"}],
    )
    with pytest.raises(CurateError, match="planted bug"):
        run_pipeline(load_pipeline(path), tmp_path / "s", ray_executor)


def test_global_stage_pieces_run_as_ray_tasks(tmp_path: Path, ray_executor) -> None:

    path = read_then(tmp_path, {"name": "s", "stage": "plugins:ChunkedSum", "input": "raw"})
    run_pipeline(load_pipeline(path), tmp_path / "local", LocalExecutor(2))
    run_pipeline(load_pipeline(path), tmp_path / "ray", ray_executor)
    assert tree_checksums(tmp_path / "local/t/1") == tree_checksums(tmp_path / "ray/t/1")


def _reserve_from_worker(name: str) -> float:
    from curate.ratelimit import step_limiter

    limiter = step_limiter(6.0, name, workers=2, executor="ray")  # one request per 10 s, cluster-wide
    return ray.get(limiter._handle.reserve.remote(1))


def test_step_limiter_is_one_budget_across_ray_workers(ray_executor) -> None:
    remote = ray.remote(num_cpus=1)(_reserve_from_worker)
    first = ray.get(remote.remote("step-x:requests"))
    second = ray.get(remote.remote("step-x:requests"))  # another task, same step: same actor, bucket drained
    other = ray.get(remote.remote("step-y:requests"))  # another step has its own budget
    assert first == 0.0 and second > 5 and other == 0.0


def test_local_limiter_is_split_between_workers() -> None:
    from curate.ratelimit import RateLimiter, step_limiter

    limiter = step_limiter(120.0, "s", workers=4, executor="local")
    assert isinstance(limiter, RateLimiter) and limiter.rate == 0.5
