"""score_chat against the loopback OpenAI server (the real client over HTTP) and with the template backend:
planted wrong claims and unreadable ABC rejected with their reason, right conversations kept, and the
release putting each chat in the split of its tune."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from support.llm_pipelines import llm_config, read_table, run_local
from support.openai_server import OpenAIServer
from support.tunes import FITS, JIG, MOTIF, NO_MOTIF, RESTATED, VARIATION, chat

BROKEN = "X:1\nM:4/4\nL:1/8\nK:D\n|:DF((AF GB]]AG|FA$$dA BAFA|"
ANSWERS = {  # title -> what the "model" answers
    "Right": chat(),
    "Wrong key": chat(key="G major"),
    "Wrong meter": chat(meter="3/4"),
    "Broken variation": chat(variation=BROKEN),
    "Variation in another key": chat(variation=VARIATION.replace("K:D", "K:G")),
    "Restated": RESTATED,
}
ONE_EXCHANGE = json.dumps({"turns": [{"role": "user", "content": "Key?"},
                                     {"role": "assistant", "content": "It is in D major."}]})  # fmt: skip
REASONS = {"Wrong key": "wrong_fact", "Wrong meter": "wrong_fact", "Broken variation": "bad_abc",
           "Variation in another key": "wrong_fact", "Restated": "restates_prompt"}  # fmt: skip


def tune_id(title: str) -> str:
    return "score:" + re.sub(r"\W+", "_", title.lower())


def write_scores(path: Path) -> Path:
    rows: list[dict[str, Any]] = []
    for title in ANSWERS:
        rows.append({"id": tune_id(title), "abc": FITS.replace("T:Fits", f"T:{title}"), "title": title,
                     "key": "D", "meter": "4/4", "source_format": "abc"})  # fmt: skip
    rows.append({**rows[0], "id": "score:right_up2", "parent_id": tune_id("Right"), "augmented": True,
                 "abc": rows[0]["abc"].replace("K:D", "K:E"), "key": "E", "transposition": 2})  # fmt: skip
    for i, abc in enumerate((MOTIF, NO_MOTIF, JIG)):
        title = re.search(r"T:(.*)", abc).group(1)  # type: ignore[union-attr]
        rows.append({"id": f"score:extra{i}", "abc": abc, "title": title, "source_format": "abc"})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def write_pipeline(folder: Path, llm: dict[str, Any]) -> Path:
    doc = {
        "dataset": "chat", "version": "1",
        "inputs": {"score_rows": {"path": str(write_scores(folder / "scores.jsonl"))}},
        "steps": [
            {"name": "scores", "stage": "read", "input": "score_rows", "config": {"schema_name": "scores"}},
            {"name": "score_chats", "stage": "score_chat", "input": "scores", "config": {"llm": llm}},
            {"name": "release_chat", "stage": "release", "input": ["scores", "score_chats"], "config": {
                "format": "chat", "eval_fraction": 0.5, "components": [
                    {"table": "scores", "src": "tunes", "task": "score_tasks", "tasks_per_row": 2},
                    {"table": "score_chats", "src": "tune_chat", "task": "score_chat"}]}},
        ],
    }  # fmt: skip
    path = folder / "pipeline.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def table(root: Path, name: str) -> pl.DataFrame:
    return read_table(root / "chat" / "1", name)


def scripted(body: dict[str, Any]) -> str:
    facts = body["messages"][-1]["content"]
    title = re.search(r"^title: (.*)$", facts, re.M)
    if title and title.group(1) in ANSWERS:
        return ANSWERS[title.group(1)]
    return ONE_EXCHANGE  # tunes not scripted here


@pytest.fixture
def server(openai_server: OpenAIServer) -> OpenAIServer:
    openai_server.answer = scripted
    return openai_server


def test_planted_wrong_claims_are_rejected_with_their_reason(tmp_path: Path, server: OpenAIServer) -> None:
    root = tmp_path / "store"
    llm = llm_config(server.url, params={"temperature": 0.0, "max_tokens": 2048})
    result = run_local(write_pipeline(tmp_path, llm), root)
    chats = table(root, "score_chats")
    assert set(chats["parent_id"]) == {tune_id("Right")}
    row = chats.filter(pl.col("parent_id") == tune_id("Right")).row(0, named=True)
    assert row["backend"] == "openai" and row["exchanges"] == 3 and row["abc_blocks"] == 1
    claims = json.loads(row["claims"])
    assert {c["kind"] for c in claims} == {"key", "meter", "form", "bars", "chords"} and all(c["ok"] for c in claims)
    assert json.loads(row["facts"])["chords"] == ["D", "G", "A"]
    rejects = table(root, "rejects").filter(pl.col("step") == "score_chats")
    got = {r["row_id"]: (r["reason"], r["detail"]) for r in rejects.iter_rows(named=True)}
    for title, reason in REASONS.items():
        assert got[tune_id(title)][0] == reason, (title, got[tune_id(title)])
    assert "'in G major'" in got[tune_id("Wrong key")][1] and "D major" in got[tune_id("Wrong key")][1]
    assert "'in 3/4'" in got[tune_id("Wrong meter")][1]
    assert "abc2" in got[tune_id("Broken variation")][1]
    assert "computed: G major" in got[tune_id("Variation in another key")][1]
    # the transposed copy (K:E) got the conversation about the D major original: wrong for it
    assert got["score:right_up2"][0] == "wrong_fact" and "computed: E major" in got["score:right_up2"][1]
    assert {got[f"score:extra{i}"][0] for i in range(3)} == {"malformed_conversation"}  # one exchange only
    counters = next(s for s in result.manifest["steps"] if s["name"] == "score_chats")["counters"]
    assert counters["claims_checked"] > 0


def test_template_backend_conversations_pass_their_own_checks(tmp_path: Path) -> None:
    root = tmp_path / "store"
    run_local(write_pipeline(tmp_path, {"backend": "template"}), root)
    chats = table(root, "score_chats")
    scores = table(root, "scores")
    assert chats.height == scores.height  # every tune, none rejected
    assert set(chats["backend"]) == {"template"}
    fits = chats.filter(pl.col("parent_id") == tune_id("Right")).row(0, named=True)
    text = "\n".join(m["content"] for m in fits["messages"])
    assert "in D major, in 4/4 time" in text and '"D", "G" and "A"' in text and "```abc" in text
    motif = chats.filter(pl.col("parent_id") == "score:extra0").row(0, named=True)
    assert "figure DEFA comes back 3 times" in "\n".join(m["content"] for m in motif["messages"])


def test_release_puts_each_chat_in_the_split_of_its_tune(tmp_path: Path) -> None:
    root = tmp_path / "store"
    run_local(write_pipeline(tmp_path, {"backend": "template"}), root)
    release = table(root, "release_chat")
    chats = release.filter(pl.col("src") == "tune_chat")
    assert chats.height == table(root, "score_chats").height
    first = chats.row(0, named=True)
    assert first["task"] == "score_chat" and json.loads(first["conditions"])["key"]
    assert [m["role"] for m in first["messages"]][:2] == ["user", "assistant"] and len(first["messages"]) >= 4
    assert first["text"].startswith("Human: ")
    assert first["text"].count(" </s> Assistant: ") == len(first["messages"]) // 2
    parents = dict(zip(table(root, "score_chats")["id"], table(root, "score_chats")["parent_id"], strict=True))
    originals = dict(zip(table(root, "scores")["id"], table(root, "scores")["parent_id"], strict=True))
    split_of_tune = {}
    for row in release.filter(pl.col("src") == "tunes").iter_rows(named=True):
        tune = row["parent_ids"][0]
        split_of_tune.setdefault(originals[tune] or tune, set()).add(row["split"])
    assert all(len(s) == 1 for s in split_of_tune.values())
    for row in chats.iter_rows(named=True):
        tune = parents[row["parent_ids"][0]]
        assert {row["split"]} == split_of_tune[originals[tune] or tune]
    assert {r["split"] for r in release.iter_rows(named=True)} == {"train", "eval"}


@pytest.mark.parametrize(
    ("prose", "kind", "ok"),
    [
        ("It is in D major, in 4/4 time.", "key", True),
        ("The tune is in the key of G.", "key", False),
        ("key: A minor", "key", False),
        ("It has a 3/4 meter.", "meter", False),
        ("meter: 4/4", "meter", True),
        ("It is in cut time.", "meter", False),
        ("The form is AABB.", "form", True),
        ("It has an ABAB form.", "form", False),
        ("The tune has 8 bars.", "bars", True),
        ("It is 12 bars long.", "bars", False),
        ('The chords are "D" and "Em".', "chords", False),
        ("The progression uses D, G and A7.", "chords", False),
    ],
)
def test_claims_are_found_by_pattern_and_compared(prose: str, kind: str, ok: bool) -> None:
    from curate.scorechat.claims import tune_claims

    facts = {"key": "D major", "meter": "4/4", "form": "AABB", "bars": 8, "chords": ["D", "G", "A"]}
    claims = [c for c in tune_claims(prose, facts) if c.kind == kind]
    assert claims and all(c.ok for c in claims) == ok


def test_suggestions_and_section_letters_are_not_claims() -> None:
    from curate.scorechat.claims import tune_claims

    facts = {"key": "D major", "meter": "4/4", "form": "AABB", "bars": 8, "chords": ["D"]}
    assert tune_claims("You could try Bm instead of D as a chord. In B section the melody rises.", facts) == []
