"""Scrape YouTube metadata with yt-dlp into the `songs` table (metadata only, never media).

The input is a text file of sources, one per line (`#` comments allowed): watch URLs, bare video
ids, playlists, channels (`https://www.youtube.com/@handle/videos`), YouTube Music URLs and
`ytsearchN:query`. Each source is expanded flat, then each video's full metadata is fetched.

State lives in a sqlite cache in the store root's cache folder (`store.calls_cache_dir`: not in
memory, so a crawl can move between processes, and between machines sharing that folder through
`$CURATE_CACHE_DIR`; not in the store, which stages reach only through their inputs): source
expansions and every fetched info dict, keyed by video id, flushed every few videos. A rerun or a
resumed run never fetches an id twice. Videos that are gone for good (private, removed,
unsupported) are remembered as such too. Throttling, a bot check or the request budget stop the
task cleanly with a message that says why; what was fetched stays cached, and the next
`curate run` continues where it stopped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yt_dlp.version import __version__ as YTDLP_VERSION

from curate.cache import KVCache
from curate.io import line_ranges, open_binary
from curate.stage import InputShard, Record, Reject, RejectRow, SourceStage, StageConfig
from curate.youtube.errors import PERMANENT, CrawlStopped
from curate.youtube.fetch import Fetcher, FetchOptions, direct_video
from curate.youtube.normalize import normalize, trim_info


class YoutubeConfig(StageConfig):
    sleep_s: float = 1.0
    rate_per_min: float | None = 60.0  # a global limit, shared out among the executor's workers
    timeout_s: float = 30.0
    max_requests: int | None = None  # per task and run (split your crawl into daily runs)
    attempts: int = 5
    base_delay_s: float = 2.0
    max_delay_s: float = 120.0
    cookies_file: str | None = None  # relative to the pipeline file
    extractors: list[str] = []  # extra yt-dlp InfoExtractor classes, "module:Class"
    only_listed_extractors: bool = False
    refresh_sources: bool = False  # re-expand playlists/searches instead of using cached expansions
    cache_name: str = "youtube.sqlite"
    flush_every: int = 8
    shard_bytes: int = 64 * 1024
    batch_rows: int = 500


class Youtube(SourceStage):
    name = "youtube"
    code_paths = ("curate.youtube",)  # its helpers shape the output too
    Config = YoutubeConfig
    config: YoutubeConfig
    output_schema = "songs"

    def list_shards(self, paths: list[Path]) -> list[InputShard]:
        return [InputShard(p, s, e) for p in paths for s, e in line_ranges(p, self.config.shard_bytes)]

    def setup(self) -> None:
        c = self.config
        cookies = str(self.context.pipeline_dir / c.cookies_file) if c.cookies_file else None
        share = (c.rate_per_min / max(1, self.context.workers)) if c.rate_per_min else None
        options = FetchOptions(c.sleep_s, share, c.timeout_s, c.max_requests, c.attempts, c.base_delay_s,
                               c.max_delay_s, cookies, tuple(c.extractors), c.only_listed_extractors)  # fmt: skip
        self.fetcher = Fetcher(options)
        self.cache = KVCache(self.context.cache_dir / c.cache_name, flush_every=c.flush_every)

    def teardown(self) -> None:
        cache = getattr(self, "cache", None)
        if cache is not None:
            cache.close()  # flushes: a stopped or failed task keeps everything it fetched
        if hasattr(self, "fetcher"):
            self.counters["requests"] += self.fetcher.requests
            self.counters["retries"] += self.fetcher.retries

    def _sources(self, shard: InputShard) -> Iterator[str]:
        with open_binary(shard.path) as raw:
            raw.seek(shard.start)
            offset = shard.start
            for line in raw:
                if shard.end is not None and offset >= shard.end:
                    break
                offset += len(line)
                text = line.decode("utf-8", errors="replace").strip()
                if text and not text.startswith("#"):
                    yield text

    def _entries(self, source: str) -> list[dict[str, Any]] | RejectRow:
        direct = direct_video(source)
        if direct is not None:  # one video (a watch URL with &list= too): fetched below, only if not cached
            return [{"id": direct[0], "url": direct[1]}]
        key = f"source:{source}"
        cached = None if self.config.refresh_sources else self.cache.get(key)
        if cached is not None:
            return cached
        try:
            entries = self.fetcher.expand(source)
        except RejectRow as failed:
            return failed
        flat = []
        for entry in entries:
            if entry.get("_type", "video") == "video" and entry.get("id"):
                self._store(entry)  # a watch URL: the expansion already is the full fetch
            flat.append({"id": entry.get("id"), "url": entry.get("url") or entry.get("webpage_url")})
        self.cache.put(key, flat)
        return flat

    def _store(self, info: dict[str, Any]) -> dict[str, Any]:
        value = {"info": trim_info(info), "fetched_at": time.time(), "ytdlp_version": YTDLP_VERSION}
        self.cache.put(f"video:{info['id']}", value)
        return value

    def _video(self, entry: dict[str, Any], source: str) -> Record:
        video_id, url = entry["id"], entry.get("url") or f"https://www.youtube.com/watch?v={entry['id']}"
        where = {"id": f"youtube:{video_id}", "url": url, "source": source}
        value = self.cache.get(f"video:{video_id}")
        if value is None:
            try:
                value = self._store(self.fetcher.fetch(url))
            except RejectRow as failed:
                if failed.reason in PERMANENT:
                    self.cache.put(f"video:{video_id}", {"failed": failed.reason, "detail": failed.detail})
                return failed.reject(where)
        else:
            self.counters["cache_hits"] += 1
        if "failed" in value:
            return Reject(where, value["failed"], value["detail"])
        try:
            return normalize(value["info"], source=source, fetched_at=value["fetched_at"],
                             ytdlp_version=value["ytdlp_version"])  # fmt: skip
        except RejectRow as bad:
            return bad.reject(where)

    def records(self, shard: InputShard) -> Iterator[Record]:
        seen: set[str] = set()
        try:
            for source in self._sources(shard):
                entries = self._entries(source)
                if isinstance(entries, RejectRow):
                    yield entries.reject({"source": source})
                    continue
                for entry in entries:
                    if entry.get("id") and entry["id"] not in seen:
                        seen.add(entry["id"])
                        yield self._video(entry, source)
        except CrawlStopped as stop:
            self.cache.flush()
            raise CrawlStopped(stop.reason, f"{stop} ({len(seen)} videos seen in this shard; fetched ones are "
                                            "cached, rerun to resume)") from None  # fmt: skip
