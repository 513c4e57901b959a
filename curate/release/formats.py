"""Training examples from source rows, and the three release formats they are written in.

An example is plain text (pretraining) or an instruction triple. Pretraining renders instruction
examples as ChatMusician did: `Human: {prompt} </s> Assistant: {answer} </s>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from curate.release.mixture import Component, Format
from curate.release.scoretasks import score_examples

SUMMARY_INSTRUCTION = "Summarize what this song's metadata says about its music."
_CONTEXT_FIELDS = ("title", "artists", "track", "album", "release_year", "channel", "tags")


@dataclass(frozen=True)
class Example:
    source_id: str  # the row it was made from (its parent)
    task: str
    text: str | None = None
    instruction: str | None = None
    input: str = ""
    output: str | None = None


def chatmusician_text(prompt: str, answer: str) -> str:
    return f"Human: {prompt} </s> Assistant: {answer} </s>"


def prompt_of(example: Example) -> str:
    assert example.instruction is not None
    return f"{example.instruction}\n{example.input}" if example.input else example.instruction


def song_context(song: dict[str, Any] | None) -> str:
    """The metadata a summary was written from, as the input of a summary instruction."""
    if not song:
        return ""
    lines = []
    for name in _CONTEXT_FIELDS:
        value = song.get(name)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value if v)
        if value not in (None, ""):
            lines.append(f"{name.replace('_', ' ').capitalize()}: {value}")
    return "\n".join(lines)


def examples_of(row: dict[str, Any], component: Component, context: dict[str, dict[str, Any]]) -> list[Example]:
    """The examples one source row gives; an empty list when it has nothing usable (counted by the caller)."""
    rid = row["id"]
    if component.task == "text":
        text = row.get(component.column)
        return [Example(rid, "text", text=text)] if isinstance(text, str) and text.strip() else []
    if component.task == "qa":
        q, a = row.get("question"), row.get("answer")
        return [Example(rid, "qa", instruction=q, output=a)] if q and a else []
    if component.task == "summary":
        summary = row.get("summary")
        if not summary:
            return []
        song = context.get(row.get("parent_id") or "")
        return [Example(rid, "summary", instruction=SUMMARY_INSTRUCTION, input=song_context(song), output=summary)]
    return [
        Example(rid, task, instruction=i, input=inp, output=out)
        for task, (i, inp, out) in score_examples(row, component.score_tasks)
    ]


def render(example: Example, fmt: Format) -> dict[str, Any]:
    """The columns of `example` in a release format (id, src, parent_ids and split are added by the caller)."""
    if fmt == "pretrain":
        if example.text is not None:
            return {"text": example.text}
        return {"text": chatmusician_text(prompt_of(example), example.output or "")}
    if fmt == "sft":
        return {"instruction": example.instruction, "input": example.input, "output": example.output}
    prompt, answer = prompt_of(example), example.output or ""
    return {
        "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}],
        "text": chatmusician_text(prompt, answer),
    }
