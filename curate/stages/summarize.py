"""Summarize each song's metadata with an LLM (or the offline template backend) into `summaries`.

Only the fields the prompt lists are sent, empty ones dropped (a song with none is rejected as
`no_metadata` without a call). The answer is JSON validated against `SummaryAnswer`; the model
may decline (`insufficient_information`), and the summary must be in the configured language
(`wrong_language`; the schema sent allows only that language code). Optionally a second summary in
another language, as in ChatMusician's follow-up work: only then does the schema offer
`second_summary`, so a row never carries one nobody asked for. Every row records backend, model,
prompt id/hash, parameters and response id.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field, model_validator

from curate.hashing import stable_id
from curate.llm.engine import CallResult
from curate.llm.language import matches
from curate.llm.stage import Item, LLMStage, LLMStageConfig
from curate.stage import Reject

_DECLINED = {"", "none", "null", "insufficient_information"}


class SummaryAnswer(BaseModel):
    insufficient_information: bool = False
    summary: str | None = None
    language: str | None = None  # an enum of the configured language in the schema sent


class BilingualSummaryAnswer(SummaryAnswer):
    second_summary: str | None = None
    second_language: str | None = None


class SummarizeConfig(LLMStageConfig):
    prompt: str = "prompts/summarize.yaml"
    language: str = "en"  # ISO 639-1 code of the summary
    second_language: str | None = None  # e.g. "zh": also ask for a summary in this language
    check_language: bool = True
    max_field_chars: int = Field(default=1500, ge=50)  # long descriptions and lyrics are cut
    min_summary_chars: int = Field(default=40, ge=1)
    max_summary_chars: int = Field(default=3000, ge=1)

    @model_validator(mode="after")
    def _template_is_monolingual(self) -> SummarizeConfig:
        if self.second_language and self.llm.backend == "template":
            raise ValueError("the template backend writes no second-language summaries; unset second_language")
        return self


class Summarize(LLMStage):
    name = "summarize"
    Config = SummarizeConfig
    config: SummarizeConfig
    input_schema = "songs"
    output_schema = "summaries"
    answer_model = SummaryAnswer
    columns = ("id", "title", "track", "artists", "album", "label", "release_year", "channel", "description",
               "description_clean", "tags", "categories", "lyrics", "genres", "composer", "instruments")  # fmt: skip

    def prepare(self, rows: list[dict[str, Any]]) -> tuple[list[Item], list[Reject]]:
        items: list[Item] = []
        rejects: list[Reject] = []
        for row in rows:
            metadata = self._metadata(row)
            if not metadata:
                rejects.append(Reject(row, "no_metadata", f"none of {list(self.prompt.fields)} is set"))
                continue
            items.append((row, {"metadata": metadata, **self._asked}))
        return items, rejects

    @cached_property
    def _asked(self) -> dict[str, str]:
        """The variables that say what to write (the same for every song)."""
        second = self.config.second_language
        keys = ", ".join(self.answer_type().model_fields)
        task = (f'Also write second_summary, the same summary in the language "{second}", and set second_language '
                f'to "{second}".' if second else "")  # fmt: skip
        return {"language": self.config.language, "second_language": second or "none", "second_language_task": task,
                "answer_keys": keys}  # fmt: skip

    def answer_type(self) -> type[SummaryAnswer]:
        return BilingualSummaryAnswer if self.config.second_language else SummaryAnswer

    def enums(self, variables: dict[str, Any]) -> dict[str, list[str]]:
        second = self.config.second_language
        return {"language": [self.config.language], **({"second_language": [second]} if second else {})}

    def _metadata(self, row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in self.prompt.fields:
            value = row.get(field)
            if field == "description":
                value = row.get("description_clean") or value  # without promo links and boilerplate
            if isinstance(value, str):
                value = value.strip()[: self.config.max_field_chars]
            elif isinstance(value, list):
                value = [v for v in value if v not in (None, "")]
            if value not in (None, "", []):
                out[field] = value
        return out

    def finish(self, row: dict[str, Any], variables: dict[str, Any], result: CallResult
               ) -> tuple[list[dict[str, Any]], list[Reject]]:  # fmt: skip
        answer: SummaryAnswer = result.value
        summary = (answer.summary or "").strip()
        if answer.insufficient_information or summary.lower() in _DECLINED:
            return [], [Reject(row, "insufficient_information", "the model found too little music information")]
        if len(summary) < self.config.min_summary_chars:
            return [], [Reject(row, "summary_too_short", f"{len(summary)} characters")]
        if len(summary) > self.config.max_summary_chars:
            return [], [Reject(row, "summary_too_long", f"{len(summary)} characters")]
        second = None
        if isinstance(answer, BilingualSummaryAnswer):
            second = (answer.second_summary or "").strip() or None
        if self.config.second_language and not second:
            return [], [Reject(row, "missing_second_summary", f"asked for {self.config.second_language}")]
        checks = [(summary, self.config.language)]
        if second is not None and self.config.second_language:
            checks.append((second, self.config.second_language))
        for text, expected in checks if self.config.check_language else []:
            ok, found = matches(text, expected)
            if not ok:
                return [], [Reject(row, "wrong_language", f"expected {expected}, detected {found}")]
        out = {
            "id": stable_id(
                "summary", row["id"], self.prompt.hash, self.model, self.params, self.config.second_language
            ),  # noqa: E501
            "parent_id": row["id"],
            "summary": summary,
            "language": self.config.language,
            "second_summary": second,
            "second_language": self.config.second_language if second else None,
            "fields_sent": list(variables["metadata"]),
            **self.provenance(result),
        }
        return [out], []

    def template_answer(self, variables: dict[str, Any]) -> str:
        """A factual sentence or three from the metadata; declines what does not look like music."""
        md = variables["metadata"]
        artists = ", ".join(md.get("artists") or []) or md.get("channel")
        musical = any(md.get(k) for k in ("track", "artists", "album")) or "Music" in (md.get("categories") or [])
        if not musical or not artists:
            return json.dumps({"insufficient_information": True})
        parts = [f'"{md.get("track") or md.get("title")}" is a music recording by {artists}']
        if md.get("album"):
            parts.append(f' from the album "{md["album"]}"')
        if md.get("release_year"):
            parts.append(f", released in {md['release_year']}")
        text = "".join(parts) + "."
        if md.get("tags"):
            text += f" It is tagged as {', '.join(md['tags'][:5])}."
        if md.get("label"):
            text += f" It was released on the label {md['label']}."
        text += " The summary was written from the metadata fields alone."
        return json.dumps({"insufficient_information": False, "summary": text, "language": "en"})
