"""Pipelines and server answers for the LLM tests and benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from curate.executors import make_executor
from curate.pipeline import load_pipeline
from curate.runner import RunResult, run_pipeline

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "llm" / "songs.jsonl"


def last_user(body: dict[str, Any]) -> str:
    return str([m for m in body["messages"] if m["role"] == "user"][-1]["content"])


def summary_answer(body: dict[str, Any]) -> str:
    """A valid English summary naming the song whose metadata the request carries."""
    text = last_user(body)
    metadata = json.loads(text.split("Metadata:", 1)[1]) if "Metadata:" in text else {}
    title = metadata.get("track") or metadata.get("title") or "This piece"
    summary = (f'"{title}" is a recording that blends a clear melody with a steady rhythm section. '
               "The arrangement builds from a quiet opening to a fuller final chorus.")  # fmt: skip
    return json.dumps({"insufficient_information": False, "summary": summary, "language": "en",
                       "second_summary": None, "second_language": None})  # fmt: skip


def qa_answer(body: dict[str, Any]) -> str:
    """One sensible pair per requested area."""
    topics = json.loads(last_user(body).split("):\n", 1)[1])
    pairs = [
        {"topic": t["name"], "question": f"What does {t['name'].replace('_', ' ')} mean for this recording?",
         "answer": f"It concerns {t['description']}; here the melody and rhythm section show it."}
        for t in topics
    ]  # fmt: skip
    return json.dumps({"pairs": pairs})


def knowledge_answer(body: dict[str, Any]) -> str:
    """A four-option item from the QA pair in the request: its answer is option A."""
    text = last_user(body)
    question = text.split("Question:", 1)[1].split("\n", 1)[0].strip()
    answer = text.split("Answer:", 1)[1].strip()
    options = {"A": answer, "B": answer.replace("melody", "bass line").replace("rhythm", "harmony"),
               "C": answer.replace("melody", "lyrics").replace("rhythm", "tempo"),
               "D": answer.replace("melody", "timbre").replace("rhythm", "dynamics")}  # fmt: skip
    return json.dumps({"question": question, "options": options, "answer": "A",
                       "explanation": "The source answer says so."})  # fmt: skip


def answer(body: dict[str, Any]) -> str:
    system = str(body["messages"][0]["content"])
    if "multiple-choice" in system:
        return knowledge_answer(body)
    return qa_answer(body) if "study questions" in system else summary_answer(body)


def llm_config(url: str, **overrides: Any) -> dict[str, Any]:
    config = {"backend": "openai", "model": "test-model", "base_url": url, "api_key_env": None, "timeout_s": 2.0,
              "max_attempts": 3, "retry_base_s": 0.01, "retry_max_s": 5.0, "concurrency": 4}  # fmt: skip
    config.update(overrides)
    return config


def write_songs(path: Path, count: int) -> Path:
    """`count` distinct music songs in the songs schema."""
    with path.open("w") as f:
        for i in range(count):
            row = {"id": f"youtube:s{i:05d}", "video_id": f"s{i:05d}", "title": f"Artist {i} - Song number {i}",
                   "artists": [f"Artist {i}"], "track": f"Song number {i}", "channel": f"Artist {i} - Topic",
                   "categories": ["Music"], "tags": ["pop", "ballad"], "is_music": True,
                   "raw_hash": f"h{i}"}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    return path


def write_pipeline(folder: Path, llm: dict[str, Any], songs: Path = FIXTURE, qa: dict[str, Any] | None = None,
                   summarize: dict[str, Any] | None = None, shard_bytes: int | None = None,
                   knowledge: dict[str, Any] | None = None) -> Path:  # fmt: skip
    read: dict[str, Any] = {"format": "jsonl", "schema_name": "songs"}
    if shard_bytes:
        read["shard_bytes"] = shard_bytes
    steps: list[dict[str, Any]] = [
        {"name": "songs", "stage": "read", "input": "dump", "config": read},
        {"name": "summaries", "stage": "summarize", "input": "songs", "config": {"llm": llm, **(summarize or {})}},
    ]
    if qa is not None:
        steps.append({"name": "qa", "stage": "qa", "input": "summaries", "config": {"llm": llm, **qa}})
    if knowledge is not None:
        steps.append({"name": "knowledge", "stage": "knowledge_items", "input": "qa",
                      "config": {"llm": llm, **knowledge}})  # fmt: skip
    doc = {"dataset": "llm", "version": "1", "inputs": {"dump": {"path": str(songs)}}, "steps": steps}
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def run_local(pipeline: Path, root: Path) -> RunResult:
    """The pipeline on one local worker, its manifest copy kept under the store's folder (never the repo)."""
    executor = make_executor("local", workers=1)
    try:
        return run_pipeline(load_pipeline(pipeline), root, executor, manifests_dir=root / "manifests")
    finally:
        executor.close()


def read_table(version: Path, name: str) -> pl.DataFrame:
    """Every shard of table `name` in a version folder (an empty frame when it has none)."""
    files = sorted((version / name).glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()
