"""How many complete bars a tune has (a pickup and a closing partial bar are no bars; repeats are
counted once). Distractors: the count with the pickup, with repeats played, and one fewer."""

from __future__ import annotations

import random
import re
from fractions import Fraction
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext
from curate.theory.music import bar_quarters, measures


class Bars(Kind):
    name = "bars"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        bars = ctx.bars()
        if len(bars) > 40:
            raise RejectRow("too_long", f"{len(bars)} bars")
        if re.search(r"\[\d|\|\d", " ".join(b.text for b in bars)):
            raise RejectRow("has_endings", "first/second endings make the count ambiguous")
        abc = ctx.header("L", "M", "K") + " ".join(b.text for b in bars) + "\n"
        count = self.solve_path1(abc, {})
        repeats = " ".join(b.text for b in bars).count(":|")
        pool = [count + 1, count - 1, count + 2, count * 2 if repeats else count - 2, count + 4]
        distractors: list[str] = []
        for n in pool:
            if n > 0 and n != count and str(n) not in distractors and len(distractors) < 3:
                distractors.append(str(n))
        analysis = (f"Counting only bars that fill the meter ({ctx.field('M')}), with no pickup and no repeats "
                    f"played, the tune has {count} bars.")  # fmt: skip
        stem = "How many complete bars does this tune have? Do not count a pickup or play repeats."
        return Draft(abc, stem, {}, str(count), distractors, analysis)

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> int:
        length = bar_quarters(score)
        if length is None:
            raise RejectRow("no_meter")
        full = [m for m in measures(score) if Fraction(m.duration.quarterLength).limit_denominator(64) == length]
        if not full:
            raise RejectRow("no_full_bar")
        return len(full)
