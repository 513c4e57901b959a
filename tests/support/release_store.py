"""Build the release fixture store (tests/fixtures/release/pipeline.yaml) with the real runner."""

from __future__ import annotations

import shutil
from pathlib import Path

from curate.executors import make_executor
from curate.pipeline import load_pipeline
from curate.runner import run_pipeline

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "release"


def build_store(root: Path, workdir: Path | None = None, edits: dict[str, str] | None = None) -> Path:
    """Run the fixture pipeline into `root`; `edits` replace text in a copy of the pipeline file first."""
    pipeline_path = FIXTURES / "pipeline.yaml"
    if edits:
        assert workdir is not None
        if not (workdir / "pipeline.yaml").is_file():  # a later call edits the same copy again
            shutil.copytree(FIXTURES, workdir)
        text = (workdir / "pipeline.yaml").read_text()
        for old, new in edits.items():
            assert old in text, old
            text = text.replace(old, new)
        pipeline_path = workdir / "pipeline.yaml"
        pipeline_path.write_text(text)
    pipeline = load_pipeline(pipeline_path)
    executor = make_executor("local", workers=1)
    try:
        run_pipeline(pipeline, root, executor, manifests_dir=None)
    finally:
        executor.close()
    return root / pipeline.spec.dataset / pipeline.spec.version
