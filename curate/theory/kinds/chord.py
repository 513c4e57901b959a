"""The quality of a marked chord. Folk tunes rarely write chords, so the chord is stacked in thirds on
a degree of the tune's own key and written under the tune's key signature (accidentals only where
the key signature does not give the note): naming it means applying the signature."""

from __future__ import annotations

import random
from typing import Any

import music21

from curate.stage import RejectRow
from curate.theory.abcwrite import abc_pitch
from curate.theory.item import Draft, Kind, TuneContext
from curate.theory.keys import settle_key, signature
from curate.theory.music import key_name, pitch_name

QUALITIES = {
    "major triad": "major triad", "minor triad": "minor triad", "diminished triad": "diminished triad",
    "augmented triad": "augmented triad", "dominant seventh chord": "dominant seventh",
    "major seventh chord": "major seventh", "minor seventh chord": "minor seventh",
    "half-diminished seventh chord": "half-diminished seventh", "diminished seventh chord": "diminished seventh",
}  # fmt: skip
TRIADS = ["major triad", "minor triad", "diminished triad", "augmented triad"]
SEVENTHS = ["dominant seventh", "major seventh", "minor seventh", "half-diminished seventh", "diminished seventh"]
ROMAN = ["I", "II", "III", "IV", "V", "VI", "VII"]


def quality(chord: music21.chord.Chord) -> str:
    name = QUALITIES.get(chord.commonName)
    if name is None:
        raise RejectRow("unnamed_chord", f"{chord.commonName} ({' '.join(p.nameWithOctave for p in chord.pitches)})")
    return name


def stacked(key: music21.key.Key, degree: int, seventh: bool) -> list[music21.pitch.Pitch]:
    """Thirds on `degree` of `key` (harmonic minor: V and VII get the leading note), from octave 4."""
    scale = music21.scale.HarmonicMinorScale(key.tonic) if key.mode == "minor" else key.getScale()
    pitches: list[music21.pitch.Pitch] = []
    for i in range(4 if seventh else 3):
        pitch = scale.pitchFromDegree((degree - 1 + 2 * i) % 7 + 1)
        pitch.octave = 4
        while pitches and pitch.ps <= pitches[-1].ps:
            pitch.octave += 1
        pitches.append(pitch)
    return pitches


class ChordQuality(Kind):
    name = "chord"

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        key, _ = settle_key(ctx.require_score())
        sig = signature(ctx.require_score())
        choices = [(d, s) for d in (1, 2, 4, 5, 6, 7) for s in (False, True)]
        rng.shuffle(choices)
        for degree, seventh in choices:  # some stacks (minor i7 in harmonic minor) have no common name
            pitches = stacked(key, degree, seventh)
            written = "".join(abc_pitch(p, sig) for p in pitches)
            abc = f"X:1\nL:1/4\nM:4/4\nK:{ctx.field('K')}\n[{written}]4 |]\n"
            try:
                answer = self.solve_path1(abc, {})
                break
            except RejectRow:
                continue
        else:
            raise RejectRow("unnamed_chord", f"no diatonic chord of {key_name(key)} has a common name")
        family = SEVENTHS if answer in SEVENTHS else TRIADS
        pool = [q for q in family if q != answer]
        distractors = rng.sample(pool, 3)
        names = " ".join(pitch_name(p) for p in pitches)
        analysis = (f"With the key signature applied the chord is {names}: the {ROMAN[degree - 1]}"
                    f"{'7' if seventh else ''} chord of {key_name(key)}, a {answer}.")  # fmt: skip
        stem = "What is the quality of the chord in this excerpt?"
        return Draft(abc, stem, {"degree": degree, "seventh": seventh}, answer, distractors, analysis)

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> str:
        chords = [c for c in score.recurse().getElementsByClass(music21.chord.Chord)
                  if not isinstance(c, music21.harmony.ChordSymbol) and len(c.pitches) >= 3]  # fmt: skip
        if not chords:
            raise RejectRow("no_chord", "the excerpt holds no chord of three or more notes")
        return quality(chords[0])
