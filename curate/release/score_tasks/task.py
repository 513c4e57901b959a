"""What a score task makes: an instruction example plus the conditions it states and how each was computed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from curate.tune.facts import TuneFacts


@dataclass(frozen=True)
class TaskExample:
    instruction: str
    input: str
    output: str
    conditions: dict[str, Any] = field(default_factory=dict)  # values given in the instruction, and how found


Task = Callable[[TuneFacts], TaskExample]
