"""Every LLM schema against a server that enforces it as strictly as OpenAI's strict mode and vLLM's
guided decoding: the schema is accepted, the server can only answer instances of it, and closed sets
(areas asked, languages, option letters) leave it no room for an answer the stage would reject."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner
from support.llm_pipelines import answer, llm_config, read_table, run_local, summary_answer, write_pipeline
from support.openai_server import OpenAIServer, strict_problem

from curate.cli import main
from curate.llm.schema import response_format
from curate.stages.knowledge_items import KnowledgeAnswer
from curate.stages.qa import QAAnswer
from curate.stages.score_chat import ChatAnswer
from curate.stages.summarize import BilingualSummaryAnswer, SummaryAnswer
from curate.theory.evaluate import EvalAnswer
from curate.theory.format import write_items

PARSE_FAILURES = {"invalid_json", "schema_violation", "unknown_topic", "wrong_option_count", "not_one_correct"}


def table(root: Path, name: str) -> pl.DataFrame:
    return read_table(root / "llm" / "1", name)


def sent_schemas(server: OpenAIServer, marker: str) -> list[dict[str, Any]]:
    return [b["response_format"]["json_schema"] for b in server.bodies if marker in b["messages"][0]["content"]]


@pytest.mark.parametrize(
    "model", [SummaryAnswer, BilingualSummaryAnswer, QAAnswer, KnowledgeAnswer, EvalAnswer, ChatAnswer]
)
def test_every_answer_schema_meets_strict_mode(model: type) -> None:
    fmt = response_format(model, "json_schema", {"topic": ["harmony"]} if model is QAAnswer else None)
    assert fmt is not None and strict_problem(fmt["json_schema"]) is None


def test_strict_server_refuses_what_strict_mode_refuses() -> None:
    ok = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False}
    assert strict_problem({"name": "x", "strict": True, "schema": ok}) is None
    bad = [
        ({**ok, "additionalProperties": True}, "additionalProperties"),
        ({**ok, "required": []}, "required"),
        ({**ok, "properties": {"a": {"type": "string", "default": "x"}}}, "unsupported"),
        ({**ok, "properties": {"a": {"type": "string", "minLength": 2}}}, "unsupported"),
        ({**ok, "properties": {"a": {"$ref": "#/$defs/A", "description": "d"}}}, "sibling"),
        ({"anyOf": [ok, {"type": "null"}]}, "root"),
    ]
    for schema, words in bad:
        problem = strict_problem({"name": "x", "strict": True, "schema": schema})
        assert problem is not None and words in problem, (schema, problem)


def test_every_stage_against_the_strict_server(tmp_path: Path) -> None:
    def wayward(body: dict[str, Any]) -> str:
        """A model left to itself: an area nobody asked for, a second summary nobody asked for."""
        text = answer(body)
        doc = json.loads(text)
        if "pairs" in doc:
            doc["pairs"][0]["topic"] = "astrology"
        if "summary" in doc:
            doc["second_summary"] = "Una canción con una melodía clara."
        return json.dumps(doc)

    with OpenAIServer(answer=wayward, strict=True) as server:
        llm = llm_config(server.url)
        run_local(write_pipeline(tmp_path, llm, qa={}, knowledge={}), tmp_path / "store")
        assert server.refused == []
        root = tmp_path / "store"
        rejects = table(root, "rejects")
        assert not set(rejects["reason"]) & PARSE_FAILURES, rejects["reason"].value_counts()
        summaries, qa, items = table(root, "summaries"), table(root, "qa"), table(root, "knowledge")
        assert summaries.height == 7 and qa.height > 0 and items.height > 0
        assert summaries["second_summary"].null_count() == summaries.height  # never asked, never kept

        # Every pair's topic, kept or rejected, is an area its request asked for.
        asked: dict[str, set[str]] = {}
        for body in server.bodies:
            if "study questions" in body["messages"][0]["content"]:
                schema = body["response_format"]["json_schema"]["schema"]
                areas = set(schema["$defs"]["QAPair"]["properties"]["topic"]["enum"])
                text = body["messages"][-1]["content"]
                asked[next(r["id"] for r in summaries.to_dicts() if r["summary"] in text)] = areas
        pair_rejects = [json.loads(r["row"]) for r in rejects.filter(pl.col("step") == "qa").to_dicts()]
        pairs = qa.to_dicts() + [r for r in pair_rejects if "topic" in r]
        assert pairs and all(p["topic"] in asked[p["parent_id"]] for p in pairs)

        # Closed sets in what was sent: the summary language, the option letters.
        (summary_schema,) = {json.dumps(s, sort_keys=True) for s in sent_schemas(server, "musicologist")}
        language = json.loads(summary_schema)["schema"]["properties"]["language"]
        assert language == {"anyOf": [{"type": "string", "enum": ["en"]}, {"type": "null"}]}
        assert "second_summary" not in json.loads(summary_schema)["schema"]["properties"]
        knowledge = sent_schemas(server, "multiple-choice")[0]["schema"]
        assert knowledge["properties"]["answer"]["enum"] == ["A", "B", "C", "D"]

        # The eval's schema, through `curate eval`.
        items_file = tmp_path / "bench.jsonl"
        write_items(items.head(3).drop([c for c in items.columns if c not in (
            "id", "instruction", "stem", "options", "subject", "answer", "split", "abc_score", "analysis")]
        ).to_dicts(), items_file)  # fmt: skip
        server.reset()
        result = CliRunner().invoke(main, ["eval", str(items_file), "--base-url", server.url, "--model", "m",
                                           "--root", str(tmp_path / "store"), "--shots", "0"])  # fmt: skip
        assert result.exit_code == 0, result.output
        assert server.refused == [] and server.count == 3
        responses = pl.read_parquet(tmp_path / "store" / "_eval" / "m" / "responses.parquet")
        assert responses["chosen"].to_list() == ["A", "A", "A"]  # forced into the enum: never unparsed


def test_second_summary_only_when_asked(tmp_path: Path) -> None:
    def bilingual(body: dict[str, Any]) -> str:
        doc = json.loads(summary_answer(body))
        return json.dumps({**doc, "second_summary": "Una canción con una melodía clara y un ritmo constante que "
                           "crece hasta un estribillo final.", "second_language": "es"})  # fmt: skip

    with OpenAIServer(answer=bilingual) as server:  # not strict: it sends the extra keys anyway
        (tmp_path / "mono").mkdir()
        run_local(write_pipeline(tmp_path / "mono", llm_config(server.url)), tmp_path / "mono" / "store")
        mono = pl.read_parquet(tmp_path / "mono" / "store" / "llm" / "1" / "summaries" / "*.parquet")
        assert mono.height == 7 and mono["second_summary"].null_count() == 7
        assert mono["second_language"].null_count() == 7
        body = server.bodies[0]
        assert "second_summary" not in body["response_format"]["json_schema"]["schema"]["properties"]
        assert all("second_summary" not in m["content"] for m in body["messages"])  # nor in the examples

        (tmp_path / "bi").mkdir()
        pipeline = write_pipeline(tmp_path / "bi", llm_config(server.url), summarize={"second_language": "es"})
        run_local(pipeline, tmp_path / "bi" / "store")
        bi = pl.read_parquet(tmp_path / "bi" / "store" / "llm" / "1" / "summaries" / "*.parquet")
        assert bi.height == 7 and set(bi["second_language"]) == {"es"}
        schema = server.bodies[-1]["response_format"]["json_schema"]["schema"]
        assert schema["properties"]["second_language"] == {"anyOf": [{"type": "string", "enum": ["es"]},
                                                                      {"type": "null"}]}  # fmt: skip
