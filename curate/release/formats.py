"""Training examples from source rows, and the three release formats they are written in.

An example is plain text (pretraining), an instruction triple, or a multi-turn chat (score_chat rows).
Pretraining renders instruction examples as ChatMusician did: `Human: {prompt} </s> Assistant: {answer} </s>`,
one such pair per turn of a chat.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from curate.release.grouping import seeded_unit
from curate.release.mixture import Component, Format

SUMMARY_INSTRUCTION = "Summarize what this song's metadata says about its music."
_CONTEXT_FIELDS = ("title", "artists", "track", "album", "release_year", "channel", "tags")
Messages = tuple[tuple[str, str], ...]  # (role, content)


@dataclass(frozen=True)
class Example:
    source_id: str  # the row it was made from (its parent)
    task: str
    text: str | None = None
    instruction: str | None = None
    input: str = ""
    output: str | None = None
    messages: Messages | None = None  # a multi-turn chat, user first
    conditions: str | None = None  # JSON: what the instruction states and how it was computed


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


def examples_of(row: dict[str, Any], component: Component, context: dict[str, dict[str, Any]], seed: int = 0,
                skipped: Counter[str] | None = None) -> list[Example]:  # fmt: skip
    """The examples one source row gives; an empty list when it has nothing usable (counted by the caller).
    Score tasks that do not apply are counted in `skipped` as `<task>_<reason>`."""
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
    if component.task == "score_chat":
        turns = tuple((m["role"], m["content"]) for m in row.get("messages") or [])
        return [Example(rid, "score_chat", messages=turns, conditions=row.get("facts"))] if turns else []
    return _score_examples(row, component, seed, skipped if skipped is not None else Counter())


def _score_examples(row: dict[str, Any], component: Component, seed: int, skipped: Counter[str]) -> list[Example]:
    from curate.release.score_tasks import TaskExample, try_tasks  # music21 is imported only when needed

    names: list[str] = list(component.score_tasks)
    if component.tasks_per_row is not None:  # the seeded order; stop once enough apply
        names.sort(key=lambda task: seeded_unit(seed, "task", row["id"], task))
    out: list[Example] = []
    for name, made in try_tasks(row, names, component.min_chord_fit):
        if not isinstance(made, TaskExample):
            skipped[f"{name}_{made.reason}"] += 1
            continue
        conditions = json.dumps(made.conditions, sort_keys=True, ensure_ascii=False) if made.conditions else None
        out.append(Example(row["id"], name, instruction=made.instruction, input=made.input, output=made.output,
                           conditions=conditions))  # fmt: skip
        if len(out) == component.tasks_per_row:
            break
    return out


def render(example: Example, fmt: Format) -> dict[str, Any]:
    """The columns of `example` in a release format (id, src, parent_ids and split are added by the caller)."""
    extra = {"task": example.task, "conditions": example.conditions}
    if example.messages is not None:
        text = " ".join(chatmusician_text(u, a) for (_, u), (_, a) in zip(example.messages[::2], example.messages[1::2],
                                                                        strict=False))  # fmt: skip
        if fmt == "pretrain":
            return {"text": text, **extra}
        return {"messages": [{"role": r, "content": c} for r, c in example.messages], "text": text, **extra}
    if fmt == "pretrain":
        if example.text is not None:
            return {"text": example.text, **extra}
        return {"text": chatmusician_text(prompt_of(example), example.output or ""), **extra}
    if fmt == "sft":
        return {"instruction": example.instruction, "input": example.input, "output": example.output, **extra}
    prompt, answer = prompt_of(example), example.output or ""
    return {
        "messages": [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}],
        "text": chatmusician_text(prompt, answer),
        **extra,
    }
