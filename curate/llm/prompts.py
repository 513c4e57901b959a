"""Prompt templates: one YAML file each under pipelines/prompts/ (system prompt, few-shot examples,
the user message as a `string.Template`, and for summaries the metadata fields sent).

The hash covers the file's bytes, so editing the wording, an example or the field list changes
every cache key and every row id made with it; the variables go into the key separately.
"""

from __future__ import annotations

import json
import string
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from curate.errors import CurateError
from curate.hashing import sha256_bytes
from curate.resources import pipelines_dir

Messages = list[dict[str, str]]


@dataclass(frozen=True)
class PromptTemplate:
    id: str
    hash: str
    system: str
    user: str
    examples: tuple[dict[str, Any], ...]
    fields: tuple[str, ...]

    def render(self, variables: dict[str, Any], keys: Collection[str] | None = None) -> Messages:
        """System prompt, then each example as a user/assistant turn, then this input. With `keys` (the
        answer's fields), an example answer shows only those: the model is never shown a key it is not
        asked for (a second summary when no second language is set)."""
        messages = [{"role": "system", "content": self._fill(self.system, variables)}]
        for example in self.examples:
            output = example["output"]
            if keys is not None and isinstance(output, dict):
                output = {k: v for k, v in output.items() if k in keys}
            messages.append({"role": "user", "content": self._fill(self.user, {**variables, **example["input"]})})
            messages.append({"role": "assistant", "content": json.dumps(output, ensure_ascii=False)})
        messages.append({"role": "user", "content": self._fill(self.user, variables)})
        return messages

    @staticmethod
    def _fill(text: str, variables: dict[str, Any]) -> str:
        values = {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in variables.items()}
        try:
            return string.Template(text).substitute(values)
        except KeyError as err:
            raise CurateError(f"prompt template uses ${{{err.args[0]}}}, which the stage does not provide") from err


def resolve_prompt(ref: str, pipeline_dir: Path) -> Path:
    """A path relative to the pipeline file, else one of the bundled templates (e.g. prompts/qa.yaml)."""
    for base in (pipeline_dir, pipelines_dir()):
        path = (base / ref).resolve()
        if path.is_file():
            return path
    raise CurateError(f"prompt template '{ref}' not found next to the pipeline file or in the bundled pipelines/")


def load_prompt(path: Path) -> PromptTemplate:
    raw = path.read_bytes()
    doc = yaml.safe_load(raw)
    if not isinstance(doc, dict) or not {"id", "system", "user"} <= doc.keys():
        raise CurateError(f"prompt template {path.name} needs the keys id, system and user")
    examples = tuple(doc.get("examples") or ())
    for i, ex in enumerate(examples):
        if not (isinstance(ex, dict) and isinstance(ex.get("input"), dict) and "output" in ex):
            raise CurateError(f"prompt template {path.name}: examples[{i}] needs an `input` mapping and an `output`")
    return PromptTemplate(
        id=str(doc["id"]),
        hash=sha256_bytes(raw),
        system=str(doc["system"]),
        user=str(doc["user"]),
        examples=examples,
        fields=tuple(doc.get("fields") or ()),
    )
