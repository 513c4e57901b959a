"""Chat about a tune: for each row of `scores`, an LLM (or the offline template backend) gets the ABC and the
facts computed from it (curate/tune/facts.py: key, meter, form, bars, range, chords, cadence, motif) and writes a
short conversation, user first, with a variation in ABC where asked, into `score_chats`.

A conversation is kept only when it passes curate/scorechat/checks.py: alternating turns, every ABC block
read by abc2xml and abc2midi, claims about key, meter, form, bars and chords equal to the facts (a variation's
key and meter to its own K:/M:), and not a mere restatement of the prompt; else a reject with the reason.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from curate.hashing import stable_id
from curate.llm.engine import CallResult
from curate.llm.stage import Item, LLMStage, LLMStageConfig
from curate.scorechat.abcblocks import require_abc2midi
from curate.scorechat.checks import check_conversation
from curate.scorechat.template import conversation
from curate.stage import Reject, RejectRow
from curate.tune import Unusable
from curate.tune.facts import TuneFacts

_FACT_NOTES = {
    "form": " (sections as letters, repeats written out)",
    "bars": " (as written, repeats not played)",
    "cadence": " (root motion of the last two chords against the tonic)",
}


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class ChatAnswer(BaseModel):
    turns: list[Turn]


class ScoreChatConfig(LLMStageConfig):
    prompt: str = "prompts/score_chat.yaml"
    min_exchanges: int = Field(default=2, ge=1)
    max_exchanges: int = Field(default=8, ge=1)
    restate_share: float = Field(default=0.8, gt=0, le=1)  # trigram share of a turn found in the prompt
    max_abc_chars: int = Field(default=6000, ge=100)  # longer tunes are not sent (`too_long`)


def facts_text(facts: dict[str, Any]) -> str:
    """The facts as the prompt shows them, one per line, absent ones left out."""
    lines = []
    for name, value in facts.items():
        if value in (None, [], ""):
            continue
        if name == "chords":
            value = ", ".join(value)
        elif name == "motif":
            value = f"{value['abc']}, {value['occurrences']} times, from bars {', '.join(map(str, value['bars']))}"
        lines.append(f"{name}: {value}{_FACT_NOTES.get(name, '')}")
    return "\n".join(lines)


class ScoreChat(LLMStage):
    name = "score_chat"
    Config = ScoreChatConfig
    config: ScoreChatConfig
    input_schema = "scores"
    output_schema = "score_chats"
    answer_model = ChatAnswer
    code_paths = ("curate.llm", "curate.scorechat", "curate.tune")
    columns = ("id", "abc", "title", "key", "meter", "unit_length")

    def setup(self) -> None:
        require_abc2midi()
        super().setup()

    def prepare(self, rows: list[dict[str, Any]]) -> tuple[list[Item], list[Reject]]:
        items: list[Item] = []
        rejects: list[Reject] = []
        for row in rows:
            abc = (row.get("abc") or "").strip()
            if len(abc) > self.config.max_abc_chars:
                rejects.append(Reject(row, "too_long", f"{len(abc)} characters of ABC"))
                continue
            tune = TuneFacts(row)
            try:
                highest = max(n.midi for n in tune.melody().notes)
            except Unusable as err:
                rejects.append(Reject(row, err.reason, err.detail))
                continue
            facts = tune.summary()
            items.append((row, {"abc": abc, "facts": facts_text(facts), "fact_values": facts, "highest": highest}))
        return items, rejects

    def finish(
        self, row: dict[str, Any], variables: dict[str, Any], result: CallResult
    ) -> tuple[list[dict[str, Any]], list[Reject]]:
        turns = [(t.role, t.content.strip()) for t in result.value.turns]
        facts = variables["fact_values"]
        cfg = self.config
        try:
            checked = check_conversation(
                turns,
                variables["abc"],
                facts,
                variables["abc"] + "\n" + variables["facts"],
                cfg.min_exchanges,
                cfg.max_exchanges,
                cfg.restate_share,
            )
        except RejectRow as err:
            return [], [err.reject({**row, "turns": json.dumps(turns, ensure_ascii=False)})]
        self.counters["claims_checked"] += len(checked.claims)
        self.counters["abc_blocks_checked"] += checked.abc_blocks
        out = {
            "id": stable_id("score_chat", row["id"], self.prompt.hash, self.model, self.params),
            "parent_id": row["id"],
            "messages": [{"role": r, "content": c} for r, c in turns],
            "facts": json.dumps(facts, sort_keys=True, ensure_ascii=False),
            "claims": json.dumps(checked.claims, ensure_ascii=False),
            "abc_blocks": checked.abc_blocks,
            "exchanges": len(turns) // 2,
            **self.provenance(result),
        }
        return [out], []

    def template_answer(self, variables: dict[str, Any]) -> str:
        turns = conversation(variables["abc"], variables["fact_values"], variables["highest"])
        return json.dumps({"turns": turns}, ensure_ascii=False)
