"""Generate music-knowledge question/answer pairs from each summary, Self-Instruct style, into `qa_pairs`.

Each summary gets `pairs_per_summary` areas of the topic outline (pipelines/topics.yaml), chosen
deterministically from the summary id so the areas spread evenly over a corpus; one call asks for
one pair per area (JSON, nested schema whose `topic` is an enum of exactly the areas asked). Each
pair is checked (well-formed question, grounded, non-empty answer within limits, not a copy of the
summary, an area that was asked for) and near-identical questions of the same song are dropped;
every drop is a reject with a reason.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any

import xxhash
import yaml
from pydantic import BaseModel, Field

from curate.errors import CurateError
from curate.hashing import digest, stable_id
from curate.llm.checks import Grounds, answer_problem, jaccard, question_problem, words
from curate.llm.engine import CallResult
from curate.llm.prompts import resolve_prompt
from curate.llm.stage import Item, LLMStage, LLMStageConfig
from curate.stage import Reject, StageConfig

_SPACES = re.compile(r"[\s\-]+")
_FIRST_SENTENCE = re.compile(r"(?<=[.!?])\s")
_QUOTED = re.compile(r"\"([^\"]+)\"")


class QAPair(BaseModel):
    topic: str  # an enum of the areas asked in the schema sent
    question: str
    answer: str


class QAAnswer(BaseModel):
    pairs: list[QAPair]


class QAConfig(LLMStageConfig):
    prompt: str = "prompts/qa.yaml"
    topics: str = "topics.yaml"  # relative to the pipeline file, else the bundled outline
    pairs_per_summary: int = Field(default=3, ge=1, le=20)
    max_question_chars: int = Field(default=300, ge=20)
    min_answer_chars: int = Field(default=20, ge=1)
    max_answer_chars: int = Field(default=1500, ge=20)
    duplicate_jaccard: float = Field(default=0.8, gt=0, le=1)  # question word-set similarity within a song


class QA(LLMStage):
    name = "qa"
    Config = QAConfig
    config: QAConfig
    input_schema = "summaries"
    output_schema = "qa_pairs"
    answer_model = QAAnswer
    columns = ("id", "parent_id", "summary", "language")

    @classmethod
    def config_files(cls, config: StageConfig, pipeline_dir: Path) -> list[Path]:
        assert isinstance(config, QAConfig)
        return [*super().config_files(config, pipeline_dir), resolve_prompt(config.topics, pipeline_dir)]

    @cached_property
    def areas(self) -> dict[str, dict[str, Any]]:
        path = resolve_prompt(self.config.topics, self.context.pipeline_dir)
        doc = yaml.safe_load(Path(path).read_text())
        areas = {a["name"]: a for a in (doc or {}).get("areas", [])}
        if len(areas) < self.config.pairs_per_summary:
            raise CurateError(f"{path.name} has {len(areas)} areas, fewer than pairs_per_summary")
        return areas

    @cached_property
    def _keywords(self) -> dict[str, frozenset[str]]:
        return {name: frozenset(area.get("keywords", [])) for name, area in self.areas.items()}

    @cached_property
    def grounds(self) -> Callable[[str], Grounds]:
        """`Grounds` of a summary, kept for a batch: the template backend and the checks both need them."""
        return functools.lru_cache(maxsize=2 * self.batch_size)(Grounds)

    @cached_property
    def _area_keys(self) -> list[tuple[str, bytes]]:
        return [(name, name.encode()) for name in sorted(self.areas)]

    def choose_areas(self, summary_id: str) -> list[str]:
        """The areas a summary asks about: highest random weight (rendezvous) hashing, seeded by one digest
        of the id, so areas spread evenly and adding an area to the outline moves few summaries."""
        seed = int(digest(summary_id)[:16], 16)
        ranked = sorted(self._area_keys, key=lambda area: xxhash.xxh3_64_intdigest(area[1], seed))
        return [name for name, _ in ranked[: self.config.pairs_per_summary]]

    def prepare(self, rows: list[dict[str, Any]]) -> tuple[list[Item], list[Reject]]:
        items: list[Item] = []
        for row in rows:
            topics = [{"name": n, "description": self.areas[n]["description"]} for n in self.choose_areas(row["id"])]
            items.append((row, {"summary": row["summary"], "topics": topics, "n": len(topics)}))
        return items, []

    def enums(self, variables: dict[str, Any]) -> dict[str, list[str]]:
        return {"topic": [t["name"] for t in variables["topics"]]}

    def finish(self, row: dict[str, Any], variables: dict[str, Any], result: CallResult
               ) -> tuple[list[dict[str, Any]], list[Reject]]:  # fmt: skip
        asked = {t["name"] for t in variables["topics"]}
        kept: list[dict[str, Any]] = []
        seen: list[tuple[set[str], str]] = []  # (question words, id) of kept pairs
        rejects: list[Reject] = []
        grounds = self.grounds(row["summary"])
        provenance = self.provenance(result)
        for pair in result.value.pairs:
            topic = _SPACES.sub("_", pair.topic.strip().lower())
            question, answer = pair.question.strip(), pair.answer.strip()
            tokens = words(question)
            qa_id = stable_id("qa", row["id"], " ".join(tokens))
            record = {"id": qa_id, "parent_id": row["id"], "topic": topic, "question": question, "answer": answer}
            terms = self._keywords.get(topic, frozenset())
            problem = (
                ("unknown_topic", f"'{pair.topic}' was not asked for") if topic not in asked else
                ("malformed_question", p) if (p := question_problem(question, self.config.max_question_chars,
                                                                     tokens)) else
                ("bad_answer", p) if (p := answer_problem(answer, grounds, terms, self.config.min_answer_chars,
                                                           self.config.max_answer_chars)) else None
            )  # fmt: skip
            if problem:
                rejects.append(Reject(record, problem[0], problem[1]))
                continue
            bag = set(tokens)
            twin = next((i for b, i in seen if jaccard(bag, b) >= self.config.duplicate_jaccard), None)
            if twin is not None:
                rejects.append(Reject(record, "duplicate_question", "near-identical to a kept one", related_id=twin))
                continue
            seen.append((bag, qa_id))
            kept.append({**record, "song_id": row["parent_id"], "language": row.get("language"),
                         **provenance})  # fmt: skip
        if not kept and not rejects:
            rejects.append(Reject(row, "no_pairs", "the answer held no pairs"))
        self.counters["pairs_kept"] += len(kept)
        return kept, rejects

    def template_answer(self, variables: dict[str, Any]) -> str:
        """One templated pair per area, from the summary's first sentence; no model involved."""
        summary = variables["summary"]
        first = _FIRST_SENTENCE.split(summary.strip(), maxsplit=1)[0].rstrip(".")
        quoted = _QUOTED.search(summary)
        subject = f'"{quoted.group(1)}"' if quoted else "the piece described"
        key_terms = ", ".join(sorted(self.grounds(summary).content)[:4]) or "its metadata"
        pairs = []
        for topic in variables["topics"]:
            area = self.areas[topic["name"]]
            pairs.append({
                "topic": topic["name"],
                "question": f"{area['ask']} {subject}?",
                "answer": f"Looking at {area['description']}, start from what is known: {first}. "
                          f"The listed details ({key_terms}) are the evidence to examine.",
            })  # fmt: skip
        return json.dumps({"pairs": pairs})
