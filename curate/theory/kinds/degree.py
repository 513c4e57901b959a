"""The scale degree of the last note of a one-bar excerpt, in the tune's settled key (given in the
stem). In minor, the raised seventh is the leading note and the lowered one the subtonic."""

from __future__ import annotations

import random
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.item import Draft, Kind, TuneContext, excerpt
from curate.theory.keys import settle_key
from curate.theory.music import key_name, notes, parse_key_name, parse_music21, pitch_name

NAMES = ["tonic", "supertonic", "mediant", "subdominant", "dominant", "submediant", "leading note", "subtonic"]


def degree_name(key: music21.key.Key, pitch: music21.pitch.Pitch) -> str:
    degree, accidental = key.getScaleDegreeAndAccidentalFromPitch(pitch)
    raised = accidental is not None and accidental.alter > 0
    if accidental is not None and not (key.mode == "minor" and degree == 7 and raised):
        raise RejectRow("chromatic_note", f"{pitch.name} is not diatonic in {key_name(key)}")
    if degree == 7:
        return "leading note" if key.mode == "major" or raised else "subtonic"
    return NAMES[degree - 1]


class Degree(Kind):
    name = "degree"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        key, why = settle_key(ctx.require_score())
        params = {"key": key_name(key)}
        bars = ctx.bars()
        order = list(range(len(bars)))
        rng.shuffle(order)
        for index in order[:12]:
            abc = excerpt(ctx, [bars[index]], "L", "M", "K")
            try:
                answer = self.solve_path1(abc, params)
            except RejectRow:
                continue
            if answer == "tonic" and rng.random() < 0.6:
                continue  # the tonic would dominate: tunes end phrases on it
            last = notes(parse_music21(abc))[-1].pitch
            pool = [n for n in NAMES if n != answer and not (key.mode == "major" and n == "subtonic")]
            analysis = (f"{why} The last note of the excerpt is {pitch_name(last)} (key signature applied), "
                        f"the {answer} of {key_name(key)}.")  # fmt: skip
            stem = f"This excerpt is from a tune in {key_name(key)}. Which scale degree is its last note?"
            return Draft(abc, stem, params | {"bar": index}, answer, rng.sample(pool, 3), analysis)
        raise RejectRow("no_degree", "no bar ends on a readable diatonic note")

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> str:
        found = notes(score)
        if not found:
            raise RejectRow("too_short", "no note")
        return degree_name(parse_key_name(params["key"]), found[-1].pitch)
