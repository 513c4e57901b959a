"""A tune's motif: the longest figure of 2-8 notes that recurs, exactly or transposed, at least three
times without overlapping, found in the melody as written.

A figure is a run of consecutive notes (no rest inside) taken as its durations and the intervals
between its notes, so a transposed repetition (every note moved by the same number of semitones) is
the same figure; a diatonic sequence whose interval qualities change is not. Figures of one repeated
pitch are not motifs. Ties: more occurrences first, then the earliest.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from curate.tune import Unusable
from curate.tune.melody import Melody, Note

MIN_NOTES, MAX_NOTES, MIN_OCCURRENCES = 2, 8, 3
_SHARPS, _FLATS = "FCGDAEB", "BEADGCF"


@dataclass(frozen=True)
class Motif:
    notes: tuple[Note, ...]  # its first occurrence
    occurrences: tuple[tuple[Note, int], ...]  # (first note, semitones from the first occurrence)

    def describe(self) -> list[dict[str, Any]]:
        """Where it occurs: bar (1-based, as written), onset in quarter notes, transposition in semitones."""
        return [
            {"bar": note.bar + 1, "onset": str(note.onset), "transposition": semis} for note, semis in self.occurrences
        ]

    def abc(self, unit: Fraction, fifths: int) -> str:
        return notes_abc(self.notes, unit, fifths)


def find_motif(melody: Melody) -> Motif:
    notes = melody.notes
    # runs[i]: how many notes from i on follow each other without a rest
    runs = [1] * len(notes)
    for i in range(len(notes) - 2, -1, -1):
        if notes[i + 1].onset == notes[i].onset + notes[i].duration:
            runs[i] = runs[i + 1] + 1
    for size in range(MAX_NOTES, MIN_NOTES - 1, -1):
        places: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for i in range(len(notes) - size + 1):
            if runs[i] < size:
                continue
            window = notes[i : i + size]
            steps = tuple(b.midi - a.midi for a, b in zip(window, window[1:], strict=False))
            if any(steps):
                places[(tuple(n.duration for n in window), steps)].append(i)
        best: list[int] = []
        for starts in places.values():
            kept: list[int] = []
            for i in starts:  # greedy left to right: the most occurrences that do not overlap
                if not kept or i >= kept[-1] + size:
                    kept.append(i)
            if len(kept) >= MIN_OCCURRENCES and (len(kept), -kept[0]) > (len(best), -(best[0] if best else 0)):
                best = kept
        if best:
            first = notes[best[0]]
            return Motif(notes[best[0] : best[0] + size], tuple((notes[i], notes[i].midi - first.midi) for i in best))
    raise Unusable("no_motif", f"no figure of {MIN_NOTES}-{MAX_NOTES} notes recurs {MIN_OCCURRENCES} times")


def notes_abc(notes: tuple[Note, ...], unit: Fraction, fifths: int) -> str:
    """Notes as ABC under a key signature, as one bar (an accidental holds for its letter and octave)."""
    signature = {s: 1 for s in _SHARPS[:fifths]} | {s: -1 for s in _FLATS[: -fifths if fifths < 0 else 0]}
    state: dict[tuple[str, int], int] = {}
    out = []
    for note in notes:
        current = state.get((note.step, note.octave), signature.get(note.step, 0))
        accidental = "" if note.alter == current else {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}[note.alter]
        state[(note.step, note.octave)] = note.alter
        if note.octave >= 5:
            letter = note.step.lower() + "'" * (note.octave - 5)
        else:
            letter = note.step + "," * (4 - note.octave)
        out.append(accidental + letter + _length(note.duration / (4 * unit)))
    return "".join(out)


def _length(multiple: Fraction) -> str:
    if multiple == 1:
        return ""
    if multiple.denominator == 1:
        return str(multiple.numerator)
    return f"/{multiple.denominator}" if multiple.numerator == 1 else f"{multiple.numerator}/{multiple.denominator}"
