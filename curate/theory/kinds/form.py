"""The form of a tune (AABB, ABAC...): played with its repeats, cut into sections of 4 or 8 complete
bars, each section labelled by its music. Two sections share a letter when their bars are the same
(a different last bar is allowed: first and second endings); they get different letters when at
most a quarter of their bars agree. Anything in between (a varied repeat) is `ambiguous_form`.

Distractors change one section's letter or swap two neighbours, relabelled in order of appearance.
"""

from __future__ import annotations

import random
import string
from collections import Counter
from fractions import Fraction
from itertools import product
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext
from curate.theory.music import Unreadable, bar_quarters, first_part, parse_music21

Signature = tuple[tuple[float, str, float], ...]


def bar_signature(measure: music21.stream.Measure) -> Signature:
    """(offset, pitches or rest, length) of every note, chord and rest of the bar."""
    out = []
    for el in measure.recurse().notesAndRests:
        if el.duration.quarterLength == 0:
            continue  # grace notes
        what = "r" if el.isRest else " ".join(sorted(p.nameWithOctave for p in el.pitches))
        out.append((float(el.getOffsetInHierarchy(measure)), what, float(el.duration.quarterLength)))
    return tuple(out)


def played_bars(score: music21.stream.Score) -> list[Signature]:
    """Bars as played (repeats and endings expanded); a pickup or any partial bar is refused."""
    length = bar_quarters(score)
    if length is None:
        raise RejectRow("no_meter")
    try:
        expanded = first_part(score).expandRepeats()
    except (music21.repeat.ExpanderException, music21.exceptions21.Music21Exception) as err:
        raise RejectRow("unreadable_repeats", str(err)) from err
    bars = list(expanded.getElementsByClass(music21.stream.Measure))
    partial = [i for i, m in enumerate(bars) if Fraction(m.duration.quarterLength).limit_denominator(64) != length]
    if partial:
        raise RejectRow(
            "irregular_bars", f"bar {partial[0] + 1} of {len(bars)} played does not fill the meter (pickup?)"
        )
    return [bar_signature(m) for m in bars]


def label(sections: list[list[Signature]]) -> str:
    size = len(sections[0])
    kinds: list[tuple[str, list[Signature]]] = []  # (letter, first section with it)
    letters = []
    for section in sections:
        found = None
        for letter, first in kinds:
            same = sum(a == b for a, b in zip(section, first, strict=True))
            if same == size or (same == size - 1 and section[-1] != first[-1]):
                found = letter
                break
            if same > size // 4:
                raise RejectRow("ambiguous_form", f"a section shares {same} of {size} bars with section {letter}")
        if found is None:
            found = string.ascii_uppercase[len(kinds)]
            kinds.append((found, section))
        letters.append(found)
    return "".join(letters)


def section_size(count: int) -> int:
    for size in (8, 4):
        if count % size == 0 and 4 <= count // size <= 8:
            return size
    if count % 4 == 0 and 2 <= count // 4 <= 3:
        return 4
    raise RejectRow("irregular_form", f"{count} bars played do not make 2-8 sections of 4 or 8 bars")


def canonical(form: str) -> str:
    names: dict[str, str] = {}
    return "".join(names.setdefault(c, string.ascii_uppercase[len(names)]) for c in form)


def near_forms(form: str) -> list[str]:
    """Forms one mistake away: one section relabelled, or two neighbours swapped."""
    pool = sorted(set(form)) + [string.ascii_uppercase[len(set(form))]]
    out: list[str] = []
    for i in range(len(form)):
        for letter in pool:
            out.append(canonical(form[:i] + letter + form[i + 1 :]))
        if i + 1 < len(form):
            out.append(canonical(form[:i] + form[i + 1] + form[i] + form[i + 2 :]))
    return sorted({f for f in out if f != form})


class Form(Kind):
    name = "form"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        ctx.require_score()
        bars = ctx.bars()
        if len(bars) > 40:
            raise RejectRow("too_long", f"{len(bars)} bars")
        common = Counter(b.duration for b in bars).most_common(1)[0][0]
        if bars[0].duration != common:  # cheap early refusal of pickups, before any parse
            raise RejectRow("irregular_bars", "the first bar is a pickup")
        abc = ctx.header("L", "M", "K") + " ".join(b.text for b in bars) + "\n"
        try:
            played = played_bars(parse_music21(abc))
        except Unreadable as err:
            raise RejectRow("unreadable", str(err)) from err
        size = section_size(len(played))
        params = {"section_bars": size}
        form = label([played[i : i + size] for i in range(0, len(played), size)])
        if len(set(form)) < 2:
            raise RejectRow("one_section", f"every section has the same music ({form})")
        pool = near_forms(form)
        if len(pool) < 3:  # short forms: any other form of as many sections
            pool = sorted({canonical(f) for f in product("ABC", repeat=len(form))} - {form})
        if len(pool) < 3:
            raise RejectRow("too_few_options", f"only {len(pool)} other forms of {len(form)} sections")
        distractors = rng.sample(pool, 3)
        stem = (f"Played with its repeats and cut into {size}-bar sections, what is the form of this tune? "
                "Sections with the same music (a different last bar allowed) share a letter.")  # fmt: skip
        analysis = (f"With repeats played the tune has {len(form) * size} bars, {len(form)} sections of {size}; "
                    f"comparing their notes bar by bar gives {form}.")  # fmt: skip
        return Draft(abc, stem, params, form, distractors, analysis)

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> str:
        bars = played_bars(score)
        size = int(params["section_bars"])
        if len(bars) % size or len(bars) // size < 2:
            raise RejectRow("irregular_form", f"{len(bars)} bars played in sections of {size}")
        return label([bars[i : i + size] for i in range(0, len(bars), size)])
