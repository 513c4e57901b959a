"""Benchmark the scrape stage's CPU parts: dump normalization and language id (speed and accuracy).

    python bench/scrape.py [--lines 20000] [--texts 3000] [--read-mb 100]

Rows: json.loads alone (the floor) vs json.loads + normalize; langdetect on full text (the
reference) vs truncated, vs cached by text digest (on a corpus with repeats, as real crawls have),
vs cld2. Accuracy is on a labelled multilingual set: the sample's official-video and non-music
descriptions (ten languages) plus prose pairs; 'und' counts as wrong. Last line: one JSON object.

Reading: a dump of --read-mb MB through curate's reader (strict decoding per chunk, byte offsets,
truncation checks) vs plain json.loads per line of the same file (the reference), from the page cache.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import runpy
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from curate.io import file_encoding, json_lines
from curate.resources import samples_dir
from curate.stage import RejectRow
from curate.youtube.description import clean_description
from curate.youtube.langid import LanguageDetector
from curate.youtube.normalize import normalize

GEN = runpy.run_path(str(samples_dir() / "make_songs.py"))


def labelled() -> list[tuple[str, str]]:
    """(language, text) pairs whose language is known from how the sample was made."""
    rng = __import__("random").Random(7)
    out = [(song[0], clean_description(GEN["official"](rng, song)["description"])) for song in GEN["SONGS"]]
    out += [(item[0], item[4]) for item in GEN["NON_MUSIC"]]
    fields = {"title": "X", "artist": "Y", "album": "Z", "year": 1999, "genre": "pop"}
    for lang, pool in GEN["PROSE"].items():
        out += [(lang, " ".join(s.format(**fields) for s in pool[i : i + 2])) for i in range(1, len(pool), 2)]
    return out


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_normalize(n_lines: int) -> dict[str, float]:
    lines = [ln for ln in (samples_dir() / "songs.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    lines = (lines * (n_lines // len(lines) + 1))[:n_lines]

    def parse_only() -> None:
        for line in lines:
            with contextlib.suppress(json.JSONDecodeError):
                json.loads(line)

    def full() -> None:
        for i, line in enumerate(lines):
            with contextlib.suppress(json.JSONDecodeError, RejectRow):
                normalize(json.loads(line), source=f"songs.jsonl@{i}")

    return {"json.loads only (floor)": n_lines / timed(parse_only), "json.loads + normalize": n_lines / timed(full)}


def bench_read(megabytes: int) -> dict[str, float]:
    """MB/s reading a JSONL dump of about `megabytes` MB: curate's reader against plain json.loads per line."""
    lines = [ln for ln in (samples_dir() / "songs.jsonl").read_bytes().splitlines(keepends=True) if ln.strip()]
    block = b"".join(lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.jsonl"
        with open(path, "wb") as f:
            for _ in range(megabytes * 1_000_000 // len(block) + 1):
                f.write(block)
        size_mb = path.stat().st_size / 1e6

        def plain() -> None:
            with open(path, "rb") as f:
                for line in f:
                    with contextlib.suppress(json.JSONDecodeError):
                        json.loads(line)

        def checked() -> None:
            for _ in json_lines(path, encoding=file_encoding(path)):
                pass

        plain()  # warm the page cache: both read from memory
        rounds = [(timed(plain), timed(checked)) for _ in range(3)]  # alternating, best of 3: less noise
        return {"plain json.loads per line (reference)": size_mb / min(r[0] for r in rounds),
                "curate reader (strict decoding, offsets)": size_mb / min(r[1] for r in rounds)}  # fmt: skip


def bench_langid(n_texts: int) -> dict[str, tuple[float, float]]:
    data = labelled()
    corpus = [data[i % len(data)][1] for i in range(n_texts)]  # repeats, as re-uploads and boilerplate are
    variants = {
        "langdetect full text (reference)": LanguageDetector("langdetect", max_chars=100_000, cache_size=0),
        "langdetect first 300 chars": LanguageDetector("langdetect", max_chars=300, cache_size=0),
        "langdetect + digest cache": LanguageDetector("langdetect", max_chars=2000),
        "cld2": LanguageDetector("cld2", cache_size=0),
        "cld2 + digest cache": LanguageDetector("cld2"),
    }
    out = {}
    for name, detector in variants.items():
        correct = sum(detector.detect(text)[0] == lang for lang, text in data)
        fresh = LanguageDetector(detector.engine, max_chars=detector.max_chars, cache_size=detector.cache_size)
        seconds = timed(lambda d=fresh: [d.detect(t) for t in corpus])
        out[name] = (n_texts / seconds, correct / len(data))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--texts", type=int, default=3_000)
    parser.add_argument("--read-mb", type=int, default=100)
    args = parser.parse_args()
    read = bench_read(args.read_mb)
    print(f"{'read ' + str(args.read_mb) + ' MB dump':<40} {'MB/s':>12}")
    for name, rate in read.items():
        print(f"{name:<40} {rate:>12,.1f}")
    norm = bench_normalize(args.lines)
    lang = bench_langid(args.texts)
    print(f"{'what':<40} {'per second':>12} {'accuracy':>9}")
    for name, rate in norm.items():
        print(f"{name:<40} {rate:>12,.0f} {'':>9}")
    for name, (rate, acc) in lang.items():
        print(f"{name:<40} {rate:>12,.0f} {acc:>9.3f}")
    print(f"(labelled set: {len(labelled())} texts in {len(GEN['PROSE'])} languages; shared 2-core machine)")
    reference = lang["langdetect full text (reference)"]
    fast, cached = lang["cld2"], lang["cld2 + digest cache"]
    print(json.dumps({
        "read_mb_per_s": round(read["curate reader (strict decoding, offsets)"], 1),
        "read_plain_mb_per_s": round(read["plain json.loads per line (reference)"], 1),
        "read_slowdown": round(read["plain json.loads per line (reference)"]
                               / read["curate reader (strict decoding, offsets)"], 3),
        "normalize_rows_per_s": round(norm["json.loads + normalize"]),
        "langid_texts_per_s": round(fast[0]), "langid_accuracy": round(fast[1], 4), "langid_engine": "cld2",
        "langid_cached_texts_per_s": round(cached[0]),
        "langdetect_texts_per_s": round(reference[0]), "langdetect_accuracy": round(reference[1], 4),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
