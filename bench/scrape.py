"""Benchmark the scrape stage's CPU parts: dump normalization and language id (speed and accuracy).

    python bench/scrape.py [--lines 20000] [--read-mb 100] [--split test]

Rows: json.loads alone (the floor) vs json.loads + normalize.

Reading: a dump of --read-mb MB through curate's reader (strict decoding per chunk, byte offsets,
truncation checks) vs plain json.loads per line of the same file (the reference), from the page cache.

Language id, on the real labelled set `bench/langid_real.jsonl` (translated message catalogs of Django and
Sphinx in 77 languages, see bench/langid_real.md; thresholds were tuned on its dev half, the report is on
the test half): every engine of the `langid` stage (auto, the default; cld2; py3langid; langdetect), the
stage's cld2 path before this work (its unreliable flag as a veto), and the plain libraries (pycld2,
py3langid, langdetect: first answer, codes folded to ISO 639-1 so spellings compare) in the same run.
Accuracy overall and per language with the dominant confusions ('und' counts as wrong); texts/s on one
core (CPU time, digest cache off; the cached row uses a corpus with repeats); accuracy by length on
single catalog strings, which sets `min_letters`. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pycld2

from curate.io import file_encoding, json_lines
from curate.langid import LanguageDetector, engines, iso639_1
from curate.langid.scripts import scripts
from curate.resources import samples_dir
from curate.stage import RejectRow
from curate.youtube.normalize import normalize

REAL_SET = Path(__file__).resolve().parent / "langid_real.jsonl"


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


def real_set(split: str) -> list[tuple[str, str]]:
    """(language, text) of one half of the real labelled set."""
    rows = [json.loads(line) for line in REAL_SET.read_text(encoding="utf-8").splitlines()]
    return [(row["lang"], row["text"]) for row in rows if row["split"] == split]


def _plain_cld2(text: str) -> str:
    return iso639_1(pycld2.detect(text)[2][0][1])


def _veto_cld2(text: str) -> str:
    """The stage's cld2 path before: 'und' whenever pycld2 flags its answer unreliable (and below 20 letters)."""
    if sum(ch.isalpha() for ch in text) < 20:
        return "und"
    reliable, _, details = pycld2.detect(text)
    return iso639_1(details[0][1]) if reliable else "und"


# name -> (short name for the per-language table, text -> language)
def langid_variants() -> dict[str, tuple[str, Callable[[str], str]]]:
    stage = {engine: LanguageDetector(engine, cache_size=0) for engine in ("auto", "cld2", "py3langid", "langdetect")}
    return {
        "stage auto (default)": ("auto", lambda t: stage["auto"].detect(t).lang),
        "stage cld2": ("cld2", lambda t: stage["cld2"].detect(t).lang),
        "stage py3langid": ("py3langid", lambda t: stage["py3langid"].detect(t).lang),
        "stage langdetect": ("langdetect", lambda t: stage["langdetect"].detect(t).lang),
        "before: stage cld2 (unreliable = und)": ("old cld2", _veto_cld2),
        "plain pycld2": ("pl.pycld2", _plain_cld2),
        "plain py3langid": ("pl.py3lid", lambda t: engines.py3langid(t).lang),
        "plain langdetect": ("pl.langdet", lambda t: engines.langdetect(t).lang),
    }


def langdetect_languages() -> set[str]:
    """The languages langdetect has a profile for (55), as ISO 639-1."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    return {iso639_1(name) for name in os.listdir(PROFILES_DIRECTORY)}


def _rate(fn: Callable[[str], str], texts: list[str], first_pass_s: float) -> float:
    """Texts per CPU second, the best of passes filling about a second (one pass when that took longer)."""
    best = first_pass_s
    for _ in range(min(20, int(1.0 / max(first_pass_s, 1e-3)))):
        start = time.process_time()
        for text in texts:
            fn(text)
        best = min(best, time.process_time() - start)
    return len(texts) / best


def bench_langid_real(split: str) -> dict[str, dict]:
    """Per variant: accuracy, texts/s, per-language accuracy and the confusions (truth, answer) by count."""
    data = real_set(split)
    texts = [text for _, text in data]
    engines.py3langid("warm up"), engines.langdetect("warm up the models")  # model loading is not per text
    known = langdetect_languages()
    out = {}
    for name, (short, fn) in langid_variants().items():
        start = time.process_time()
        answers = [fn(text) for text in texts]
        seconds = time.process_time() - start
        per_lang: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (lang, _), got in zip(data, answers, strict=True):
            per_lang[lang][0] += got == lang
            per_lang[lang][1] += 1
        pairs = list(zip([lang for lang, _ in data], answers, strict=True))
        on_known = [lang == got for lang, got in pairs if lang in known]
        out[name] = {
            "short": short,
            "accuracy": sum(lang == got for lang, got in pairs) / len(pairs),
            "accuracy_langdetect_languages": sum(on_known) / len(on_known),
            "texts_per_s": _rate(fn, texts, seconds),
            "per_lang": {lang: ok / n for lang, (ok, n) in per_lang.items()},
            "confusions": Counter((lang, got) for lang, got in pairs if got != lang),
        }
    corpus = texts * 3
    random.Random(0).shuffle(corpus)  # repeats, as re-uploads and boilerplate are
    cached = LanguageDetector("auto")
    start = time.process_time()
    for text in corpus:
        cached.detect(text)
    out["stage auto + digest cache (corpus with repeats)"] = {
        "texts_per_s": len(corpus) / (time.process_time() - start)
    }
    return out


def bench_langid_length(split: str) -> dict[str, dict[str, tuple[float, int]]]:
    """Accuracy by (CJK-weighted) letter count on single catalog strings: where short text stops being reliable."""
    lines = [(lang, line) for lang, text in real_set(split) for line in text.split("\n")]
    buckets = [(10, 20), (20, 30), (30, 40), (40, 60), (60, 10**6)]  # in this order in the output
    variants = {
        engine: LanguageDetector(engine, min_letters=1, cache_size=0) for engine in ("auto", "cld2", "py3langid")
    }
    out: dict[str, dict[str, tuple[float, int]]] = {}
    for name, detector in variants.items():
        hits: dict[str, list[int]] = {f"{lo}+" if hi > 1000 else f"{lo}-{hi - 1}": [0, 0] for lo, hi in buckets}
        for lang, line in lines:
            letters = scripts(line).total
            for lo, hi in buckets:
                if lo <= letters < hi:
                    key = f"{lo}+" if hi > 1000 else f"{lo}-{hi - 1}"
                    hits[key][0] += detector.detect(line).lang == lang
                    hits[key][1] += 1
        out[name] = {key: (ok / n if n else 0.0, n) for key, (ok, n) in hits.items()}
    return out


def print_langid(lang: dict[str, dict], length: dict[str, dict[str, tuple[float, int]]], split: str) -> None:
    data = real_set(split)
    known = langdetect_languages()
    print(f"\nlanguage id on the real {split} half: {len(data)} texts in {len({g for g, _ in data})} languages")
    print(f"{'what':<48} {'texts/s':>9} {'accuracy':>8} {'ld langs':>8}  dominant confusions (truth>answer count)")
    for name, result in lang.items():
        top = " ".join(f"{t}>{g} {n}" for (t, g), n in result.get("confusions", Counter()).most_common(6))
        accuracy = (
            f"{result['accuracy']:>8.3f} {result['accuracy_langdetect_languages']:>8.3f}"
            if "accuracy" in result
            else " " * 17
        )
        print(f"{name:<48} {result['texts_per_s']:>9,.0f} {accuracy}  {top}")
    n_known = sum(1 for g, _ in data if g in known)
    print(f"('ld langs': accuracy on the {n_known} texts in languages langdetect has a profile for)")
    names = [n for n in lang if "per_lang" in lang[n]]
    print("\nper language (accuracy; the default engine's confusions)")
    print(f"{'lang':<5} {'n':>3} " + " ".join(f"{lang[n]['short']:>10}" for n in names) + "  auto's confusions")
    auto = lang["stage auto (default)"]
    for code in sorted(auto["per_lang"]):
        n = sum(1 for g, _ in data if g == code)
        wrong = " ".join(f"{g} {c}" for (t, g), c in auto["confusions"].most_common() if t == code)
        cells = " ".join(f"{lang[name]['per_lang'][code]:>10.2f}" for name in names)
        print(f"{code:<5} {n:>3} {cells}  {wrong}")
    print("\naccuracy by letters on single catalog strings (CJK characters count 3; min_letters default 30)")
    keys = list(next(iter(length.values())))
    print(f"{'engine':<12} " + " ".join(f"{k:>13}" for k in keys))
    for name, by_len in length.items():
        print(f"{name:<12} " + " ".join(f"{by_len[k][0]:>6.3f} ({by_len[k][1]:>4})" for k in keys))


def langid_json(lang: dict[str, dict]) -> dict[str, float | str]:
    auto, ld, cld = lang["stage auto (default)"], lang["plain langdetect"], lang["plain pycld2"]
    cached = lang["stage auto + digest cache (corpus with repeats)"]
    return {
        "langid_accuracy": round(auto["accuracy"], 4), "langid_texts_per_s": round(auto["texts_per_s"]),
        "langid_engine": "auto", "langid_cached_texts_per_s": round(cached["texts_per_s"]),
        "langdetect_accuracy": round(ld["accuracy"], 4), "langdetect_texts_per_s": round(ld["texts_per_s"]),
        "pycld2_accuracy": round(cld["accuracy"], 4), "pycld2_texts_per_s": round(cld["texts_per_s"]),
        "langid_accuracy_langdetect_languages": round(auto["accuracy_langdetect_languages"], 4),
        "langdetect_accuracy_langdetect_languages": round(ld["accuracy_langdetect_languages"], 4),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000)
    parser.add_argument("--read-mb", type=int, default=100)
    parser.add_argument("--split", choices=["dev", "test"], default="test", help="half of the real langid set")
    args = parser.parse_args()
    read = bench_read(args.read_mb)
    print(f"{'read ' + str(args.read_mb) + ' MB dump':<40} {'MB/s':>12}")
    for name, rate in read.items():
        print(f"{name:<40} {rate:>12,.1f}")
    norm = bench_normalize(args.lines)
    print(f"{'what':<40} {'per second':>12}")
    for name, rate in norm.items():
        print(f"{name:<40} {rate:>12,.0f}")
    lang = bench_langid_real(args.split)
    print_langid(lang, bench_langid_length(args.split), args.split)
    print("(one process; CPU time per text; shared 2-core machine, other work running)")
    print(json.dumps({
        "read_mb_per_s": round(read["curate reader (strict decoding, offsets)"], 1),
        "read_plain_mb_per_s": round(read["plain json.loads per line (reference)"], 1),
        "read_slowdown": round(read["plain json.loads per line (reference)"]
                               / read["curate reader (strict decoding, offsets)"], 3),
        "normalize_rows_per_s": round(norm["json.loads + normalize"]),
        **langid_json(lang),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
