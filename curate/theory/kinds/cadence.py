"""The cadence at a phrase end, from the harmony the score writes (chord symbols or block chords) in
the last two chords before a section end: V-I perfect, IV-I plagal, V-vi interrupted, anything-V
imperfect. A melody without written harmony is ambiguous and refused (`no_harmony`)."""

from __future__ import annotations

import random
import re
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext, excerpt
from curate.theory.keys import settle_key
from curate.theory.music import first_part, key_name, parse_key_name, parse_music21, pitch_name

CADENCES = ["perfect cadence", "imperfect cadence", "plagal cadence", "interrupted cadence"]
_HARMONY = re.compile(r'"[A-G][^"]*"|\[[^\]:|]*[A-Ga-g][^\]:|]*[A-Ga-g][^\]:|]*[A-Ga-g][^\]|]*\]')
_SECTION_END = re.compile(r"(:\||\|\||\|\])\s*\S*$")


def chord_events(score: music21.stream.Score) -> list[music21.chord.Chord]:
    """Chord symbols and block chords of three or more notes, in order, repeats of one root merged."""
    part = first_part(score)
    events: list[music21.chord.Chord] = []
    for c in part.recurse().getElementsByClass(music21.chord.Chord):
        if not isinstance(c, music21.harmony.ChordSymbol) and len(c.pitches) < 3:
            continue
        if isinstance(c, music21.harmony.ChordSymbol) and not c.pitches:
            continue  # "N.C." and unparsed symbols
        if events and events[-1].root().pitchClass == c.root().pitchClass:
            continue
        events.append(c)
    return events


def classify(key: music21.key.Key, before: music21.chord.Chord, last: music21.chord.Chord) -> str:
    a, b = key.getScaleDegreeFromPitch(before.root()), key.getScaleDegreeFromPitch(last.root())
    if b == 5:
        return "imperfect cadence"
    if (a, b) == (5, 1):
        return "perfect cadence"
    if (a, b) == (4, 1):
        return "plagal cadence"
    if (a, b) == (5, 6):
        return "interrupted cadence"
    raise RejectRow(
        "no_cadence", f"{before.root().name} to {last.root().name} in {key_name(key)} is no standard cadence"
    )


class Cadence(Kind):
    name = "cadence"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        bars = ctx.bars()
        if not any(_HARMONY.search(b.text) for b in bars):
            raise RejectRow("no_harmony", "the tune writes no chords, and a melody alone does not settle a cadence")
        key, _ = settle_key(ctx.require_score())
        ends = [i for i, b in enumerate(bars) if _SECTION_END.search(b.text) or i == len(bars) - 1]
        rng.shuffle(ends)
        params = {"key": key_name(key)}
        for end in ends:
            span = bars[max(0, end - 3) : end + 1]
            abc = excerpt(ctx, span, "L", "M", "K")
            try:
                answer = self.solve_path1(abc, params)
            except RejectRow:
                continue
            events = chord_events(parse_music21(abc))
            before, last = events[-2], events[-1]
            analysis = (f"In {key_name(key)} the phrase ends with {_root(before)} ({_degree(key, before)}) moving to "
                        f"{_root(last)} ({_degree(key, last)}): a {answer}.")  # fmt: skip
            stem = f"This excerpt ends a phrase of a tune in {key_name(key)}. Which cadence ends it?"
            distractors = [c for c in CADENCES if c != answer]
            return Draft(abc, stem, params, answer, distractors, analysis)
        raise RejectRow("no_cadence", "no phrase end closes with a standard cadence")

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> str:
        events = chord_events(score)
        if len(events) < 2:
            raise RejectRow("no_harmony", f"{len(events)} chords in the excerpt")
        return classify(parse_key_name(params["key"]), events[-2], events[-1])


def _root(chord: music21.chord.Chord) -> str:
    return pitch_name(chord.root())


def _degree(key: music21.key.Key, chord: music21.chord.Chord) -> str:
    degree = key.getScaleDegreeFromPitch(chord.root())
    return f"degree {degree}" if degree else "chromatic"
