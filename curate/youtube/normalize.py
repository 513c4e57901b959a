"""One yt-dlp info dict -> one `songs` row, or a `RejectRow` naming why it cannot be one.

Works on dumps (`yt-dlp -j`/`-J`, `.info.json`) and on freshly fetched dicts alike. Types are
checked, not trusted: a dump edited by hand or by another tool may carry strings for numbers. A clean
numeric string (`"213"`, `"3.5"`) is converted and counted (`coerced_<field>`); anything else in a
number's place (`"1.2M"`, `"12 min"`) is `bad_type`. `raw_info` keeps the record as it came.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from typing import Any

from curate.hashing import canonical_json
from curate.stage import RejectRow
from curate.youtube.description import clean_description, parse_provided

# Bulky or volatile parts of an info dict: not metadata, and they would dominate the stored row.
BULKY_KEYS = frozenset(
    {"formats", "requested_formats", "requested_downloads", "thumbnails", "automatic_captions", "subtitles",
     "requested_subtitles", "heatmap", "http_headers", "storyboards", "fragments", "url", "manifest_url",
     "_format_sort_fields", "_filename", "filename", "__files_to_move", "__postprocessors"}
)  # fmt: skip
_NUMBERS = ("duration", "view_count", "like_count", "release_year", "epoch")
_STRINGS = ("title", "fulltitle", "description", "channel", "channel_id", "uploader", "track", "album",
            "artist", "upload_date", "release_date", "webpage_url")  # fmt: skip
_LISTS = ("tags", "categories", "artists")
_NUMBER_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def trim_info(info: dict[str, Any]) -> dict[str, Any]:
    trimmed = info.copy()  # a C-level copy, then a few deletions: cheaper than rebuilding key by key
    for key in BULKY_KEYS.intersection(info):
        del trimmed[key]
    return trimmed


def _coerce_numbers(info: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The info with clean numeric strings in number fields made numbers, and the fields changed."""
    changed = [k for k in _NUMBERS if isinstance(info.get(k), str) and _NUMBER_TEXT.fullmatch(info[k])]
    if not changed:
        return info, changed
    fixed = info.copy()
    for key in changed:
        fixed[key] = float(info[key]) if "." in info[key] else int(info[key])
    return fixed, changed


def _check_types(info: dict[str, Any]) -> None:
    for key in _NUMBERS:
        value = info.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise RejectRow("bad_type", f"'{key}' should be a number, got {type(value).__name__}")
    for key in _STRINGS:
        value = info.get(key)
        if value is not None and not isinstance(value, str):
            raise RejectRow("bad_type", f"'{key}' should be a string, got {type(value).__name__}")
    for key in _LISTS:
        value = info.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise RejectRow("bad_type", f"'{key}' should be a list of strings")


def _row_id(info: dict[str, Any]) -> tuple[str, str]:
    video_id = info.get("id")
    if not isinstance(video_id, str) or not video_id.strip():
        raise RejectRow("missing_field", "no video 'id'")
    kind = info.get("_type", "video")
    if kind != "video":
        raise RejectRow("not_a_video", f"_type is '{kind}' (a flat entry or playlist, not a video's metadata)")
    extractor = str(info.get("extractor_key") or "Youtube")
    prefix = "youtube" if extractor.lower().startswith("youtube") else extractor.lower()
    return f"{prefix}:{video_id}", video_id


def _date(value: str | None) -> dt.date | None:
    if not value or len(value) != 8 or not value.isdigit():
        return None
    try:
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _chapters(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    out = []
    for ch in value:
        if isinstance(ch, dict):
            out.append({"title": ch.get("title"), "start_s": ch.get("start_time"), "end_s": ch.get("end_time")})
    return out


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def normalize(info: dict[str, Any], *, source: str, fetched_at: float | None = None,
              ytdlp_version: str | None = None, counts: Counter[str] | None = None) -> dict[str, Any]:  # fmt: skip
    """The `songs` row for one video's info dict; raises `RejectRow`. `counts` gets `coerced_<field>`."""
    if not isinstance(info, dict):
        raise RejectRow("not_an_object", f"expected a JSON object, got {type(info).__name__}")
    row_id, video_id = _row_id(info)
    original = info
    info, coerced = _coerce_numbers(info)
    _check_types(info)
    if info.get("title") is None and info.get("description") is None:
        raise RejectRow("unavailable", "no title and no description: removed, private or a failed fetch")
    description = info.get("description")
    auto = parse_provided(description)
    artists = info.get("artists") or ([a.strip() for a in info["artist"].split(",")] if info.get("artist") else [])
    track, album = info.get("track"), info.get("album")
    year = info.get("release_year") or (int(info["release_date"][:4]) if _date(info.get("release_date")) else None)
    if track or album or artists:
        evidence = "music_fields"
    elif auto is not None:
        evidence = "auto_generated"
    elif "Music" in (info.get("categories") or []):
        evidence = "category"
    else:
        evidence = "none"
    if auto is not None:
        track, album = track or auto.track, album or auto.album
        artists, year = artists or auto.artists, year or auto.release_year
    raw = canonical_json(trim_info(original))
    epoch = fetched_at if fetched_at is not None else info.get("epoch")
    version = ytdlp_version
    if version is None and isinstance(info.get("_version"), dict):
        version = info["_version"].get("version")
    if counts is not None:
        counts.update(f"coerced_{key}" for key in coerced)
    return {
        "id": row_id,
        "video_id": video_id,
        "title": info.get("title") or info.get("fulltitle"),
        "artists": artists or None,
        "track": track,
        "album": album,
        "label": auto.label if auto else None,
        "release_year": _int(year),
        "channel": info.get("channel") or info.get("uploader"),
        "channel_id": info.get("channel_id"),
        "description": description,
        "description_clean": clean_description(description),
        "tags": info.get("tags"),
        "categories": info.get("categories"),
        "duration_s": None if info.get("duration") is None else float(info["duration"]),
        "upload_date": _date(info.get("upload_date")),
        "view_count": _int(info.get("view_count")),
        "like_count": _int(info.get("like_count")),
        "chapters": _chapters(info.get("chapters")),
        "is_music": evidence != "none",
        "music_evidence": evidence,
        "source_url": info.get("webpage_url") or info.get("original_url"),
        "source": source,
        "fetched_at": None if epoch is None else dt.datetime.fromtimestamp(float(epoch), dt.UTC),
        "ytdlp_version": version,
        "raw_info": raw,
        "raw_hash": hashlib.sha256(raw.encode()).hexdigest(),
    }
