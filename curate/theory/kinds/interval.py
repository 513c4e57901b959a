"""The interval between the first and the last note of a one- or two-bar excerpt (compound intervals
included). Distractors: the other quality of the same number, the simple/compound counterpart, and
the neighbouring number."""

from __future__ import annotations

import random
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext, excerpt
from curate.theory.music import notes, pitch_name

_PERFECT = {1, 4, 5}


def interval_name(iv: music21.interval.Interval) -> str:
    return iv.niceName.lower()


def between(a: music21.note.Note, b: music21.note.Note) -> music21.interval.Interval:
    low, high = sorted((a, b), key=lambda n: (n.pitch.ps, n.pitch.diatonicNoteNum))
    return music21.interval.Interval(noteStart=low, noteEnd=high)


def _named(quality: str, number: int) -> str | None:
    try:
        return interval_name(music21.interval.Interval(f"{quality}{number}"))
    except (music21.interval.IntervalException, ValueError):
        return None


def distractors(iv: music21.interval.Interval, rng: random.Random) -> list[str]:
    """Same number with another quality, the simple/compound counterpart, a neighbouring number."""
    number = iv.generic.undirected
    own = music21.interval.prefixSpecs[iv.specifier]
    other = number - 7 if number > 8 else number + 7
    near = number + rng.choice((-1, 1)) if number > 2 else number + 1
    groups = [[(q, number) for q in rng.sample("PMmAd", 5) if q != own],
              [(own, other), ("P", other), ("M", other)], [("P", near), ("M", near), ("m", near)]]  # fmt: skip
    result: list[str] = []
    for group in groups:
        for quality, n in group:
            name = _named(quality, n)
            if name and name != interval_name(iv) and name not in result:
                result.append(name)
                break
    return result


class IntervalKind(Kind):
    name = "interval"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        ctx.require_score()
        bars = ctx.bars()
        spans = [bars[i : i + width] for width in (1, 2) for i in range(len(bars) - width + 1)]
        spans = [s for s in spans if sum(b.notes for b in s) >= 2]
        if not spans:
            raise RejectRow("too_short", "no bar with two notes")
        rng.shuffle(spans)
        # Prefer compound intervals, then any non-unison: they make the harder questions.
        best: tuple[int, str, music21.interval.Interval] | None = None
        for span in spans[:24]:
            abc = excerpt(ctx, span, "L", "M", "K")
            try:
                iv = self.solve_path1(abc, {})
            except RejectRow:
                continue
            rank = 2 if iv.generic.undirected > 8 else 1 if iv.generic.undirected > 1 else 0
            if best is None or rank > best[0]:
                best = (rank, abc, iv)
        if best is None or best[0] == 0:
            raise RejectRow("no_interval", "no readable span whose ends differ in pitch")
        _, abc, iv = best
        answer = interval_name(iv)
        low, high = iv.noteStart.pitch, iv.noteEnd.pitch
        analysis = (f"The outer notes are {pitch_name(low)}{low.octave} and {pitch_name(high)}{high.octave} "
                    f"(key signature and accidentals applied): {iv.generic.undirected} letter steps counted "
                    f"inclusively and {int(iv.semitones)} semitones make a {answer}.")  # fmt: skip
        stem = "What is the interval between the first and the last note of this excerpt (ignoring direction)?"
        return Draft(abc, stem, {}, answer, distractors(iv, rng), analysis)

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> music21.interval.Interval:
        found = notes(score)
        if len(found) < 2:
            raise RejectRow("too_short", "fewer than two notes")
        return between(found[0], found[-1])

    def render(self, value: Any) -> str:
        return interval_name(value)
