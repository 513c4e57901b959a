"""Synthetic inputs for `bench/scale.py`: N `yt-dlp -j` lines and a few thousand score rows.

Songs are built from the bundled sample records (real song titles, ten languages): each line gets
a new video id, a description assembled from sentences of its language, and made-up counts, so most
lines are distinct documents. Planted on purpose: 4% re-uploads (same text, new id), 3% near
copies (one sentence changed), 0.1% broken lines, 5% non-music videos, 2% sparse records.
Scores are real ABC tunes from music21's corpus, as rows of the `scores` table.
Everything is seeded: the same N gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path
from typing import Any

from curate.resources import samples_dir

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_SENTENCE = re.compile(r"(?<=[.!?。])\s+")


def _video_id(i: int) -> str:
    digest = hashlib.blake2b(i.to_bytes(8, "little"), digest_size=11).digest()
    return "".join(_ALPHABET[b % 64] for b in digest)


def _bases() -> list[dict[str, Any]]:
    out = []
    for line in (samples_dir() / "songs.jsonl").read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str) and record.get("description"):
            out.append(record)
    return out


def _language(text: str) -> str:
    import pycld2

    return pycld2.detect(text)[2][0][1]


def _pools(bases: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, list[str]], dict[str, list[str]]]:
    """Each base's language, and the prose sentences and words of each language's descriptions."""
    language, sentences, words = {}, {}, {}
    for b in bases:
        prose = b["description"].split("\n\n")[0]
        lang = language[b["id"]] = _language(prose)
        sentences.setdefault(lang, []).extend(s for s in _SENTENCE.split(prose) if len(s) > 20)
        tokens = [w for w in prose.split() if w.isalpha()]
        if len(tokens) < 20:  # unspaced scripts (ja, zh...): two-character pieces instead of words
            tokens = [prose[i : i + 2] for i in range(0, len(prose) - 1, 2) if prose[i : i + 2].strip()]
        words.setdefault(lang, []).extend(tokens)
    return language, sentences, words


def write_songs(path: Path, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    bases = _bases()
    language, sentences, words = _pools(bases)
    written: list[dict[str, Any]] = []
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            roll = rng.random()
            if roll < 0.001:
                f.write('{"id": "' + _video_id(i) + '", "title": "cut off mid-li\n')
                continue
            if roll < 0.04 and written:  # re-upload: same text, new id and counts
                record = dict(rng.choice(written))
            elif roll < 0.07 and written:  # near copy: one sentence changed
                record = dict(rng.choice(written))
                parts = (record.get("description") or "").split(". ")
                parts[rng.randrange(len(parts))] = f"Uploaded again in {1990 + rng.randrange(35)} by a fan"
                record["description"] = ". ".join(parts)
            else:
                base = rng.choice(bases)
                lang = language[base["id"]]
                pool, vocab = sentences.get(lang) or [base["description"]], words.get(lang) or ["music"]
                prose = [*rng.sample(pool, k=min(2, len(pool))), " ".join(rng.choices(vocab, k=40)) + "."]
                record = dict(base)
                record["description"] = " ".join(prose) + "\n\n" + base["description"].split("\n\n", 1)[-1]
                if rng.random() < 0.05:
                    record["categories"] = ["People & Blogs"]
                if rng.random() < 0.02:
                    for key in ("description", "tags", "album", "artists", "track", "like_count"):
                        record.pop(key, None)
            video_id = _video_id(i)
            record["id"] = video_id
            record["display_id"] = video_id
            record["webpage_url"] = f"https://www.youtube.com/watch?v={video_id}"
            record["view_count"] = int(rng.paretovariate(1.2) * 1000)
            if len(written) < 20000:
                written.append(record)
            else:
                written[rng.randrange(20000)] = record  # a bounded pool of earlier lines to re-upload
            f.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_scores(path: Path, n: int) -> int:
    """Up to n real corpus tunes as `scores` rows (JSONL); returns how many were written."""
    import music21

    from curate.abc.split import decode_abc, split_tunes
    from curate.hashing import sha256_bytes, stable_id

    count = 0
    with path.open("w", encoding="utf-8") as f:
        for file in sorted(music21.corpus.getPaths(fileExtensions=["abc"])):
            data = Path(file).read_bytes()
            checksum = sha256_bytes(data)
            for index, tune in enumerate(split_tunes(decode_abc(data))):
                key = re.search(r"^K:\s*(\S+)", tune, re.M)
                meter = re.search(r"^M:\s*(\S+)", tune, re.M)
                row = {
                    "id": stable_id("score", checksum, index),
                    "abc": tune,
                    "key": key.group(1) if key else None,
                    "meter": meter.group(1) if meter else None,
                    "source_format": "abc",
                    "source_path": Path(file).name,
                    "source_checksum": checksum,
                    "tune_index": index,
                    "collection": Path(file).parent.name,
                    "fidelity": 1.0,
                }
                f.write(json.dumps(row) + "\n")
                count += 1
                if count >= n:
                    return count
    return count
