"""Theory items per second per kind, and the share the independent check (abc2xml) rejects.

Run: python bench/theory.py [tunes]. Reads tunes from music21's bundled ABC corpus. The reference is
the cost of the two parses alone (music21's ABC reader and abc2xml + music21 on the whole tune), the
floor any generator that computes and checks answers pays. Last line: one JSON object.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections import Counter

import music21

from curate.abc.split import decode_abc, split_tunes
from curate.stage import RejectRow
from curate.theory.item import TuneContext, finish
from curate.theory.kinds import KINDS
from curate.theory.music import Unreadable, parse_abc2xml, parse_music21


def tunes(n: int) -> list[str]:
    out: list[str] = []
    for path in sorted(music21.corpus.getPaths(fileExtensions=("abc",)))[::7]:
        out += split_tunes(decode_abc(path.read_bytes()))[:2]
        if len(out) >= n:
            break
    return out[:n]


def main() -> None:
    sample = tunes(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
    start = time.perf_counter()
    for abc in sample:
        for parse in (parse_music21, parse_abc2xml):
            with contextlib.suppress(Unreadable):
                parse(abc)
    parse_s = time.perf_counter() - start
    made, checked, rejected_by_check, seconds = Counter(), Counter(), Counter(), Counter()
    for index, abc in enumerate(sample):
        t0 = time.perf_counter()
        ctx = TuneContext.from_abc(f"score:{index}", abc)
        seconds["_context"] += time.perf_counter() - t0
        for name, kind in KINDS.items():
            t0 = time.perf_counter()
            try:
                finish(kind, ctx)
                made[name] += 1
                checked[name] += 1
            except RejectRow as skip:
                if skip.reason.startswith("check_"):
                    checked[name] += 1
                    rejected_by_check[name] += 1
            seconds[name] += time.perf_counter() - t0
    print(f"{len(sample)} tunes; reference (both parses of each whole tune): {len(sample) / parse_s:.1f} tunes/s")
    print(f"{'kind':<10} {'items':>6} {'items/s':>8} {'reached check':>14} {'rejected by check':>18}")
    for name in KINDS:
        rate = made[name] / seconds[name] if seconds[name] else 0.0
        share = rejected_by_check[name] / checked[name] if checked[name] else 0.0
        print(f"{name:<10} {made[name]:>6} {rate:>8.1f} {checked[name]:>14} {share:>17.1%}")
    total_s = sum(seconds.values())
    result = {"tunes": len(sample), "items": sum(made.values()), "items_per_s": sum(made.values()) / total_s,
              "tunes_per_s": len(sample) / total_s, "reference_parse_tunes_per_s": len(sample) / parse_s,
              "check_reject_share": sum(rejected_by_check.values()) / max(1, sum(checked.values()))}  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
