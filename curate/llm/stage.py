"""The shared base of LLM stages: prompt loading, cache keys, the engine on a private event loop,
the template backend, dry-run estimates and the provenance columns every output row carries.

A subclass says which input columns it reads (`prepare`: rows -> (row, variables) or a reject),
what an answer looks like (`answer_model`, a pydantic model: the schema sent and the parser of
every answer), which of its string fields are closed sets in a request (`enums`: they become
`enum`s of that request's schema), how the template backend answers (`template_answer`), and
what a valid answer becomes (`finish`).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
from pydantic import BaseModel, Field

from curate.cache import KVCache
from curate.hashing import digest
from curate.llm.accounting import Ledger, describe_params
from curate.llm.backends import Backend, OpenAIBackend, TemplateBackend
from curate.llm.config import LLMConfig
from curate.llm.engine import Call, CallResult, Engine
from curate.llm.language import detect
from curate.llm.prompts import PromptTemplate, load_prompt, resolve_prompt
from curate.llm.schema import parse_json, response_format
from curate.llm.share import Share
from curate.stage import Reject, ShardStage, StageConfig, StageResult

CACHE_FILE = "llm_responses.sqlite"
LEDGER_FILE = "llm_spend.sqlite"
SHARE_FILE = "llm_sending.sqlite"
Item = tuple[dict[str, Any], dict[str, Any]]  # (input row, template variables)


class LLMStageConfig(StageConfig):
    llm: LLMConfig = Field(default_factory=LLMConfig)
    prompt: str  # a prompt file, relative to the pipeline file or bundled (prompts/<name>.yaml)


class LLMStage(ShardStage):
    code_paths = ("curate.llm", "curate.langid")  # its helpers shape the output too (language checks)
    batch_size: ClassVar[int] = 2048
    answer_model: ClassVar[type[BaseModel]]
    columns: ClassVar[tuple[str, ...]] = ()  # input columns `prepare` needs (others are not decoded)
    config: LLMStageConfig

    # -- subclass hooks ----------------------------------------------------------------------------
    def prepare(self, rows: list[dict[str, Any]]) -> tuple[list[Item], list[Reject]]:
        raise NotImplementedError

    def template_answer(self, variables: dict[str, Any]) -> str:
        raise NotImplementedError

    def finish(self, row: dict[str, Any], variables: dict[str, Any], result: CallResult
               ) -> tuple[list[dict[str, Any]], list[Reject]]:  # fmt: skip
        raise NotImplementedError

    def answer_type(self) -> type[BaseModel]:
        """The model of an answer; a stage whose answer depends on its config overrides this."""
        return self.answer_model

    def enums(self, variables: dict[str, Any]) -> dict[str, list[str]]:
        """Closed sets of this request: {string field name: the values allowed}, sent as `enum`s."""
        return {}

    def parse(self, text: str) -> BaseModel:
        return parse_json(text, self._answer_type)

    @classmethod
    def config_files(cls, config: StageConfig, pipeline_dir: Path) -> list[Path]:
        assert isinstance(config, LLMStageConfig)
        return [resolve_prompt(config.prompt, pipeline_dir)]

    # -- lifecycle -----------------------------------------------------------------------------------
    def setup(self) -> None:
        llm = self.config.llm
        self.prompt: PromptTemplate = load_prompt(resolve_prompt(self.config.prompt, self.context.pipeline_dir))
        template = llm.backend == "template"
        self._answer_type = self.answer_type()
        self._formats: dict[str, dict[str, Any] | None] = {}  # by closed sets: most stages have one
        self.params = "{}" if template else describe_params(llm, self._format({}))
        self.model = f"template:{self.prompt.id}" if template else llm.model
        # commits are driven by the engine's timer (cache_flush_s), not by a count of answers
        self._cache = None if template else KVCache(self.context.cache_dir / CACHE_FILE, flush_every=1 << 30)
        scope = digest(self.context.dataset, self.context.version, self.context.step)
        self._ledger = Ledger(self.context.cache_dir / LEDGER_FILE, scope) if llm.max_cost_usd is not None else None
        self._share = None if template else Share(self.context.cache_dir / SHARE_FILE, scope, llm.concurrency,
                                                  self.context.parallel_tasks)  # fmt: skip
        self.engine = Engine(llm, self._backend, self._cache, self.parse, self.counters, self.context.workers,
                             self._ledger, self.context.executor, scope, self._share, self.context.step)  # fmt: skip
        self._loop = asyncio.new_event_loop()
        if getattr(self.config, "check_language", False):
            detect("warm up the language model once per task, outside the per-request work")

    def _backend(self) -> Backend:
        if self.config.llm.backend == "template":
            return TemplateBackend(self.template_answer)
        return OpenAIBackend(self.config.llm)

    def teardown(self) -> None:
        if not hasattr(self, "_loop"):
            return
        try:
            self._loop.run_until_complete(self.engine.close())
        finally:
            self._loop.close()
            if self._cache is not None:
                self._cache.close()  # commits what is still pending
            if self._ledger is not None:
                self._ledger.close()
            if self._share is not None:
                self._share.close()

    # -- work ------------------------------------------------------------------------------------------
    def _items(self, batch: pa.Table) -> tuple[list[Item], list[Reject], list[Call]]:
        present = [c for c in self.columns if c in batch.column_names]
        items, rejects = self.prepare(batch.select(present).to_pylist())
        if self.config.llm.backend == "template":
            # Nothing is sent or cached, so the prompt is not rendered per row; one render a batch
            # still fails on a template naming a variable the stage does not provide.
            if items:
                self.prompt.render(items[0][1])
            return items, rejects, [Call("", [], variables) for _, variables in items]
        return items, rejects, [self._call(variables) for _, variables in items]

    def _format(self, enums: dict[str, list[str]]) -> dict[str, Any] | None:
        marker = repr(sorted(enums.items()))
        if marker not in self._formats:
            self._formats[marker] = response_format(self._answer_type, self.config.llm.structured_output, enums)
        return self._formats[marker]

    def _call(self, variables: dict[str, Any]) -> Call:
        fmt = self._format(self.enums(variables))
        messages = self.prompt.render(variables, self._answer_type.model_fields)
        llm = self.config.llm
        # The key covers the model, the template's text (hash), the variables (inside the messages),
        # the parameters and the response schema: change any one and the old answer is not reused.
        key = digest("llm-v1", llm.backend, llm.model, self.prompt.hash, self.params, fmt, messages)
        return Call(key, messages, variables, fmt)

    def _results(self, items: list[Item], calls: list[Call]) -> list[CallResult]:
        if self.config.llm.backend == "template":
            return self.engine.run_template(calls)
        retry = self.context.retry
        if retry is None:
            return self._loop.run_until_complete(self.engine.run(calls))
        # --retry-rejects: send the rows rejected for one of its reasons (or never answered); any other
        # row without a cached answer keeps its earlier reject, unsent
        earlier = {row_id: (reason, detail) for row_id, reason, detail in retry.earlier}

        def send(i: int) -> bool:
            before = earlier.get(items[i][0].get("id"))
            if before is not None and before[0] in retry.reasons:
                self.counters["retried_rejects"] += 1
            return before is None or before[0] in retry.reasons

        def unsent(i: int) -> CallResult:
            reason, detail = earlier[items[i][0]["id"]]
            return CallResult(reason=reason, detail=detail)

        return self._loop.run_until_complete(self.engine.run(calls, send, unsent))

    def process(self, batch: pa.Table) -> StageResult:
        started = time.process_time()
        items, rejects, calls = self._items(batch)
        results = self._results(items, calls)
        rows: list[dict[str, Any]] = []
        for (row, variables), result in zip(items, results, strict=True):
            if result.reason is not None:
                rejects.append(Reject(row, result.reason, result.detail))
                continue
            kept, dropped = self.finish(row, variables, result)
            rows += kept
            rejects += dropped
        self.counters["client_cpu_s"] += time.process_time() - started
        return StageResult(rows=rows, rejects=rejects)

    def estimate(self, batch: pa.Table) -> dict[str, float]:
        items, rejects, calls = self._items(batch)
        if self.config.llm.backend == "template":
            return {"rows": batch.num_rows, "requests": 0, "template_answers": len(calls), "rejected": len(rejects)}
        return {"rows": batch.num_rows, **self.engine.estimate(calls), "rejected_before_sending": len(rejects)}

    def provenance(self, result: CallResult) -> dict[str, Any]:
        completion = result.completion
        assert completion is not None
        return {
            "backend": self.config.llm.backend,
            "model": self.model,
            "prompt_id": self.prompt.id,
            "prompt_hash": self.prompt.hash,
            "params": self.params,
            "response_id": completion.response_id,
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
        }
