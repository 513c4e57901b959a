"""LLM stages against a real OpenAI-compatible server on 127.0.0.1 (the real `openai` client over HTTP)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from support.llm_pipelines import FIXTURE, answer, last_user, llm_config, write_pipeline, write_songs
from support.openai_server import Delay, OpenAIServer, Raw, Reply, Status

from curate.errors import CurateError
from curate.executors import make_executor
from curate.pipeline import load_pipeline
from curate.runner import RunResult, run_pipeline

MUSIC_SONGS = 7  # rows of the fixture with any metadata (one has none, one is not music)


@pytest.fixture
def server(openai_server: OpenAIServer) -> OpenAIServer:
    openai_server.answer = answer
    return openai_server


def run(pipeline: Path, root: Path, fresh: bool = False, workers: int = 1) -> RunResult:
    executor = make_executor("local", workers=workers)
    try:
        return run_pipeline(load_pipeline(pipeline), root, executor, fresh=fresh, manifests_dir=root / "manifests")
    finally:
        executor.close()


def table(root: Path, name: str) -> pl.DataFrame:
    files = sorted((root / "llm" / "1" / name).glob("*.parquet"))
    return pl.concat([pl.read_parquet(f) for f in files]) if files else pl.DataFrame()


def rejects(root: Path, step: str = "summaries") -> dict[str, str]:
    frame = table(root, "rejects")
    if frame.is_empty():
        return {}
    return {r["row_id"]: r["reason"] for r in frame.filter(pl.col("step") == step).to_dicts()}


def step_counters(result: RunResult, step: str) -> dict[str, Any]:
    return next(s for s in result.manifest["steps"] if s["name"] == step)["counters"]


def test_success_rows_carry_provenance_and_tokens(tmp_path: Path, server: OpenAIServer) -> None:
    result = run(write_pipeline(tmp_path, llm_config(server.url)), tmp_path / "store")
    rows = table(tmp_path / "store", "summaries")
    assert server.count == MUSIC_SONGS  # the song without any metadata costs no request
    assert rejects(tmp_path / "store") == {"youtube:vid00007": "no_metadata"}
    assert rows.height == MUSIC_SONGS
    row = rows.filter(pl.col("parent_id") == "youtube:fJ9rUzIMcZQ").to_dicts()[0]
    assert row["summary"].startswith('"Bohemian Rhapsody" is a recording')
    assert (row["backend"], row["model"], row["prompt_id"]) == ("openai", "test-model", "summarize-v1")
    assert len(row["prompt_hash"]) == 64 and row["response_id"].startswith("chatcmpl-")
    assert row["prompt_tokens"] > 0 and row["completion_tokens"] > 0
    assert json.loads(row["params"]) == {"max_tokens": 512, "response_format": "json_schema", "temperature": 0.0}
    assert "description" in row["fields_sent"] and "lyrics" not in row["fields_sent"]
    counters = step_counters(result, "summaries")
    assert counters["requests_sent"] == MUSIC_SONGS
    assert counters["prompt_tokens"] == rows["prompt_tokens"].sum()

    body = next(b for b in server.bodies if "Bohemian" in b["messages"][-1]["content"])
    schema = body["response_format"]["json_schema"]
    assert body["response_format"]["type"] == "json_schema" and schema["strict"] is True
    assert schema["schema"]["additionalProperties"] is False
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]  # two few-shot examples
    sent = json.loads(body["messages"][-1]["content"].split("Metadata:", 1)[1])
    assert "" not in sent.values() and "label" not in sent  # empty fields are dropped


def test_429_honours_retry_after(tmp_path: Path, server: OpenAIServer) -> None:
    server.script("Despacito", Status(429, retry_after=0.6))
    result = run(write_pipeline(tmp_path, llm_config(server.url)), tmp_path / "store")
    times = [t for b, t in zip(server.bodies, server.received_at, strict=True) if "Despacito" in str(b["messages"][-1])]
    assert len(times) == 2 and times[1] - times[0] >= 0.6
    assert "youtube:kJQP7kiw5Fk" in table(tmp_path / "store", "summaries")["parent_id"].to_list()
    assert step_counters(result, "summaries")["retries_rate_limited"] == 1


def test_500_is_retried_then_rejected_when_it_persists(tmp_path: Path, server: OpenAIServer) -> None:
    server.script("Despacito", Status(500), Status(503))
    server.script("So What", Status(500), Status(500), Status(500))
    result = run(write_pipeline(tmp_path, llm_config(server.url)), tmp_path / "store")
    kept = table(tmp_path / "store", "summaries")["parent_id"].to_list()
    assert "youtube:kJQP7kiw5Fk" in kept  # third try succeeded
    assert rejects(tmp_path / "store")["youtube:vid00006"] == "server_error"  # three tries, all 500
    assert len(kept) == MUSIC_SONGS - 1  # the run went on
    assert step_counters(result, "summaries")["retries_server_error"] == 4


def test_faulty_200_bodies_are_retried_then_rejected(tmp_path: Path, server: OpenAIServer) -> None:
    no_message = '{"id": "x", "object": "chat.completion", "created": 0, "model": "m", "choices": ' \
                 '[{"index": 0, "finish_reason": "stop", "message": null}]}'  # fmt: skip
    server.script("Despacito", Raw("<html>gateway says hi</html>", "text/html"), Raw('{"id": "x", "choi'))
    server.script("So What", Raw(no_message), Raw(no_message), Raw(no_message))
    result = run(write_pipeline(tmp_path, llm_config(server.url)), tmp_path / "store")
    kept = table(tmp_path / "store", "summaries")["parent_id"].to_list()
    assert "youtube:kJQP7kiw5Fk" in kept  # HTML, then cut JSON, then a good answer
    assert rejects(tmp_path / "store")["youtube:vid00006"] == "bad_response"
    assert len(kept) == MUSIC_SONGS - 1  # the run went on
    assert step_counters(result, "summaries")["retries_bad_response"] == 4


def test_slow_response_times_out_and_is_retried(tmp_path: Path, server: OpenAIServer) -> None:
    server.script("Despacito", Delay(2.0))
    server.script("So What", Delay(2.0), Delay(2.0), Delay(2.0))
    result = run(write_pipeline(tmp_path, llm_config(server.url, timeout_s=0.5)), tmp_path / "store")
    assert "youtube:kJQP7kiw5Fk" in table(tmp_path / "store", "summaries")["parent_id"].to_list()
    assert rejects(tmp_path / "store")["youtube:vid00006"] == "timeout"
    assert step_counters(result, "summaries")["retries_timeout"] == 3


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply('{"summary": "A song", '), "invalid_json"),
        (Reply('{"insufficient_information": "maybe", "summary": 5}'), "schema_violation"),
        (Reply('{"summary": "cut', finish_reason="length"), "finish_length"),
        (Reply("", finish_reason="content_filter"), "content_filter"),
        (Reply('{"insufficient_information": true, "summary": null, "language": null}'), "insufficient_information"),
        (Reply('{"summary": "«Despacito» es una canción de reguetón y pop latino de Luis Fonsi con Daddy Yankee, '
               'publicada en 2017 y cantada en español.", "language": "es"}'), "wrong_language"),
    ],
)  # fmt: skip
def test_bad_answers_are_rejected_with_their_reason(tmp_path: Path, server: OpenAIServer, reply: Reply,
                                                     reason: str) -> None:  # fmt: skip
    server.script("Despacito", reply)
    run(write_pipeline(tmp_path, llm_config(server.url, retry_invalid=False)), tmp_path / "store")
    assert rejects(tmp_path / "store")["youtube:kJQP7kiw5Fk"] == reason
    assert table(tmp_path / "store", "summaries").height == MUSIC_SONGS - 1
    assert server.count == MUSIC_SONGS  # no retry when retry_invalid is off


def test_invalid_structured_output_is_retried(tmp_path: Path, server: OpenAIServer) -> None:
    server.script("Despacito", Reply("{not json"), Reply('{"summary": 7}'))
    result = run(write_pipeline(tmp_path, llm_config(server.url)), tmp_path / "store")
    assert "youtube:kJQP7kiw5Fk" in table(tmp_path / "store", "summaries")["parent_id"].to_list()
    counters = step_counters(result, "summaries")
    assert counters["retries_invalid_json"] == 1 and counters["retries_schema_violation"] == 1


def test_rerun_sends_zero_requests_and_a_fresh_run_is_served_from_cache(tmp_path: Path, server: OpenAIServer) -> None:
    pipeline = write_pipeline(tmp_path, llm_config(server.url), qa={})
    first = run(pipeline, tmp_path / "store")
    before = table(tmp_path / "store", "qa").sort("id")
    sent = server.count
    assert sent == MUSIC_SONGS * 2  # a summary and a QA call per song
    assert run(pipeline, tmp_path / "store").tasks_run == 0
    assert server.count == sent
    again = run(pipeline, tmp_path / "store", fresh=True)  # outputs deleted; the response cache is kept
    assert server.count == sent
    assert step_counters(again, "summaries")["cache_hits"] == MUSIC_SONGS
    assert table(tmp_path / "store", "qa").sort("id").equals(before)
    assert step_counters(first, "qa")["requests_sent"] == MUSIC_SONGS


def test_cache_key_covers_template_text_and_parameters(tmp_path: Path, server: OpenAIServer) -> None:
    run(write_pipeline(tmp_path, llm_config(server.url)), tmp_path / "store")
    assert server.count == MUSIC_SONGS
    prompt = tmp_path / "prompts" / "summarize.yaml"
    prompt.parent.mkdir()
    shutil.copy(Path(__file__).parents[1] / "pipelines" / "prompts" / "summarize.yaml", prompt)
    prompt.write_text(prompt.read_text().replace("Two to five sentences.", "Two to four sentences."))
    run(write_pipeline(tmp_path, llm_config(server.url)), tmp_path / "store")  # same variables, new template
    assert server.count == 2 * MUSIC_SONGS
    llm = llm_config(server.url, params={"temperature": 0.7, "max_tokens": 512})
    run(write_pipeline(tmp_path, llm), tmp_path / "store")
    assert server.count == 3 * MUSIC_SONGS


def test_qa_pairs_are_validated_and_deduplicated(tmp_path: Path, server: OpenAIServer) -> None:
    def qa_script(body: dict[str, Any]) -> bool:
        return "study questions" in body["messages"][0]["content"] and "Despacito" in body["messages"][-1]["content"]

    topics = ["a", "b", "c", "d", "e"]

    def pairs(body: dict[str, Any]) -> str:
        asked = json.loads(body["messages"][-1]["content"].split("):\n", 1)[1])
        names = [t["name"] for t in asked]
        summary = body["messages"][-1]["content"].split("Summary:\n", 1)[1].split("\n\nAreas", 1)[0]
        good = "It concerns the melody and the rhythm section, which carry the arrangement."
        return json.dumps({"pairs": [
            {"topic": names[0], "question": "How is the melody shaped in this recording?", "answer": good},
            {"topic": names[1], "question": "How is the melody shaped in this recording ?", "answer": good},
            {"topic": names[2], "question": "Describe the melody", "answer": good},
            {"topic": names[3], "question": "What does the summary say about it?", "answer": summary},
            {"topic": "astrology", "question": "Which star sign fits this recording?", "answer": good},
            {"topic": names[4], "question": "What is the tempo of this recording?", "answer": ""},
        ]})  # fmt: skip

    original = server.answer
    server.answer = lambda body: pairs(body) if qa_script(body) else original(body)
    run(write_pipeline(tmp_path, llm_config(server.url), qa={"pairs_per_summary": len(topics)}), tmp_path / "store")
    qa = table(tmp_path / "store", "qa")
    summaries = table(tmp_path / "store", "summaries")
    despacito = summaries.filter(pl.col("parent_id") == "youtube:kJQP7kiw5Fk")["id"][0]
    mine = qa.filter(pl.col("parent_id") == despacito)
    assert mine["question"].to_list() == ["How is the melody shaped in this recording?"]
    assert mine["song_id"].to_list() == ["youtube:kJQP7kiw5Fk"]
    frame = table(tmp_path / "store", "rejects").filter(pl.col("step") == "qa")
    reasons = sorted(frame["reason"].to_list())
    assert reasons == ["bad_answer", "bad_answer", "duplicate_question", "malformed_question", "unknown_topic"]
    duplicate = frame.filter(pl.col("reason") == "duplicate_question").to_dicts()[0]
    assert duplicate["related_id"] == mine["id"][0]
    others = qa.filter(pl.col("parent_id") != despacito)
    assert others.height == (MUSIC_SONGS - 1) * len(topics) and others["topic"].n_unique() > len(topics)


def test_nested_schema_is_strict_and_server_without_json_schema_works(tmp_path: Path, server: OpenAIServer) -> None:
    from curate.llm.schema import strict_schema
    from curate.stages.qa import QAAnswer

    schema = strict_schema(QAAnswer)
    pair = schema["$defs"]["QAPair"]
    assert pair["additionalProperties"] is False and pair["required"] == ["topic", "question", "answer"]
    assert schema["properties"]["pairs"]["items"] == {"$ref": "#/$defs/QAPair"}

    server.json_schema = False  # an older llama.cpp/Ollama: 400 on json_schema
    llm = llm_config(server.url, structured_output="json_object")
    run(write_pipeline(tmp_path, llm, qa={}), tmp_path / "store")
    assert table(tmp_path / "store", "qa").height == MUSIC_SONGS * 3
    assert {b["response_format"]["type"] for b in server.bodies} == {"json_object"}


def test_server_refusing_json_schema_falls_back_to_json_object(tmp_path: Path, server: OpenAIServer) -> None:
    server.json_schema = False  # the default config asks for json_schema; this server answers 400 to it
    result = run(write_pipeline(tmp_path, llm_config(server.url, concurrency=1)), tmp_path / "store")
    assert table(tmp_path / "store", "summaries").height == MUSIC_SONGS  # every row still made
    assert step_counters(result, "summaries")["structured_output_fell_back_to_json_object"] == 1
    kinds = [b["response_format"]["type"] for b in server.bodies]
    assert kinds[:2] == ["json_schema", "json_object"] and set(kinds[2:]) == {"json_object"}


def test_budget_cap_stops_cleanly_and_rerun_pays_only_the_rest(tmp_path: Path, server: OpenAIServer) -> None:
    songs = write_songs(tmp_path / "songs.jsonl", 30)
    price = {"test-model": {"prompt_per_million": 1000.0, "completion_per_million": 1000.0}}
    llm = llm_config(server.url, prices=price, max_cost_usd=10.0, concurrency=2)
    with pytest.raises(CurateError, match=r"stopped \(summaries\[0\]\): LLM budget reached"):
        run(write_pipeline(tmp_path, llm, songs=songs), tmp_path / "store")
    paid = server.count
    assert 0 < paid < 30
    llm["max_cost_usd"] = 1000.0
    result = run(write_pipeline(tmp_path, llm, songs=songs), tmp_path / "store")
    assert server.count == 30  # the first run's responses came from the cache
    counters = step_counters(result, "summaries")
    assert counters["cache_hits"] == paid and counters["cost_usd"] > 0


def test_missing_api_key_is_one_clear_error(tmp_path: Path, server: OpenAIServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.delenv("CURATE_TEST_KEY", raising=False)
    with pytest.raises(CurateError, match="CURATE_TEST_KEY") as caught:
        run(write_pipeline(tmp_path, llm_config(server.url, api_key_env="CURATE_TEST_KEY")), tmp_path / "store")
    assert server.count == 0
    assert "steps[1].config.llm" in str(caught.value)  # found when the pipeline loads...
    assert not (tmp_path / "store").exists()  # ...before the read step ran


def test_wrong_base_url_fails_fast_with_one_sentence(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/v1"
    started = time.perf_counter()
    with pytest.raises(CurateError) as caught:
        run(write_pipeline(tmp_path, llm_config(url, max_attempts=4, retry_base_s=1.0)), tmp_path / "store")
    assert time.perf_counter() - started < 10
    message = str(caught.value)
    assert url in message and "connection was refused" in message and "llm.base_url" in message
    assert "Error" not in message and "rerun" not in message  # no class names, no rerun that cannot help


def test_server_going_away_mid_run_stops_with_the_url(tmp_path: Path) -> None:
    songs = write_songs(tmp_path / "songs.jsonl", 40)
    server = OpenAIServer(answer=answer, latency=0.1).start()

    def stop_after_a_few() -> None:
        while server.completed < 5:
            time.sleep(0.01)
        server.stop()

    stopper = threading.Thread(target=stop_after_a_few)
    stopper.start()
    with pytest.raises(CurateError, match="cannot reach the LLM server at " + re.escape(server.url)):
        llm = llm_config(server.url, concurrency=2, retry_base_s=0.2)
        run(write_pipeline(tmp_path, llm, songs=songs), tmp_path / "store")
    stopper.join()
    assert 0 < server.completed < 40


def test_template_backend_is_offline_and_marked(tmp_path: Path) -> None:
    result = run(write_pipeline(tmp_path, {"backend": "template"}, qa={}), tmp_path / "store")
    rows = table(tmp_path / "store", "summaries")
    assert set(rows["backend"]) == {"template"} and set(rows["model"]) == {"template:summarize-v1"}
    assert rejects(tmp_path / "store") == {"youtube:vid00005": "insufficient_information",
                                           "youtube:vid00007": "no_metadata"}  # fmt: skip
    assert table(tmp_path / "store", "qa").height == rows.height * 3
    assert step_counters(result, "summaries").get("requests_sent", 0) == 0
    assert FIXTURE.is_file()


def test_dry_run_estimates_without_sending(tmp_path: Path, server: OpenAIServer) -> None:
    from click.testing import CliRunner

    from curate.cli import main

    pipeline = write_pipeline(tmp_path, llm_config(server.url), qa={})
    args = ["run", str(pipeline), "--root", str(tmp_path / "store"), "--workers", "1", "--dry-run", "--log-json",
            "--manifests", str(tmp_path / "manifests")]  # fmt: skip

    def estimates() -> dict[str, dict[str, Any]]:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
        return {e["step"]: e for e in events if e["event"] == "estimate"}

    first = estimates()
    assert server.count == 0
    assert first["summaries"]["requests"] == MUSIC_SONGS and first["summaries"]["rejected_before_sending"] == 1
    assert first["summaries"]["prompt_tokens_est"] > 100 * MUSIC_SONGS
    assert first["summaries"]["completion_tokens_max"] == 512 * MUSIC_SONGS
    assert first["qa"]["skipped"]  # needs summaries, which a dry run does not make
    assert not (tmp_path / "store" / "llm" / "1" / "manifest.json").exists()
    run(pipeline, tmp_path / "store")
    sent = server.count
    again = estimates()
    assert server.count == sent
    assert again["summaries"]["requests"] == 0 and again["summaries"]["cached"] == MUSIC_SONGS
    assert again["qa"]["requests"] == 0


def test_concurrency_is_the_steps_total_shared_by_tasks_that_send(
    tmp_path: Path, server: OpenAIServer, capfd: pytest.CaptureFixture[str]
) -> None:
    """8 in flight for the step: all 8 for its one shard, though the executor has 2 workers."""
    server.latency = 0.5
    songs = write_songs(tmp_path / "songs.jsonl", 32)
    run(write_pipeline(tmp_path, llm_config(server.url, concurrency=8), songs=songs), tmp_path / "store", workers=2)
    assert server.peak_in_flight == 8
    said = "summaries: up to 8 requests in flight (llm.concurrency 8 shared by 1 sending task)"
    assert said in capfd.readouterr().err
    server.reset()
    (tmp_path / "two").mkdir()
    pipeline = write_pipeline(tmp_path / "two", llm_config(server.url, concurrency=8), songs=songs,
                              shard_bytes=songs.stat().st_size // 2 + 1)  # fmt: skip
    run(pipeline, tmp_path / "two" / "store", workers=2)  # two shards: 4 each while both send, never over 8
    assert server.peak_in_flight <= 8
    said = "summaries: up to 4 requests in flight (llm.concurrency 8 shared by 2 sending tasks)"
    assert capfd.readouterr().err.count(said) >= 2


def test_retry_rejects_resends_exactly_the_transient_rejects(tmp_path: Path, server: OpenAIServer) -> None:
    from click.testing import CliRunner

    from curate.cli import main

    server.script("Despacito", *[Status(503)] * 3)  # server_error after its 3 tries
    server.script("So What", *[Status(429, retry_after=0.01)] * 3)  # rate_limited after its 3 tries
    server.script("Bohemian", Reply('{"summary": 5}'))  # schema_violation: not transient, no retry
    pipeline = write_pipeline(tmp_path, llm_config(server.url, retry_invalid=False), qa={})
    root = tmp_path / "store"
    run(pipeline, root)
    assert rejects(root) == {"youtube:kJQP7kiw5Fk": "server_error", "youtube:vid00006": "rate_limited",
                             "youtube:fJ9rUzIMcZQ": "schema_violation", "youtube:vid00007": "no_metadata"}  # fmt: skip
    assert table(root, "summaries").height == MUSIC_SONGS - 3

    server.reset()  # healthy now
    assert run(pipeline, root).tasks_run == 0 and server.count == 0  # a plain rerun sends nothing
    args = ["run", str(pipeline), "--root", str(root), "--workers", "1", "--manifests", str(tmp_path / "m")]
    result = CliRunner().invoke(main, [*args, "--retry-rejects"])
    assert result.exit_code == 0, result.output
    summaries = [b for b in server.bodies if "musicologist" in b["messages"][0]["content"]]
    assert len(summaries) == 2  # exactly the two transient rejects
    assert {"Despacito" in last_user(b) for b in summaries} == {True, False}
    assert all("Despacito" in last_user(b) or "So What" in last_user(b) for b in summaries)
    assert rejects(root) == {"youtube:fJ9rUzIMcZQ": "schema_violation", "youtube:vid00007": "no_metadata"}
    assert table(root, "summaries").height == MUSIC_SONGS - 1
    assert {"summary:" in i for i in table(root, "qa")["parent_id"]} == {True}
    manifest = json.loads((root / "llm" / "1" / "manifest.json").read_text())
    step = next(s for s in manifest["steps"] if s["name"] == "summaries")
    assert step["rejected"] == {"no_metadata": 1, "schema_violation": 1} and step["rows_out"] == MUSIC_SONGS - 1
    assert step["counters"]["retried_rejects"] == 2 and step["counters"]["cache_hits"] == MUSIC_SONGS - 3

    server.reset()
    result = CliRunner().invoke(main, [*args, "--retry-rejects", "schema_violation"])
    assert result.exit_code == 0, result.output
    summaries = [b for b in server.bodies if "musicologist" in b["messages"][0]["content"]]
    assert len(summaries) == 1 and "Bohemian" in last_user(summaries[0])
    assert rejects(root) == {"youtube:vid00007": "no_metadata"}
