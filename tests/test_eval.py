"""`curate eval` against a loopback OpenAI-compatible server with scripted answers."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from support.openai_server import OpenAIServer, Status  # noqa: E402

from curate.cli import main  # noqa: E402
from curate.store import calls_cache_dir  # noqa: E402
from curate.theory.evaluate import wilson  # noqa: E402
from curate.theory.format import read_items, write_items  # noqa: E402

SECRET = "sk-test-secret-value-123"


def make_items(n: int) -> list[dict[str, Any]]:
    items = []
    for i in range(n):
        answer = "ABCD"[i % 4]
        options = {k: f"option {k} of {i}" for k in "ABCD"}
        items.append({"id": f"q{i:02d}", "instruction": "Choose.", "stem": f"Question number {i}?", "options": options,
                      "subject": "reasoning" if i % 2 else "knowledge", "answer": answer,
                      "split": "dev" if i < 2 else "test", "abc_score": "", "analysis": ""})  # fmt: skip
    return items


def scripted(items: list[dict[str, Any]], right: set[str]) -> Any:
    """Answers the item named in the prompt's last question: correctly for ids in `right`, wrong otherwise."""
    by_number = {int(i["id"][1:]): i for i in items}
    replies = ["The answer is ({}).", "{}", "I'd go with {} because it fits.", "Answer: {}"]

    def answer(body: dict[str, Any]) -> str:
        text = body["messages"][-1]["content"]
        number = int(re.findall(r"Question number (\d+)\?", text)[-1])
        item = by_number[number]
        letter = item["answer"] if item["id"] in right else "ABCD"[("ABCD".index(item["answer"]) + 1) % 4]
        return replies[number % 4].format(letter)

    return answer


def run_eval(tmp_path: Path, server: OpenAIServer, items_file: Path, *extra: str) -> Any:
    return CliRunner().invoke(main, ["eval", str(items_file), "--base-url", server.url, "--model", "scripted",
                                     "--root", str(tmp_path / "store"), "--api-key-env", "THEORY_TEST_KEY", *extra],
                              env={"THEORY_TEST_KEY": SECRET})  # fmt: skip


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_eval_gives_exact_accuracy_and_caches(tmp_path: Path, suffix: str) -> None:
    items = make_items(12)
    right = {f"q{i:02d}" for i in (0, 1, 2, 3, 5, 8, 9)}  # 7 of 12
    items_file = tmp_path / f"items{suffix}"
    write_items(items, items_file)
    with OpenAIServer(answer=scripted(items, right)) as server:
        result = run_eval(tmp_path, server, items_file, "--shots", "0", "--shots", "2")
        assert result.exit_code == 0, result.output
        assert server.count == 24
        auth = server.bodies  # the key travels in the header, never in the output
        assert SECRET not in result.output and auth
        summary = pl.read_parquet(tmp_path / "store" / "_eval" / "scripted" / "summary.parquet")
        overall = summary.filter((pl.col("subject") == "all") & (pl.col("shots") == 0)).row(0, named=True)
        assert (overall["n"], overall["correct"]) == (12, 7)
        assert overall["accuracy"] == pytest.approx(7 / 12)
        assert (overall["ci_low"], overall["ci_high"]) == pytest.approx(wilson(7, 12))
        assert overall["chance"] == 0.25 and overall["unparsed"] == 0
        zero = summary.filter(pl.col("shots") == 0)
        reasoning = zero.filter((pl.col("subject") == "reasoning") & (pl.col("split") == "all"))
        assert reasoning.row(0, named=True)["correct"] == sum(1 for i in right if int(i[1:]) % 2)
        responses = pl.read_parquet(tmp_path / "store" / "_eval" / "scripted" / "responses.parquet")
        few = responses.filter(pl.col("shots") == 2)
        assert few["correct"].sum() == 7
        # Few-shot prompts carry the dev items with their answers, never the item itself.
        answers_shown = sorted(b["messages"][-1]["content"].count("Answer:") for b in server.bodies)
        # 12 zero-shot prompts, 10 test items with both dev items, 2 dev items with the other one only.
        assert answers_shown == [1] * 12 + [2] * 2 + [3] * 10
        # A rerun is served from the cache: no request reaches the server.
        again = run_eval(tmp_path, server, items_file, "--shots", "0", "--shots", "2")
        assert again.exit_code == 0, again.output
        assert server.count == 24 and "24 from cache" in again.output
        # The cache is the root's cache folder, outside the store.
        assert (calls_cache_dir(tmp_path / "store") / "eval.sqlite").is_file()
        assert not (tmp_path / "store" / "_cache").exists()


def test_failed_calls_are_counted_apart_and_not_cached(tmp_path: Path) -> None:
    items = make_items(4)
    items_file = tmp_path / "items.jsonl"
    write_items(items, items_file)
    with OpenAIServer(answer=scripted(items, {i["id"] for i in items})) as server:
        server.script("Question number 3?", *[Status(500)] * 10)
        result = run_eval(tmp_path, server, items_file, "--shots", "0")
        assert result.exit_code == 0, result.output
        summary = pl.read_parquet(tmp_path / "store" / "_eval" / "scripted" / "summary.parquet")
        overall = summary.filter(pl.col("subject") == "all").row(0, named=True)
        assert (overall["n"], overall["correct"], overall["failed"]) == (3, 3, 1)
        server.reset()
        again = run_eval(tmp_path, server, items_file, "--shots", "0")
        assert server.count == 1 and "3 from cache" in again.output  # only the failed one is asked again


def test_wrong_model_stops_with_one_sentence(tmp_path: Path) -> None:
    items_file = tmp_path / "items.jsonl"
    write_items(make_items(2), items_file)
    with OpenAIServer() as server:
        server.script("Question", Status(404), Status(404))
        result = run_eval(tmp_path, server, items_file, "--shots", "0")
    assert result.exit_code == 2 and "HTTP 404" in result.output


def test_missing_key_variable_is_named_not_printed(tmp_path: Path) -> None:
    items_file = tmp_path / "items.jsonl"
    write_items(make_items(2), items_file)
    result = CliRunner().invoke(main, ["eval", str(items_file), "--base-url", "http://127.0.0.1:9/v1", "--model", "m",
                                       "--api-key-env", "NOT_SET_THEORY_KEY"], env={})  # fmt: skip
    assert result.exit_code == 2 and "NOT_SET_THEORY_KEY" in result.output


def test_format_round_trip_keeps_exactly_the_bench_fields(tmp_path: Path) -> None:
    items = [i | {"kind": "x", "parent_id": "score:1"} for i in make_items(3)]
    for suffix in (".jsonl", ".parquet"):
        path = tmp_path / f"bench{suffix}"
        write_items(items, path)
        back = read_items(path)
        assert [sorted(b) for b in back] == [sorted(["id", "instruction", "stem", "options", "subject", "answer",
                                                      "split", "abc_score", "analysis"])] * 3  # fmt: skip
        assert [b["options"] for b in back] == [i["options"] for i in items]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(items[0] | {"answer": "E"}) + "\n")
    result = CliRunner().invoke(main, ["eval", str(bad), "--base-url", "http://127.0.0.1:9/v1", "--model", "m"])
    assert result.exit_code == 2 and "not one of A-D" in result.output
