"""Four-option music-knowledge items (MusicTheoryBench's `knowledge` subject) from QA pairs, through
the LLM layer, into `theory_items`.

One call per QA pair asks for a question, four options under the letters A-D and the letter of the
correct one (an enum in the schema sent, so a schema-following server gives exactly four options
and one answer). The stage, not the model, decides what is kept: four distinct options, no
distractor restating the source answer, the correct option agreeing with it, and no giveaway by
length or by echoing the stem (`curate/theory/options.py`). It then shuffles the options with a
seed from the item id, so the letter never follows the model's habit of listing the answer first.

The offline `template` backend needs no model: the QA answer is the correct option, and the
distractors are answers of other pairs of the same topic in the shard, with their subject (the
quoted title of their question) replaced by this pair's, i.e. true statements about other pieces
made into wrong statements about this one.
"""

from __future__ import annotations

import json
import random
import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from curate.hashing import canonical_json, digest, stable_id
from curate.llm.checks import question_problem, words
from curate.llm.engine import CallResult
from curate.llm.stage import Item, LLMStage, LLMStageConfig
from curate.stage import Reject
from curate.theory.format import LETTERS
from curate.theory.item import GENERATOR_VERSION, INSTRUCTION, split_for
from curate.theory.options import OptionRules, option_problem

_TITLE = re.compile(r"[\"“](.+)[\"”]")  # first to last quote: titles may hold quotes themselves


class KnowledgeOptions(BaseModel):
    A: str
    B: str
    C: str
    D: str


class KnowledgeAnswer(BaseModel):
    question: str
    options: KnowledgeOptions
    answer: Literal["A", "B", "C", "D"]
    explanation: str


class KnowledgeItemsConfig(LLMStageConfig):
    prompt: str = "prompts/knowledge.yaml"
    seed: int = 0  # changes every option shuffle
    dev_fraction: float = Field(default=0.05, ge=0, le=1)
    max_question_chars: int = Field(default=400, ge=20)
    rules: OptionRules = Field(default_factory=OptionRules)


class KnowledgeItems(LLMStage):
    name = "knowledge_items"
    Config = KnowledgeItemsConfig
    config: KnowledgeItemsConfig
    input_schema = "qa_pairs"
    output_schema = "theory_items"
    answer_model = KnowledgeAnswer
    code_paths = ("curate.llm", "curate.theory", "curate.langid")
    columns = ("id", "topic", "question", "answer")

    def prepare(self, rows: list[dict[str, Any]]) -> tuple[list[Item], list[Reject]]:
        by_topic: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_topic.setdefault(row["topic"], []).append(row)
        items: list[Item] = []
        for row in rows:
            variables = {"topic": row["topic"], "question": row["question"], "answer": row["answer"]}
            if self.config.llm.backend == "template":  # not in the prompt: only the template backend reads it
                others = sorted((r for r in by_topic[row["topic"]] if r["id"] != row["id"]),
                                key=lambda r: digest(row["id"], r["id"]))  # fmt: skip
                variables["pool"] = [_retitled(r, row) for r in others[:12]]
            items.append((row, variables))
        return items, []

    def finish(self, row: dict[str, Any], variables: dict[str, Any], result: CallResult
               ) -> tuple[list[dict[str, Any]], list[Reject]]:  # fmt: skip
        value: KnowledgeAnswer = result.value
        stem = value.question.strip()
        item_id = stable_id("theory", row["id"], "knowledge", " ".join(words(stem)))
        record = {"id": item_id, "parent_id": row["id"], "kind": "knowledge"}
        options = value.options.model_dump()
        marked = [options[value.answer].strip()]
        others = [options[letter].strip() for letter in LETTERS if letter != value.answer]
        problem = (
            ("malformed_question", p) if (p := question_problem(stem, self.config.max_question_chars)) else
            option_problem(stem, marked[0], others, row["answer"], self.config.rules)
        )  # fmt: skip
        if problem:
            return [], [Reject(record, problem[0], problem[1][:500], related_id=row["id"])]
        texts = [marked[0], *others]
        random.Random(digest(item_id, self.config.seed, "shuffle")).shuffle(texts)
        longest = max(texts, key=len) == marked[0]
        self.counters["items_knowledge"] += 1
        self.counters["correct_is_longest"] += longest
        provenance = self.provenance(result)
        provenance["llm_params"] = provenance.pop("params")
        item = {
            **record,
            "instruction": INSTRUCTION,
            "stem": stem,
            "options": dict(zip(LETTERS, texts, strict=True)),
            "subject": "knowledge",
            "answer": LETTERS[texts.index(marked[0])],
            "split": split_for(item_id, self.config.dev_fraction),
            "abc_score": "",
            "analysis": value.explanation.strip(),
            "params": canonical_json({"topic": row["topic"], "source_answer": row["answer"]}),
            "checked_by": "option-checks",
            "generator_version": GENERATOR_VERSION,
            **provenance,
        }
        return [item], []

    def template_answer(self, variables: dict[str, Any]) -> str:
        """The QA answer as the correct option, three retitled answers of the same topic as distractors."""
        correct = variables["answer"].strip()
        distractors: list[str] = []
        for text in variables["pool"]:
            if len(distractors) == 3:
                break
            if " ".join(words(text)) not in {" ".join(words(t)) for t in (correct, *distractors)}:
                distractors.append(text)
        texts = [correct, *distractors, "", "", ""][: len(LETTERS)]  # too few distractors: an empty option
        explanation = f"The source answer on {variables['topic'].replace('_', ' ')}: {correct}"
        return json.dumps({"question": variables["question"], "options": dict(zip(LETTERS, texts, strict=True)),
                           "answer": LETTERS[0], "explanation": explanation})  # fmt: skip


def _subject(question: str) -> str | None:
    found = _TITLE.search(question)
    return found.group(1) if found else None


def _retitled(other: dict[str, Any], row: dict[str, Any]) -> str:
    """`other`'s answer about its piece, made to speak of `row`'s piece."""
    text: str = other["answer"].strip()
    theirs, mine = _subject(other["question"]), _subject(row["question"])
    return text.replace(theirs, mine) if theirs and mine else text
