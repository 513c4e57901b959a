"""Benchmark the scrape stage's CPU parts: dump normalization and language id (speed and accuracy).

    python bench/scrape.py [--lines 20000] [--texts 3000]

Rows: json.loads alone (the floor) vs json.loads + normalize; langdetect on full text (the
reference) vs truncated, vs cached by text digest (on a corpus with repeats, as real crawls have),
vs cld2. Accuracy is on a labelled multilingual set: the sample's official-video and non-music
descriptions (ten languages) plus prose pairs; 'und' counts as wrong. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import runpy
import time
from collections.abc import Callable

from curate.resources import samples_dir
from curate.youtube.description import clean_description
from curate.youtube.langid import LanguageDetector
from curate.youtube.normalize import BadRecord, normalize

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
            with contextlib.suppress(json.JSONDecodeError, BadRecord):
                normalize(json.loads(line), source=f"songs.jsonl@{i}")

    return {"json.loads only (floor)": n_lines / timed(parse_only), "json.loads + normalize": n_lines / timed(full)}


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
    args = parser.parse_args()
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
        "normalize_rows_per_s": round(norm["json.loads + normalize"]),
        "langid_texts_per_s": round(fast[0]), "langid_accuracy": round(fast[1], 4), "langid_engine": "cld2",
        "langid_cached_texts_per_s": round(cached[0]),
        "langdetect_texts_per_s": round(reference[0]), "langdetect_accuracy": round(reference[1], 4),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
