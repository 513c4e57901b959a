"""Fetch YouTube metadata with yt-dlp: never media; polite, retried, budgeted, and stopping on throttling.

`expand(source)` lists the videos behind a source (a watch URL, playlist, channel, YouTube Music
URL or `ytsearchN:` query) without fetching each (flat); `fetch(url)` gets one video's full info
dict, since flat entries lack fields such as `upload_date`. Every request goes through one gate:
request budget, global rate limit, a sleep between requests, retries with backoff and jitter.
"""

from __future__ import annotations

import importlib
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from yt_dlp import YoutubeDL
from yt_dlp.extractor.common import InfoExtractor

from curate.errors import CurateError
from curate.ratelimit import RateLimiter
from curate.retry import RetryPolicy, retry_call
from curate.stage import RejectRow
from curate.youtube.errors import CrawlStopped, classify, failure, stop_reason

_STOP_MESSAGES = {
    "throttled": "YouTube throttled this session ('This content isn't available, try again later'): "
    "wait an hour or lower rate_per_min, then rerun to resume",
    "bot_check": "YouTube asks to sign in to confirm this is not a bot: set cookies_file or run from "
    "another address, then rerun to resume",
}


@dataclass(frozen=True)
class FetchOptions:
    sleep_s: float = 1.0  # after each request, per worker thread
    rate_per_min: float | None = 60.0  # all threads of this task together
    timeout_s: float = 30.0  # per HTTP request (yt-dlp socket_timeout)
    max_requests: int | None = None  # per task and run; then stop cleanly
    attempts: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 120.0
    cookies_file: str | None = None  # Netscape cookies.txt; never logged
    extractors: tuple[str, ...] = ()  # extra InfoExtractor classes, "module:Class", tried first
    only_listed_extractors: bool = False  # skip yt-dlp's own extractors (offline tests)
    retry_seed: int | None = None


class _Collector:
    """yt-dlp logger: keeps warnings and errors of the current request, for throttle detection."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def debug(self, msg: str) -> None:
        pass

    info = debug

    def warning(self, msg: str) -> None:
        self.messages.append(msg)

    error = warning


@dataclass
class Fetcher:
    options: FetchOptions
    limiter: RateLimiter | None = None
    sleep: Callable[[float], None] = time.sleep
    requests: int = 0
    retries: int = 0
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.limiter is None:
            self.limiter = RateLimiter.per_minute(self.options.rate_per_min)
        self._extractor_classes = [_load_extractor(ref) for ref in self.options.extractors]

    def _ydl(self) -> tuple[YoutubeDL, _Collector]:
        """One YoutubeDL per thread: instances are not thread-safe."""
        if getattr(self._local, "ydl", None) is None:
            collector = _Collector()
            params: dict[str, Any] = {
                "skip_download": True,
                "ignore_no_formats_error": True,
                "extract_flat": "in_playlist",
                "socket_timeout": self.options.timeout_s,
                "extractor_retries": 0,  # retries are ours, with backoff and a shared rate limit
                "quiet": True,
                "no_warnings": False,
                "noprogress": True,
                "logger": collector,
            }
            if self.options.cookies_file:
                params["cookiefile"] = self.options.cookies_file
            ydl = YoutubeDL(params, auto_init=False)
            for cls in self._extractor_classes:  # added first: tried before yt-dlp's own
                ydl.add_info_extractor(cls())
            if not self.options.only_listed_extractors:
                ydl.add_default_info_extractors()
            self._local.ydl, self._local.collector = ydl, collector
        return self._local.ydl, self._local.collector

    def _request(self, url: str) -> dict[str, Any]:
        ydl, collector = self._ydl()

        def once() -> dict[str, Any]:
            with self._lock:
                if self.options.max_requests is not None and self.requests >= self.options.max_requests:
                    raise CrawlStopped("budget", f"request budget of {self.options.max_requests} reached")
                self.requests += 1
            assert self.limiter is not None
            self.limiter.acquire()
            collector.messages.clear()
            try:
                info = ydl.extract_info(url, download=False)
            finally:
                self.sleep(self.options.sleep_s)
            self._check_stop(" ".join(collector.messages), url)
            return ydl.sanitize_info(info)

        def on_retry(attempt: int, err: BaseException, delay: float) -> None:
            with self._lock:
                self.retries += 1
            assert self.limiter is not None
            self.limiter.pause(delay)  # one throttled request slows every thread of the task

        policy = RetryPolicy(self.options.attempts, self.options.base_delay_s, self.options.max_delay_s,
                             seed=self.options.retry_seed)  # fmt: skip
        try:
            return retry_call(once, classify, policy, on_retry, sleep=self.sleep)
        except CrawlStopped:
            raise
        except Exception as err:  # noqa: BLE001  (every yt-dlp error becomes a reason, or a stop)
            self._check_stop(str(err), url)
            raise failure(err) from err

    def _check_stop(self, text: str, url: str) -> None:
        reason = stop_reason(text)
        if reason is not None:
            raise CrawlStopped(reason, f"{_STOP_MESSAGES[reason]} (at {url})")

    def expand(self, source: str) -> list[dict[str, Any]]:
        """Flat entries (`id`, `url`, ...) behind a source; a video URL gives its full info dict."""
        info = self._request(source_url(source))
        return list(_videos(info))

    def fetch(self, url: str) -> dict[str, Any]:
        info = self._request(url)
        if info.get("_type", "video") != "video":
            raise RejectRow("not_a_video", f"{url} is a {info.get('_type')}, not a video")
        return info


_VIDEO_URL = re.compile(
    r"^(?:https?://)?(?:(?:www\.|m\.|music\.)?youtube\.com/(?:watch\?(?:.*&)?v=|shorts/|live/)|youtu\.be/)"
    r"(?P<id>[0-9A-Za-z_-]{11})(?:[&?#/].*)?$"
)
_BARE_ID = re.compile(r"^[0-9A-Za-z_-]{11}$")


def direct_video(line: str) -> tuple[str, str] | None:
    """(id, watch URL) for a bare id or a single-video URL: no expansion request needed."""
    match = _BARE_ID.match(line) or _VIDEO_URL.match(line)
    if match is None:
        return None
    video_id = match.group(0) if match.re is _BARE_ID else match.group("id")
    return video_id, f"https://www.youtube.com/watch?v={video_id}"


def source_url(line: str) -> str:
    """A bare 11-character video id becomes its watch URL; anything else is given to yt-dlp as is."""
    direct = direct_video(line) if _BARE_ID.match(line) else None
    return direct[1] if direct else line


def _videos(info: dict[str, Any], depth: int = 0):  # type: ignore[no-untyped-def]
    """Entries of a playlist, flattened through nested playlists (channel tabs)."""
    if info.get("_type") not in ("playlist", "multi_video"):
        yield info
        return
    for entry in info.get("entries") or []:
        if not isinstance(entry, dict):
            continue
        if entry.get("_type") in ("playlist", "multi_video") and depth < 3:
            yield from _videos(entry, depth + 1)
        else:
            yield entry


def _load_extractor(ref: str) -> type[InfoExtractor]:
    module_name, _, class_name = ref.partition(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as err:
        raise CurateError(f"cannot import extractor '{ref}': {err}") from err
    if not (isinstance(cls, type) and issubclass(cls, InfoExtractor)):
        raise CurateError(f"'{ref}' is not a yt-dlp InfoExtractor subclass")
    return cls
