"""Config shared by every LLM stage (`llm:` in a step's config). Keys are named, never stored."""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import Field, model_validator

from curate.stage import StageConfig


class Price(StageConfig):
    """US dollars per million tokens."""

    prompt_per_million: float = Field(ge=0)
    completion_per_million: float = Field(ge=0)


class LLMConfig(StageConfig):
    backend: Literal["openai", "template"] = "template"
    model: str = "template"
    base_url: str | None = None  # None: api.openai.com; e.g. http://localhost:8000/v1 for vLLM
    api_key_env: str | None = "OPENAI_API_KEY"  # the variable's NAME; None for servers without keys
    params: dict[str, Any] = Field(default_factory=lambda: {"temperature": 0.0, "max_tokens": 512})
    structured_output: Literal["json_schema", "json_object", "none"] = "json_schema"
    concurrency: int = Field(default=16, ge=1)  # in flight for the step, shared by its tasks sending now
    requests_per_minute: float | None = Field(default=None, gt=0)  # global; each worker takes its share
    tokens_per_minute: float | None = Field(default=None, gt=0)
    timeout_s: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=4, ge=1)
    retry_base_s: float = Field(default=1.0, ge=0)
    retry_max_s: float = Field(default=60.0, ge=0)
    retry_invalid: bool = True  # retry invalid JSON, schema violations, finish_reason length/content_filter
    max_failed_fraction: float = Field(default=0.5, ge=0, le=1)  # above: fail the task (server trouble)
    prices: dict[str, Price] = Field(default_factory=dict)  # by model name
    max_cost_usd: float | None = Field(default=None, ge=0)  # new spend allowed for this step
    cache_flush_s: float = Field(default=0.05, ge=0)  # commit received responses at least this often

    @model_validator(mode="after")
    def _check(self) -> LLMConfig:
        if self.backend == "openai" and self.model == "template":
            raise ValueError("the openai backend needs `model`")
        if self.max_cost_usd is not None and self.model not in self.prices:
            raise ValueError(f"max_cost_usd needs a price for model '{self.model}' in `prices`")
        if self.backend == "openai" and self.api_key_env and not os.environ.get(self.api_key_env):
            # checked when the pipeline loads, before any earlier step runs; the key itself is never stored
            raise ValueError(f"the environment variable {self.api_key_env} (api_key_env) is not set: export it, "
                             "or set api_key_env to null for a server that needs no key")  # fmt: skip
        bad = {"model", "messages", "response_format", "stream", "n"} & set(self.params)
        if bad:
            raise ValueError(f"params may not set {sorted(bad)} (the stage sets them)")
        return self

    def price(self) -> Price | None:
        return self.prices.get(self.model)
