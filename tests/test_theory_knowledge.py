"""Knowledge items from QA pairs: the real `openai` client against the loopback server, and the
offline template backend. Each unfair item is rejected with its reason; a fair one is kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from support.llm_pipelines import read_table, run_local
from support.openai_server import OpenAIServer

from curate.theory.format import LETTERS
from curate.theory.options import OptionRules, option_problem

FIXTURE = Path(__file__).parent / "fixtures" / "theory" / "qa_pairs.jsonl"


def item(question: str, options: list[tuple[str, bool]], explanation: str = "Because the source says so.") -> str:
    """The model's answer: options under A-D in the order given, `answer` the first marked correct."""
    return json.dumps({"question": question, "options": dict(zip(LETTERS, [t for t, _ in options], strict=True)),
                       "answer": LETTERS[[c for _, c in options].index(True)],
                       "explanation": explanation})  # fmt: skip


# One reply per QA pair of the fixture, keyed by a phrase of its question.
REPLIES = {
    "plagal cadence": item("Which chord progression makes a plagal cadence?", [
        ("IV to I, the Amen cadence", True), ("V to I, the authentic cadence", False),
        ("I to V, a half cadence", False), ("V to vi, a deceptive cadence", False)]),
    "6/8": item("Tell how the beats of a 6/8 bar are grouped", [
        ("Two beats of three eighths", True), ("Three beats of two quavers", False),
        ("Three beats of two eighths", False), ("Six beats of one eighth", False)]),
    "Dorian": item("Which degree of the Dorian mode differs from natural minor?", [
        ("A raised sixth degree", True), ("a raised sixth degree.", False),
        ("A lowered second degree", False), ("A raised fourth degree", False)]),
    "relative minor": item("Which key is the relative minor of C major?", [
        ("A minor, which shares the key signature of C major with no sharps or flats", True),
        ("E minor", False), ("D minor", False), ("G minor", False)]),
    "perfect fifth": item("How many semitones does a perfect fifth span?", [
        ("Seven semitones, such as from C up to G", True),
        ("A perfect fifth spans seven semitones, for example", False),
        ("Five semitones, such as from C up to F", False), ("Nine semitones, such as from C up to A", False)]),
    "binary form": item("What is binary form?", [
        ("Binary form, two repeated parts", True), ("A theme with variations", False),
        ("Sections that return often", False), ("Three parts with a return", False)]),
}  # fmt: skip
EXPECTED = {"qa:fixture00": None, "qa:fixture01": "malformed_question", "qa:fixture02": "duplicate_options",
            "qa:fixture03": "answer_by_length", "qa:fixture04": "two_correct",
            "qa:fixture05": "answer_by_wording"}  # fmt: skip


def reply(body: dict[str, Any]) -> str:
    last = body["messages"][-1]["content"]
    return next(text for phrase, text in REPLIES.items() if phrase in last.split("Answer:")[0])


def write_pipeline(folder: Path, llm: dict[str, Any], pairs: Path = FIXTURE) -> Path:
    read = {"format": "jsonl", "schema_name": "qa_pairs"}
    doc = {"dataset": "kn", "version": "1", "inputs": {"pairs": {"path": str(pairs)}}, "steps": [
        {"name": "qa_pairs", "stage": "read", "input": "pairs", "config": read},
        {"name": "knowledge_items", "stage": "knowledge_items", "input": "qa_pairs", "config": {"llm": llm}},
    ]}  # fmt: skip
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def table(root: Path, name: str) -> pl.DataFrame:
    return read_table(root / "kn" / "1", name)


@pytest.fixture
def server(openai_server: OpenAIServer) -> OpenAIServer:
    openai_server.answer = reply
    return openai_server


def test_fair_item_kept_and_unfair_ones_rejected_with_reasons(tmp_path: Path, server: OpenAIServer) -> None:
    llm = {"backend": "openai", "model": "test-model", "base_url": server.url, "api_key_env": None,
           "max_attempts": 2, "retry_base_s": 0.01}  # fmt: skip
    pipeline, root = write_pipeline(tmp_path, llm), tmp_path / "store"
    run_local(pipeline, root)
    assert server.count == len(EXPECTED)
    items = table(root, "knowledge_items").to_dicts()
    assert [i["parent_id"] for i in items] == ["qa:fixture00"]
    kept = items[0]
    assert kept["options"][kept["answer"]] == "IV to I, the Amen cadence"
    assert sorted(kept["options"].values()) == sorted(
        ["IV to I, the Amen cadence", "V to I, the authentic cadence", "I to V, a half cadence",
         "V to vi, a deceptive cadence"])  # fmt: skip
    assert kept["subject"] == "knowledge" and kept["kind"] == "knowledge" and kept["abc_score"] == ""
    assert kept["backend"] == "openai" and kept["model"] == "test-model" and kept["prompt_id"] == "knowledge-v2"
    assert kept["response_id"].startswith("chatcmpl-") and kept["prompt_tokens"] > 0
    rejects = table(root, "rejects").filter(pl.col("step") == "knowledge_items")
    got = {r["related_id"]: r["reason"] for r in rejects.to_dicts()}
    assert got == {k: v for k, v in EXPECTED.items() if v}
    assert all(rejects["detail"].str.len_chars() > 0)
    run_local(pipeline, root)  # finished: nothing is asked again
    assert server.count == len(EXPECTED)


def test_shuffle_does_not_follow_the_models_order(tmp_path: Path) -> None:
    """The model lists its answer first; over many items the stage spreads it over A-D."""
    rows = [json.loads(line) for line in FIXTURE.read_text().splitlines()][:1]
    path = tmp_path / "pairs.jsonl"
    with path.open("w") as f:
        for i in range(40):
            f.write(
                json.dumps({**rows[0], "id": f"qa:many{i:03d}", "question": f"What is a plagal cadence ({i})?"}) + "\n"
            )
    with OpenAIServer(answer=lambda body: REPLIES["plagal cadence"]) as srv:
        llm = {"backend": "openai", "model": "m", "base_url": srv.url, "api_key_env": None}
        run_local(write_pipeline(tmp_path, llm, path), tmp_path / "store")
    items = table(tmp_path / "store", "knowledge_items")
    assert items.height == 40
    counts = items["answer"].value_counts()
    assert set(counts["answer"]) == set(LETTERS) and counts["count"].max() < 20


def same_topic_pairs(path: Path) -> Path:
    songs = [("Blue Moon", "a ballad in C major by Rodgers"), ("Take Five", "a jazz piece in 5/4 by Desmond"),
             ("Greensleeves", "an English ballad in a minor mode"), ("Bolero", "an orchestral crescendo by Ravel"),
             ("Yesterday", "a string-quartet ballad by McCartney")]  # fmt: skip
    with path.open("w") as f:
        for i, (title, fact) in enumerate(songs):
            f.write(json.dumps({"id": f"qa:t{i}", "parent_id": f"summary:t{i}", "song_id": f"youtube:t{i}",
                                "topic": "genres_and_styles", "question": f'Which genre traits appear in "{title}"?',
                                "answer": f'"{title}" is {fact}.', "backend": "template", "model": "template:qa-v1",
                                "prompt_id": "qa-v1", "prompt_hash": "0" * 64}) + "\n")  # fmt: skip
    return path


def test_template_backend_is_deterministic_and_uses_same_topic_answers(tmp_path: Path) -> None:
    pairs = same_topic_pairs(tmp_path / "pairs.jsonl")
    made = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        run_local(write_pipeline(tmp_path / name, {"backend": "template"}, pairs), tmp_path / name / "store")
        made.append(table(tmp_path / name / "store", "knowledge_items").sort("id").to_dicts())
    assert made[0] == made[1] and len(made[0]) == 5
    for row in made[0]:
        source = json.loads(row["params"])["source_answer"]
        assert row["options"][row["answer"]] == source
        title = row["stem"].split('"')[1]
        assert all(f'"{title}"' in text for text in row["options"].values())  # distractors retitled
        assert row["backend"] == "template" and row["model"] == "template:knowledge-v2"


RULES = OptionRules()


@pytest.mark.parametrize(
    ("correct", "distractors", "reason"),
    [
        ("Seven semitones", ["Five semitones", "Nine semitones", "Four semitones"], None),
        ("Seven semitones", ["Seven  semitones", "Nine semitones", "Four semitones"], "duplicate_options"),
        ("Seven semitones", ["Five", "Nine semitones", "Four semitones in all"], "uneven_options"),
        ("Seven semitones exactly", ["Five semitones", "Nine semitones", "Four semitones"], "answer_by_length"),
        ("Three whole tones", ["Five semitones", "Nine semitones", "Four semitones"], "ungrounded_answer"),
    ],
)
def test_option_rules(correct: str, distractors: list[str], reason: str | None) -> None:
    source = "A perfect fifth spans seven semitones."
    found = option_problem("How wide is a perfect fifth?", correct, distractors, source, RULES)
    assert (found[0] if found else None) == reason
