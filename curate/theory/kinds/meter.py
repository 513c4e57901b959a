"""The meter of a tune. The excerpt drops M:, so the meter must be read from the bars; distractors all
have other bar lengths, so exactly one option fits the notes (6/8 against 2/4, 4/4, 9/8, not 3/4)."""

from __future__ import annotations

import random
from collections import Counter
from fractions import Fraction
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext
from curate.theory.music import measures

POOL = ("2/4", "3/4", "4/4", "2/2", "3/8", "6/8", "9/8", "12/8", "5/4", "7/8", "3/2", "6/4")
_NAMES = {"C": "4/4", "C|": "2/2"}


def bar_length(meter: str) -> Fraction:
    num, den = meter.split("/")
    return Fraction(4 * int(num), int(den))


def describe(meter: str) -> str:
    num, den = (int(x) for x in meter.split("/"))
    if num % 3 == 0 and num > 3 and den >= 8:
        return f"{num // 3} dotted-{_unit(den // 2)} beats, each of three {_unit(den)}s"
    return f"{num} {_unit(den)} beats"


def _unit(den: int) -> str:
    return {1: "whole note", 2: "half note", 4: "quarter note", 8: "eighth note", 16: "sixteenth note"}.get(
        den, f"1/{den}"
    )


class Meter(Kind):
    name = "meter"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        written = (ctx.field("M") or "").strip()
        meter = _NAMES.get(written, written)
        if meter not in POOL:
            raise RejectRow("unsupported_meter", f"M:{written}")
        bars = ctx.bars()
        if len(bars) < 4:
            raise RejectRow("too_short", f"{len(bars)} bars")
        abc = ctx.header("L", replace={"L": ctx.field("L") or _default_l(meter)}) + f"K:{ctx.field('K') or 'C'}\n"
        abc += " ".join(b.text for b in bars[:16]) + "\n"
        value = self.solve_path1(abc, {})
        if not self.matches(value, meter):
            raise RejectRow("excerpt_disagrees", f"bars last {value} quarters, M:{meter} needs {bar_length(meter)}")
        length = bar_length(meter)
        others = [m for m in POOL if bar_length(m) != length]
        others.sort(key=lambda m: (abs(bar_length(m) - length), m))
        distractors = rng.sample(others[:6], 3)
        analysis = (f"Full bars last {_q(length)} quarter notes, so the meter is {meter}: {describe(meter)}. "
                    f"None of {', '.join(distractors)} has bars of that length.")  # fmt: skip
        stem = "The time signature (M:) has been removed from this tune. What is its meter?"
        return Draft(abc, stem, {}, meter, distractors, analysis)

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> Fraction:
        lengths = Counter(Fraction(m.duration.quarterLength).limit_denominator(64) for m in measures(score)[1:-1])
        if not lengths:
            raise RejectRow("too_short", "no inner bars")
        (length, count), *rest = lengths.most_common()
        if count < 3 or count < 0.8 * sum(lengths.values()):
            raise RejectRow("irregular_bars", f"bar lengths {dict(lengths)}")
        return length

    def render(self, value: Any) -> str:
        return f"{_q(value)} quarter notes per bar"

    def matches(self, value: Any, option: str) -> bool:
        return option in POOL and bar_length(option) == value


def _q(value: Fraction) -> str:
    return str(value) if value.denominator != 1 else str(value.numerator)


def _default_l(meter: str) -> str:
    num, den = (int(x) for x in meter.split("/"))
    return "1/16" if num / den < 0.75 else "1/8"
