"""Run a batch of chat requests: cache first, then bounded concurrency under rate limits, retries
with backoff (honouring retry-after), validation of every answer, accounting and a budget cap.

A response is put in the cache as soon as it is received and valid, and what is pending is
committed every `cache_flush_s` (0: each answer at once): by the answer that finds the last commit
that old, and by a timer when no answer comes, so a SIGKILL loses at most the answers of the last
`cache_flush_s` however slowly or quickly they arrive. Before the first request the server is probed
once: a wrong URL or key stops the task in seconds with one sentence. Rows whose calls still fail
after the retries come back as results with a reason (rejects).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openai

from curate.cache import KVCache
from curate.errors import CurateError
from curate.llm.accounting import Ledger, cost, estimate_tokens, max_completion_tokens
from curate.llm.backends import (
    FATAL_STATUS,
    TRANSIENT,
    Backend,
    BadResponse,
    Completion,
    TemplateBackend,
    classify,
    refused,
    server_url,
)
from curate.llm.config import LLMConfig
from curate.llm.prompts import Messages
from curate.llm.schema import weaker_formats
from curate.llm.share import HEARTBEAT_S, Gate, Share
from curate.ratelimit import step_limiter
from curate.retry import Retry, RetryPolicy, retry_async
from curate.stage import RejectRow

Parse = Callable[[str], Any]  # raises RejectRow


@dataclass(frozen=True)
class Call:
    key: str
    messages: Messages
    variables: dict[str, Any]
    response_format: dict[str, Any] | None = None


@dataclass
class CallResult:
    """What one call came to: the completion and its parsed value, or a reject reason."""

    completion: Completion | None = None
    value: Any = None
    cached: bool = False
    reason: str | None = None
    detail: str = ""


class Engine:
    def __init__(self, config: LLMConfig, backend: Callable[[], Backend], cache: KVCache | None, parse: Parse,
                 counters: Counter[str], workers: int = 1, ledger: Ledger | None = None, executor: str = "local",
                 scope: str = "", share: Share | None = None, label: str = "llm") -> None:  # fmt: skip
        self.config = config
        self._make_backend = backend
        self._backend: Backend | None = None
        self.cache = cache
        self.parse = parse
        self.counters = counters
        self.ledger = ledger
        self.share = share
        self.label = label
        # one limit for the whole step: shared through a Ray actor on a cluster, split by worker locally
        self.requests = step_limiter(config.requests_per_minute, f"{scope}:requests", workers, executor)
        self.tokens = step_limiter(config.tokens_per_minute, f"{scope}:tokens", workers, executor)
        self.policy = RetryPolicy(attempts=config.max_attempts, base_delay=config.retry_base_s,
                                  max_delay=config.retry_max_s)  # fmt: skip
        self.price = config.price()
        self.weakened = 0  # formats given up on: 1 = json_object instead of json_schema, 2 = none
        self._probed = False
        self._spent = 0.0  # the step's spend, as of the last flush (all workers)
        self._unflushed_usd = 0.0
        self._reserved_usd = 0.0  # worst-case cost of calls in flight
        self._budget_hit = False
        self._last_flush = time.monotonic()
        self._said: tuple[int, int] | None = None

    # -- planning ---------------------------------------------------------------------------------
    def cached(self, calls: list[Call]) -> dict[str, Any]:
        if self.cache is None:
            return {}
        return self.cache.get_many([c.key for c in calls])

    def estimate(self, calls: list[Call]) -> dict[str, float]:
        hits = self.cached(calls)
        todo = [c for c in calls if c.key not in hits]
        prompt = sum(estimate_tokens(c.messages) for c in todo)
        completion = len(todo) * max_completion_tokens(self.config)
        return {"requests": len(todo), "cached": len(calls) - len(todo), "prompt_tokens_est": prompt,
                "completion_tokens_max": completion,
                "cost_usd_max": round(cost(self.price, prompt, completion), 4)}  # fmt: skip

    # -- running ----------------------------------------------------------------------------------
    async def run(self, calls: list[Call], send: Callable[[int], bool] = lambda i: True,
                  unsent: Callable[[int], CallResult] | None = None) -> list[CallResult]:  # fmt: skip
        """A result per call, in order. Calls answered by the cache cost nothing; of the others, those
        `send` refuses get `unsent(i)` instead of a request (`curate run --retry-rejects` keeps
        their earlier reject)."""
        hits = self.cached(calls)
        results: list[CallResult | None] = [None] * len(calls)
        todo: list[int] = []
        for i, call in enumerate(calls):
            hit = hits.get(call.key)
            if hit is not None:
                self.counters["cache_hits"] += 1
                results[i] = self._validate(Completion(**hit), cached=True)
            elif send(i) or unsent is None:
                todo.append(i)
            else:
                results[i] = unsent(i)
        if todo:
            await self._probe()
            gate = Gate(self._share_now())
            ticker = asyncio.create_task(self._tick(gate))
            try:
                async with asyncio.TaskGroup() as group:
                    tasks = {i: group.create_task(self._call(calls[i], gate)) for i in todo}
            except BaseExceptionGroup as failed:
                raise failed.exceptions[0] from None
            finally:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
                self.flush()
                self.counters["in_flight_peak"] = max(self.counters["in_flight_peak"], gate.peak)
            for i, task in tasks.items():
                results[i] = task.result()
        done = [r for r in results if r is not None]
        self._check_health(done, len(todo))
        return done

    def _share_now(self) -> int:
        if self.share is None:
            limit, tasks = self.config.concurrency, 1
        else:
            limit, tasks = self.share.refresh()
        if self._said != (limit, tasks):  # the log says what is in flight, once per change
            self._said = (limit, tasks)
            plural = "s" if tasks > 1 else ""
            print(f"{self.label}: up to {limit} requests in flight (llm.concurrency {self.config.concurrency} "
                  f"shared by {tasks} sending task{plural})", file=sys.stderr, flush=True)  # fmt: skip
        return limit

    async def _tick(self, gate: Gate) -> None:
        """Commit received answers every `cache_flush_s`; follow the step's number of sending tasks."""
        period = self.config.cache_flush_s or HEARTBEAT_S
        beat = time.monotonic()
        while True:
            await asyncio.sleep(period)
            if time.monotonic() - self._last_flush >= self.config.cache_flush_s:
                self.flush()
            if time.monotonic() - beat >= HEARTBEAT_S:
                beat = time.monotonic()
                await gate.resize(self._share_now())

    def run_template(self, calls: list[Call]) -> list[CallResult]:
        """Answers of the template backend, synchronously: free and deterministic, so there is nothing to
        cache, limit, budget or retry (a retry would repeat the same answer); validated like any response."""
        backend = self.backend()
        if not isinstance(backend, TemplateBackend):
            raise TypeError("run_template needs the template backend")
        self.counters["template_answers"] += len(calls)
        return [self._validate(backend.answer_now(call.variables)) for call in calls]

    def _validate(self, completion: Completion, cached: bool = False) -> CallResult:
        try:
            return CallResult(completion, self._check(completion), cached=cached)
        except RejectRow as err:
            return CallResult(completion, cached=cached, reason=err.reason, detail=err.detail)

    def _check(self, completion: Completion) -> Any:
        if completion.finish_reason == "length":
            raise RejectRow("finish_length", "the answer was cut at max_tokens")
        if completion.finish_reason == "content_filter":
            raise RejectRow("content_filter", "the server's content filter stopped the answer")
        return self.parse(completion.text)

    async def _probe(self) -> None:
        if not self._probed:
            self._probed = True
            await self.backend().probe()

    async def _call(self, call: Call, gate: Gate) -> CallResult:
        async with gate:
            worst = cost(self.price, estimate_tokens(call.messages), max_completion_tokens(self.config))
            if self._over_budget(worst):
                return CallResult(reason="budget_exceeded", detail="max_cost_usd reached before this request")
            self._reserved_usd += worst
            try:
                return await self._send(call)
            finally:
                self._reserved_usd -= worst

    async def _send(self, call: Call) -> CallResult:
        if self.requests.rate is not None:
            await self.requests.acquire_async()
        if self.tokens.rate is not None:
            await self.tokens.acquire_async(estimate_tokens(call.messages) + max_completion_tokens(self.config))
        backend = self.backend()

        async def attempt() -> tuple[Completion, Any]:
            completion = await self._complete(backend, call)
            self._account(completion)
            return completion, self._check(completion)

        try:
            completion, value = await retry_async(attempt, self._classify, self.policy, self._on_retry)
        except RejectRow as err:
            return CallResult(reason=err.reason, detail=err.detail)
        except (openai.APIError, BadResponse) as err:
            if isinstance(err, openai.APIStatusError) and err.status_code in FATAL_STATUS:
                raise CurateError(refused(self.config, err.status_code)) from err
            reason, _ = classify(err)
            if reason == "connection_error":
                self._probed = False
                await self._probe()  # the server went away: stop with one sentence instead of failing every row
            self.counters[f"failed_{reason}"] += 1
            return CallResult(reason=reason, detail=f"{_describe(err)}, {self.config.max_attempts} tries")
        if self.cache is not None:
            self.cache.put(call.key, completion.to_json())
            # the timer commits in quiet spells; this check commits in busy ones, where a burst of
            # answers can hold the event loop longer than cache_flush_s
            if time.monotonic() - self._last_flush >= self.config.cache_flush_s:
                self.flush()
        return CallResult(completion, value)

    async def _complete(self, backend: Backend, call: Call) -> Completion:
        """One request; if the server answers 400 to it with a `response_format`, the same request is
        tried with the weaker formats (json_schema -> json_object -> none). When a weaker one works, the
        server cannot do the stronger: this engine keeps the weaker for the rest of the run (answers are
        parsed and validated the same way). A 400 with no format at all is the request's own fault."""
        sent = "template_answers" if isinstance(backend, TemplateBackend) else "requests_sent"
        ladder = [call.response_format, *weaker_formats(call.response_format)]
        for level in range(min(self.weakened, len(ladder) - 1), len(ladder)):
            fmt = ladder[level]
            self.counters[sent] += 1
            try:
                completion = await backend.complete(call.messages, call.variables, fmt)
            except openai.BadRequestError:
                if fmt is None:
                    raise
                continue
            if level > self.weakened:
                self.weakened = level
                self.counters[f"structured_output_fell_back_to_{fmt['type'] if fmt else 'none'}"] += 1
            return completion
        raise AssertionError("unreachable: the last format is None, whose 400 is raised")

    def _classify(self, err: BaseException) -> Retry | None:
        if isinstance(err, RejectRow):
            return Retry() if self.config.retry_invalid else None
        if isinstance(err, openai.APIStatusError) and err.status_code in FATAL_STATUS:
            return None
        if isinstance(err, openai.APIError | BadResponse):
            return classify(err)[1]
        return None

    def _on_retry(self, attempt: int, err: BaseException, delay: float) -> None:
        reason = err.reason if isinstance(err, RejectRow) else classify(err)[0]
        self.counters["retries"] += 1
        self.counters[f"retries_{reason}"] += 1
        if reason == "rate_limited":
            self.requests.pause(delay)  # one 429 slows every request of this worker, not just its own

    def _account(self, completion: Completion) -> None:
        usd = cost(self.price, completion.prompt_tokens, completion.completion_tokens)
        self.counters["prompt_tokens"] += completion.prompt_tokens
        self.counters["completion_tokens"] += completion.completion_tokens
        if self.price is not None:
            self.counters["cost_usd"] += usd
            self._unflushed_usd += usd

    def _over_budget(self, worst: float) -> bool:
        limit = self.config.max_cost_usd
        if limit is None:
            return False
        if self._spent + self._unflushed_usd + self._reserved_usd + worst > limit:
            self._budget_hit = True
        return self._budget_hit

    def flush(self) -> None:
        """Commit received responses and this worker's spend; learn what the other workers spent."""
        if self.cache is not None:
            self.cache.flush()
        if self.ledger is not None:
            self._spent = self.ledger.add(self._unflushed_usd)
            self._unflushed_usd = 0.0
        self._last_flush = time.monotonic()

    def _check_health(self, results: list[CallResult], sent: int) -> None:
        if self._budget_hit:
            raise CurateError(f"LLM budget reached: ${self._spent:.4f} of max_cost_usd ${self.config.max_cost_usd} "
                              "spent on this step; every answer so far is cached: raise llm.max_cost_usd and run "
                              "again to continue")  # fmt: skip
        failed = Counter(r.reason for r in results if r.reason in TRANSIENT)
        total = sum(failed.values())
        if sent and total > self.config.max_failed_fraction * sent:
            (most, _), *_ = failed.most_common(1)
            raise CurateError(f"the LLM server at {server_url(self.config)} failed {total} of {sent} requests "
                              f"after {self.config.max_attempts} tries each (mostly {most.replace('_', ' ')}); "
                              "its answers so far are cached: when it is healthy again, run the same command "
                              "to go on")  # fmt: skip

    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = self._make_backend()
        return self._backend

    async def close(self) -> None:
        if self._backend is not None:
            await self._backend.close()
            self._backend = None


def _describe(err: BaseException) -> str:
    """A failed call in words, without exception class names."""
    if isinstance(err, openai.APIStatusError):
        return f"HTTP {err.status_code}"
    if isinstance(err, openai.APITimeoutError):
        return "no answer in time"
    if isinstance(err, openai.APIConnectionError):
        return "connection failed"
    return str(err)
