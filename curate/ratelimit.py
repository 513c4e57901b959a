"""Rate limits shared by every caller in a process: a token bucket, sync and async.

One `RateLimiter` holds requests per second (or tokens per minute: acquire(n) takes n units).
`pause(seconds)` makes every caller wait, e.g. after a 429 with retry-after, so one throttled
request slows the whole crawl instead of each worker discovering the limit alone.
"""

from __future__ import annotations

import asyncio
import threading
import time


class RateLimiter:
    def __init__(self, rate_per_s: float | None, burst: float | None = None) -> None:
        self.rate = rate_per_s
        self.capacity = burst if burst is not None else max(1.0, rate_per_s or 1.0)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    @classmethod
    def per_minute(cls, per_minute: float | None, share: int = 1) -> RateLimiter:
        """A limiter for `per_minute / share` (a worker's share of a global limit)."""
        return cls(None if per_minute is None else per_minute / 60.0 / max(1, share))

    def _reserve(self, n: float) -> float:
        """Take n units now (going into debt if needed); return how long the caller must wait."""
        with self._lock:
            now = time.monotonic()
            wait = max(0.0, self._paused_until - now)
            if self.rate is None:
                return wait
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            self._tokens -= n
            if self._tokens < 0:
                wait = max(wait, -self._tokens / self.rate)
            return wait

    def acquire(self, n: float = 1.0) -> None:
        wait = self._reserve(n)
        if wait > 0:
            time.sleep(wait)

    async def acquire_async(self, n: float = 1.0) -> None:
        wait = self._reserve(n)
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)


SHARED_PREFIX = "curate-limit:"


def release_shared_limiters() -> None:
    """Kill the detached limiter actors of finished steps (called by the Ray executor)."""
    import ray

    for actor in ray.util.list_named_actors(all_namespaces=False):
        name = actor if isinstance(actor, str) else actor.get("name", "")
        if name.startswith(SHARED_PREFIX):
            ray.kill(ray.get_actor(name))


class SharedLimiter:
    """A `RateLimiter` living in a Ray actor, so every worker of a step on a cluster draws on one
    budget. Same interface; each acquire costs one actor call (well under a millisecond)."""

    def __init__(self, handle: object, rate_per_s: float) -> None:
        self._handle = handle
        self.rate = rate_per_s

    def acquire(self, n: float = 1.0) -> None:
        import ray

        wait = ray.get(self._handle.reserve.remote(n))  # type: ignore[attr-defined]
        if wait > 0:
            time.sleep(wait)

    async def acquire_async(self, n: float = 1.0) -> None:
        wait = await self._handle.reserve.remote(n)  # type: ignore[attr-defined]
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        self._handle.pause.remote(seconds)  # type: ignore[attr-defined]


class _LimiterActor:
    def __init__(self, rate_per_s: float) -> None:
        self._limiter = RateLimiter(rate_per_s)

    def reserve(self, n: float) -> float:
        return self._limiter._reserve(n)

    def pause(self, seconds: float) -> None:
        self._limiter.pause(seconds)


def step_limiter(per_minute: float | None, name: str, workers: int, executor: str) -> RateLimiter | SharedLimiter:
    """The limiter for one step: on Ray one actor shared by every worker of the cluster; locally
    each worker process takes its share (`per_minute / workers`)."""
    if per_minute is None or executor != "ray":
        return RateLimiter.per_minute(per_minute, workers)
    import ray

    actor = ray.remote(num_cpus=0)(_LimiterActor)
    # detached: it must outlive the task that happened to create it; the Ray executor removes these
    # actors when the run ends (`release_shared_limiters`). The rate is in the name so a changed
    # limit never reuses an old bucket.
    handle = actor.options(
        name=f"{SHARED_PREFIX}{name}:{per_minute:g}", get_if_exists=True, lifetime="detached"
    ).remote(per_minute / 60.0)
    return SharedLimiter(handle, per_minute / 60.0)
