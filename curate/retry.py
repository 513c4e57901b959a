"""The one retry helper: exponential backoff with jitter, honouring a server's retry-after.

Callers decide what is retryable by exception type or status code (a `classify` function),
never by matching error text. Used by the scraper, the LLM client wrapper and Hub publishing.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Retry:
    """`classify` result: retry this error, optionally after the delay the server asked for."""

    after: float | None = None


Classify = Callable[[BaseException], Retry | None]  # None: not retryable, raise at once


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries, including the first
    base_delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.5  # +/- this fraction of the delay, so workers do not retry in lockstep
    seed: int | None = None  # fixed seed: reproducible delays in tests

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Delay before try `attempt + 1` (attempt counts from 1)."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        backoff *= 1 + self.jitter * (2 * rng.random() - 1)
        if retry_after is not None:
            backoff = max(backoff, retry_after)  # never earlier than the server asked
        return max(0.0, min(backoff, max(self.max_delay, retry_after or 0.0)))


OnRetry = Callable[[int, BaseException, float], None]  # (attempt, error, delay)


def retry_call(fn: Callable[[], T], classify: Classify, policy: RetryPolicy = RetryPolicy(),
               on_retry: OnRetry | None = None, sleep: Callable[[float], None] = time.sleep) -> T:  # fmt: skip
    rng = random.Random(policy.seed)
    for attempt in range(1, policy.attempts + 1):
        try:
            return fn()
        except Exception as err:  # noqa: BLE001  (classified: re-raised unless retryable)
            sleep(_wait_or_raise(err, attempt, classify, policy, rng, on_retry))
    raise AssertionError("unreachable")


async def retry_async(fn: Callable[[], Awaitable[T]], classify: Classify, policy: RetryPolicy = RetryPolicy(),
                      on_retry: OnRetry | None = None) -> T:  # fmt: skip
    rng = random.Random(policy.seed)
    for attempt in range(1, policy.attempts + 1):
        try:
            return await fn()
        except Exception as err:  # noqa: BLE001  (classified: re-raised unless retryable)
            await asyncio.sleep(_wait_or_raise(err, attempt, classify, policy, rng, on_retry))
    raise AssertionError("unreachable")


def _wait_or_raise(err: Exception, attempt: int, classify: Classify, policy: RetryPolicy, rng: random.Random,
                   on_retry: OnRetry | None) -> float:  # fmt: skip
    """The delay before the next try, or the error itself when it is not retryable or tries are spent."""
    verdict = classify(err)
    if verdict is None or attempt == policy.attempts:
        raise err
    wait = policy.delay(attempt, verdict.after, rng)
    if on_retry:
        on_retry(attempt, err, wait)
    return wait


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form; HTTP dates are rare from APIs)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
