"""The youtube stage with real yt-dlp: fake extractors for watch/playlist/search, the generic extractor on loopback.

Offline: recorded info dicts are served by InfoExtractor subclasses registered on a real YoutubeDL;
faults (429 then success, permanent 403, timeout, a page with no video) come from a loopback server.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import scrape_fakes
from scrape_fakes import CALLS, EXTRACTORS, RECORDED
from scrape_server import HITS, serve

from curate.errors import CurateError
from curate.executors.local import LocalExecutor
from curate.pipeline import load_pipeline
from curate.ratelimit import RateLimiter
from curate.runner import run_pipeline
from curate.stage import RejectRow
from curate.youtube.fetch import Fetcher, FetchOptions

FAST = {"sleep_s": 0, "rate_per_min": None, "base_delay_s": 0.01, "max_delay_s": 0.05, "attempts": 3}
IDS = list(RECORDED["videos"])


def _run(tmp: Path, sources: list[str], version: str = "1", **config: object) -> tuple[pl.DataFrame, pl.DataFrame]:
    (tmp / "sources.txt").write_text("# crawl list\n" + "\n".join(sources) + "\n")
    doc = {"dataset": "crawl", "version": version, "inputs": {"s": {"path": "sources.txt"}},
           "steps": [{"name": "songs", "stage": "youtube", "input": "s", "config": {**FAST, **config}}]}  # fmt: skip
    (tmp / "p.yaml").write_text(json.dumps(doc))
    run_pipeline(load_pipeline(tmp / "p.yaml"), tmp / "store", LocalExecutor(1), manifests_dir=tmp / "m")
    base = tmp / "store" / "crawl" / version
    rejects = list((base / "rejects").glob("*.parquet"))
    return pl.read_parquet(base / "songs"), (pl.read_parquet(rejects) if rejects else pl.DataFrame())


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    CALLS.clear()


FAKES = {"extractors": EXTRACTORS, "only_listed_extractors": True}


def test_watch_playlist_search_ids_expand_then_fetch_each_video_once(tmp_path: Path) -> None:
    sources = ["https://www.youtube.com/playlist?list=PLsampleMix01", "ytsearch4:bossa nova", IDS[1],
               "PrivVideo01", "https://www.youtube.com/watch?v=NoSuchVide0"]  # fmt: skip
    songs, rejects = _run(tmp_path, sources, **FAKES)
    assert sorted(songs["video_id"].to_list()) == sorted(IDS)  # playlist 0-3, search 2-5, id 1 again: 6 unique
    assert all(CALLS[i] == 1 for i in IDS)  # flat entries were each fetched exactly once
    assert sorted(rejects["reason"].to_list()) == ["unavailable", "unavailable"]
    topic = songs.filter(pl.col("music_evidence") != "category")
    assert topic.height >= 1 and topic["label"].is_not_null().all()
    assert songs["ytdlp_version"].is_not_null().all() and songs["fetched_at"].is_not_null().all()

    again, rejects_again = _run(tmp_path, sources, version="2", **FAKES)  # new version, same cache
    assert sum(CALLS.values()) == len(IDS) + 2 + 2  # nothing fetched twice, not even the gone videos
    assert again.sort("id").drop("source").equals(songs.sort("id").drop("source"))
    assert sorted(rejects_again["reason"].to_list()) == ["unavailable", "unavailable"]


def test_throttling_stops_cleanly_and_a_rerun_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [IDS[0], IDS[1], "Throttled01", IDS[2]]
    with pytest.raises(CurateError, match="throttled this session"):
        _run(tmp_path, sources, **FAKES)
    assert CALLS["Throttled01"] == 1  # not retried: every further request would be wasted
    assert CALLS[IDS[2]] == 0
    monkeypatch.setitem(scrape_fakes.RECORDED, "throttled", [])  # an hour later
    songs, rejects = _run(tmp_path, sources, **FAKES)
    assert (CALLS[IDS[0]], CALLS[IDS[1]], CALLS[IDS[2]]) == (1, 1, 1)
    assert sorted(songs["video_id"].to_list()) == sorted(IDS[:3])
    assert rejects["reason"].to_list() == ["unavailable"]


def test_bot_check_stops_with_its_own_message(tmp_path: Path) -> None:
    with pytest.raises(CurateError, match="not a bot"):
        _run(tmp_path, ["BotCheck001", IDS[0]], **FAKES)


def test_request_budget_stops_and_the_next_run_continues(tmp_path: Path) -> None:
    sources = IDS[:5]
    with pytest.raises(CurateError, match="request budget of 3"):
        _run(tmp_path, sources, max_requests=3, **FAKES)
    assert sum(CALLS.values()) == 3
    songs, _ = _run(tmp_path, sources, max_requests=3, **FAKES)  # tomorrow's budget: the 2 left
    assert songs.height == 5 and all(CALLS[i] == 1 for i in IDS[:5])


def test_generic_extractor_on_loopback_with_faults(tmp_path: Path) -> None:
    with serve() as base:
        sources = [f"{base}/video/a", f"{base}/flaky/b", f"{base}/forbidden/c", f"{base}/slow/d", f"{base}/plain"]
        songs, rejects = _run(tmp_path, sources, timeout_s=0.3)
        hits = dict(HITS)
    assert sorted(songs["id"].to_list()) == ["generic:a", "generic:b"]
    row = songs.filter(pl.col("id") == "generic:a").row(0, named=True)
    assert (row["title"], row["channel"], row["duration_s"], row["view_count"]) == (
        "Live session: a", "Loopback Band", 201.0, 1234)  # fmt: skip
    assert hits["/flaky/b"] == 2  # 429 once, retried, then served
    assert hits["/forbidden/c"] == 3  # retried up to `attempts`, then rejected
    assert sorted(rejects["reason"].to_list()) == ["http_403", "timeout", "unsupported_url"]


class _RecordedPause(RateLimiter):
    """The shared pause would really sleep; here the injected sleep stands in for every wait."""

    def pause(self, seconds: float) -> None:
        self.paused = seconds


def test_retries_back_off_exponentially_and_sleep_between_requests() -> None:
    slept: list[float] = []
    with serve() as base:
        options = FetchOptions(sleep_s=0.25, rate_per_min=None, attempts=4, base_delay_s=1.0, retry_seed=1)
        fetcher = Fetcher(options, limiter=_RecordedPause(None), sleep=slept.append)
        with pytest.raises(RejectRow, match="403"):
            fetcher.fetch(f"{base}/forbidden/x")
    backoff = [s for s in slept if s != 0.25]
    assert slept.count(0.25) == 4 and len(backoff) == 3  # a polite pause after each request, 3 backoffs
    assert fetcher.limiter.paused == backoff[-1]  # type: ignore[union-attr]  # other threads wait too
    assert 0.5 <= backoff[0] <= 1.5 and 1.0 <= backoff[1] <= 3.0 and 2.0 <= backoff[2] <= 6.0
