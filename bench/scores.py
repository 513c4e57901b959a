"""Files/s and exact round-trip share per format on music21's corpus: curate's path vs NotaGen's plain path.

curate: isolated child, xml2abc (L:1/8, nbr) -> normalize -> abc2xml -> per-measure note comparison.
plain (NotaGen's flags `-d 8 -c 6 -x`, no normalization, in-process): xml2abc -> abc2xml -> same comparison.
Usage: python bench/scores.py [files per format]. Last line: one JSON object.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import music21
from converter21.abc import xml2abc

from curate.abc import notes, verified_tunes
from curate.abc.isolate import Isolated
from curate.abc.musicxml import to_bytes
from curate.abc.normalize import NormalizeOptions
from curate.abc.split import decode_abc, split_tunes

CORPUS = Path(music21.__file__).parent / "corpus"
FORMATS = {"musicxml": (".xml", ".mxl"), "kern": (".krn",), "abc": (".abc",)}


def _sources(fmt: str, n: int) -> list[tuple[str, str]]:
    paths = sorted(p for p in CORPUS.rglob("*") if p.suffix in FORMATS[fmt])
    step = max(1, len(paths) // n)
    if fmt != "abc":
        return [(fmt, str(p)) for p in paths[::step][:n]]
    tunes = [t for p in paths[::step][:n] for t in split_tunes(decode_abc(p.read_bytes()))[:2]]
    return [("abc", t) for t in tunes[:n]]


def plain(fmt: str, payload: str) -> bool:
    root = verified_tunes.load_source(fmt, payload).root
    abc, _ = xml2abc.vertaal(to_bytes(root), d=8, c=6, x=1)
    return notes.compare(notes.measures(root), notes.measures(verified_tunes._abc_to_root(abc))).exact


def main(n: int) -> None:
    options = NormalizeOptions(min_bars=1, check_alignment=False)
    runner = Isolated(timeout_s=60)
    table, summary = [], {}
    for fmt in FORMATS:
        sources = _sources(fmt, n)
        start = time.perf_counter()
        ours = [runner.call(verified_tunes.run_safe, f, p, options) for f, p in sources]
        ours_s = time.perf_counter() - start
        ours_exact = sum(o.ok and o.value[0].fidelity == 1.0 for o in ours)
        start, plain_exact = time.perf_counter(), 0
        for f, p in sources:
            with contextlib.suppress(Exception):  # the plain path has no isolation: a raise is not exact
                plain_exact += plain(f, p)
        plain_s = time.perf_counter() - start
        k = len(sources)
        table.append((fmt, k, k / ours_s, ours_exact / k, k / plain_s, plain_exact / k))
        summary[fmt] = {"n": k, "curate_per_s": round(k / ours_s, 2), "curate_exact": round(ours_exact / k, 3),
                        "plain_per_s": round(k / plain_s, 2), "plain_exact": round(plain_exact / k, 3)}  # fmt: skip
    runner.close()
    print(f"{'format':10}{'n':>5}{'curate/s':>10}{'exact':>8}{'plain/s':>10}{'exact':>8}")
    for fmt, k, a, b, c, d in table:
        print(f"{fmt:10}{k:>5}{a:>10.2f}{b:>8.2f}{c:>10.2f}{d:>8.2f}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
