"""Run a model on MusicTheoryBench-format items through any OpenAI-compatible server.

Zero-shot and few-shot (examples from the `dev` split, as the ChatMusician paper did), on the same
LLM `Engine` as the stages: one response cache keyed by model, messages, parameters and schema (a
rerun pays for nothing twice), bounded concurrency, retries, a probe of the server first. The
request asks for `{"answer": <letter>}` with the letters as an enum (servers that refuse a schema
fall back by themselves); the chosen letter is read from that JSON, or else from free text.
Accuracy per shots, subject and split with the chance baseline and a Wilson 95% interval. Failed
calls are counted apart and left out of the accuracy.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from curate.cache import KVCache
from curate.errors import CurateError
from curate.hashing import digest
from curate.llm.backends import OpenAIBackend
from curate.llm.config import LLMConfig
from curate.llm.engine import Call, Engine
from curate.llm.schema import response_format
from curate.theory.format import LETTERS
from curate.theory.letters import extract_letter

CHANCE = 0.25
PROMPT_VERSION = "2"
HEADER = "Read the following questions from the four options, choose the correct answer."


class EvalAnswer(BaseModel):
    answer: Literal["A", "B", "C", "D"]


@dataclass
class EvalSettings:
    model: str
    base_url: str
    api_key_env: str | None = None
    shots: list[int] = field(default_factory=lambda: [0, 3])
    concurrency: int = 8
    max_tokens: int = 256
    temperature: float = 0.0
    timeout_s: float = 60.0
    attempts: int = 4
    structured_output: Literal["json_schema", "json_object", "none"] = "json_schema"


def render_question(item: dict[str, Any]) -> str:
    parts = [item["stem"].strip()]
    if item.get("abc_score"):
        parts.append(item["abc_score"].strip())
    parts += [f"{letter}. {item['options'][letter]}" for letter in LETTERS]
    return "\n".join(parts) + "\nAnswer:"


def build_messages(item: dict[str, Any], examples: list[dict[str, Any]]) -> list[dict[str, str]]:
    instruction = (item.get("instruction") or "").strip()
    shots = [render_question(ex) + f" {ex['answer']}" for ex in examples]
    text = "\n\n".join([instruction or HEADER, *shots, render_question(item)])
    return [{"role": "system", "content": "Answer with the letter (A, B, C or D) of the correct option."},
            {"role": "user", "content": text}]  # fmt: skip


def pick_examples(item: dict[str, Any], dev: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    """The first k dev items (by id) of the item's subject, topped up with other subjects; never itself."""
    pool = [d for d in dev if d["id"] != item["id"]]
    same = [d for d in pool if d.get("subject") == item.get("subject")]
    return (same + [d for d in pool if d not in same])[:k]


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def chosen_letter(text: str, options: dict[str, str]) -> str | None:
    """The letter of `{"answer": ...}`, or else the one free text names."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return extract_letter(text, options)
    answer = doc.get("answer") if isinstance(doc, dict) else None
    return answer if answer in LETTERS else extract_letter(text, options)


def llm_config(settings: EvalSettings) -> LLMConfig:
    params = {"temperature": settings.temperature, "max_tokens": settings.max_tokens}
    # A failed call is a row counted apart, never the end of the evaluation: no failed fraction stops it.
    return LLMConfig(backend="openai", model=settings.model, base_url=settings.base_url,
                     api_key_env=settings.api_key_env, params=params, timeout_s=settings.timeout_s,
                     concurrency=settings.concurrency, max_attempts=settings.attempts, retry_base_s=0.5,
                     retry_max_s=30.0, retry_invalid=False, max_failed_fraction=1.0,
                     structured_output=settings.structured_output)  # fmt: skip


async def _run(items: list[dict[str, Any]], settings: EvalSettings, cache: KVCache) -> list[dict[str, Any]]:
    config = llm_config(settings)
    fmt = response_format(EvalAnswer, config.structured_output)
    engine = Engine(config, lambda: OpenAIBackend(config), cache, lambda text: text, Counter(), label="eval")
    dev = sorted((i for i in items if i.get("split") == "dev"), key=lambda i: i["id"])
    asked = [(item, k) for k in settings.shots for item in items]
    calls = []
    for item, k in asked:
        messages = build_messages(item, pick_examples(item, dev, k))
        key = digest("eval", PROMPT_VERSION, settings.model, messages, config.params, fmt)
        calls.append(Call(key, messages, {}, fmt))
    try:
        results = await engine.run(calls)
    finally:
        await engine.close()
    rows = []
    for (item, shots), result in zip(asked, results, strict=True):
        row = {"id": item["id"], "subject": item.get("subject") or "", "split": item.get("split") or "",
               "kind": item.get("kind"), "shots": shots, "model": settings.model, "answer": item["answer"],
               "reply": None, "chosen": None, "correct": False, "failed": False, "error": None,
               "finish_reason": None, "cached": result.cached}  # fmt: skip
        if result.completion is None:
            rows.append(row | {"failed": True, "error": result.reason})
            continue
        text = result.completion.text
        chosen = chosen_letter(text, item["options"])
        rows.append(row | {"reply": text, "finish_reason": result.completion.finish_reason, "chosen": chosen,
                           "correct": chosen == item["answer"]})  # fmt: skip
    return rows


def run_eval(items: list[dict[str, Any]], settings: EvalSettings, cache_path: Path) -> list[dict[str, Any]]:
    if not items:
        raise CurateError("no items to evaluate")
    with KVCache(cache_path, flush_every=1 << 30) as cache:
        return asyncio.run(_run(items, settings, cache))


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (shots, subject, split), plus `all` rows per shots."""
    groups: dict[tuple[int, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        shots, subject, split = row["shots"], row["subject"], row["split"]
        for key in {(shots, subject, split), (shots, subject, "all"), (shots, "all", "all")}:
            groups.setdefault(key, []).append(row)
    summary = []
    for (shots, subject, split), members in sorted(groups.items()):
        answered = [r for r in members if not r["failed"]]
        correct = sum(r["correct"] for r in answered)
        low, high = wilson(correct, len(answered))
        summary.append({"shots": shots, "subject": subject, "split": split, "n": len(answered), "correct": correct,
                        "accuracy": correct / len(answered) if answered else None, "ci_low": low, "ci_high": high,
                        "chance": CHANCE, "unparsed": sum(r["chosen"] is None for r in answered),
                        "failed": len(members) - len(answered)})  # fmt: skip
    return summary


def format_table(summary: list[dict[str, Any]]) -> str:
    head = (f"{'shots':>5}  {'subject':<10} {'split':<6} {'n':>5} {'acc':>6}  {'95% CI':<13} {'chance':>6} "
            f"{'unparsed':>8} {'failed':>6}")  # fmt: skip
    lines = [head]
    for s in summary:
        acc = f"{s['accuracy']:.3f}" if s["accuracy"] is not None else "-"
        ci = f"{s['ci_low']:.3f}-{s['ci_high']:.3f}"
        lines.append(f"{s['shots']:>5}  {s['subject']:<10} {s['split']:<6} {s['n']:>5} {acc:>6}  {ci:<13} "
                     f"{s['chance']:>6.2f} {s['unparsed']:>8} {s['failed']:>6}")  # fmt: skip
    return "\n".join(lines)
