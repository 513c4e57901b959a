"""Fake yt-dlp extractors serving recorded info dicts (tests/fixtures/scrape/recorded.json).

They are real `InfoExtractor`/`SearchInfoExtractor` subclasses registered on a real `YoutubeDL`,
so URL matching, flat playlist handling, processing and sanitizing are yt-dlp's own. `CALLS`
counts extractions per URL (in-process tests only).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

from yt_dlp.extractor.common import InfoExtractor, SearchInfoExtractor
from yt_dlp.utils import ExtractorError

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "scrape" / "recorded.json").read_text(encoding="utf-8"))
CALLS: Counter[str] = Counter()
WATCH = "https://www.youtube.com/watch?v={}"


class FakeYoutubeIE(InfoExtractor):
    IE_NAME = "youtube"
    _VALID_URL = r"https?://(?:www\.|music\.)?youtube\.com/watch\?v=(?P<id>[0-9A-Za-z_-]{11})"

    def _real_extract(self, url: str) -> dict:
        video_id = self._match_id(url)
        CALLS[video_id] += 1
        if video_id in RECORDED["private"]:
            raise ExtractorError("Private video. Sign in if you've been granted access to this video", expected=True)
        if video_id in RECORDED["throttled"]:
            # What YoutubeIE does for a rate-limited session when formats are optional: a warning, no error.
            self.raise_no_formats("This content isn't available, try again later.", expected=True)
            return {"id": video_id, "title": None, "formats": []}
        if video_id in RECORDED["bot"]:
            self.raise_no_formats("Sign in to confirm you\u2019re not a bot. Use --cookies", expected=True)
            return {"id": video_id, "title": None, "formats": []}
        if video_id not in RECORDED["videos"]:
            raise ExtractorError("Video unavailable. This video has been removed by the uploader", expected=True)
        return copy.deepcopy(RECORDED["videos"][video_id])


class FakeYoutubePlaylistIE(InfoExtractor):
    IE_NAME = "youtube:playlist"
    _VALID_URL = r"https?://(?:www\.|music\.)?youtube\.com/playlist\?list=(?P<id>[0-9A-Za-z_-]+)"

    def _real_extract(self, url: str) -> dict:
        playlist_id = self._match_id(url)
        CALLS[playlist_id] += 1
        ids = RECORDED["playlists"][playlist_id]
        entries = [self.url_result(WATCH.format(i), FakeYoutubeIE, i) for i in ids]
        return self.playlist_result(entries, playlist_id, f"Playlist {playlist_id}")


class FakeYoutubeSearchIE(SearchInfoExtractor):
    IE_NAME = "youtube:search"
    _SEARCH_KEY = "ytsearch"

    def _search_results(self, query: str):  # type: ignore[no-untyped-def]
        CALLS[f"search:{query}"] += 1
        for i in RECORDED["searches"].get(query, []):
            yield self.url_result(WATCH.format(i), FakeYoutubeIE, i)


EXTRACTORS = [f"scrape_fakes:{c.__name__}" for c in (FakeYoutubeIE, FakeYoutubePlaylistIE, FakeYoutubeSearchIE)]
