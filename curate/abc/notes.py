"""Notes of a MusicXML score per measure, and the note-level fidelity of a round trip.

A note is (onset in the measure, MIDI pitch, duration), times in quarter notes as exact fractions.
Measures are compared one by one, so one bad measure costs only its own notes. Measures holding
no notes are skipped on both sides: stripping empty leading/trailing bars changes no note.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

Note = tuple[Fraction, float, Fraction]
_STEP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _pitch(note: ET.Element) -> float | None:
    pitch = note.find("pitch")
    if pitch is not None:
        step, octave = pitch.findtext("step", "C"), int(pitch.findtext("octave", "4"))
        alter = float(pitch.findtext("alter", "0") or 0)
    else:
        unpitched = note.find("unpitched")
        if unpitched is None:
            return None
        step, octave, alter = unpitched.findtext("display-step", "C"), int(unpitched.findtext("display-octave", "4")), 0
    value = 12 * (octave + 1) + _STEP[step.strip().upper()] + alter
    return int(value) if value == int(value) else value


def measures(root: ET.Element) -> list[Counter[Note]]:
    """Per measure index (position in the part, not the printed number), notes of all parts."""
    result: list[Counter[Note]] = []
    for part in root.findall("part"):
        divisions = Fraction(1)
        for index, measure in enumerate(part.findall("measure")):
            if index == len(result):
                result.append(Counter())
            time = last_onset = Fraction(0)
            for elem in measure:
                if elem.tag == "attributes" and elem.findtext("divisions"):
                    divisions = Fraction(elem.findtext("divisions", "1").strip())
                elif elem.tag in ("backup", "forward"):
                    step = Fraction(elem.findtext("duration", "0").strip()) / divisions
                    time += -step if elem.tag == "backup" else step
                elif elem.tag == "note":
                    if elem.find("grace") is not None:
                        continue
                    duration = Fraction(elem.findtext("duration", "0").strip()) / divisions
                    chord = elem.find("chord") is not None
                    onset = last_onset if chord else time
                    pitch = None if elem.find("rest") is not None else _pitch(elem)
                    # A cue note is not played but takes its time in the voice (engravers hide trills in them).
                    if pitch is not None and duration > 0 and elem.find("cue") is None:
                        result[index][(onset, pitch, duration)] += 1
                    if not chord:
                        last_onset, time = time, time + duration
    return result


@dataclass(frozen=True)
class Fidelity:
    score: float  # matched notes / max(source notes, output notes); 1.0 only when exact
    source_notes: int
    output_notes: int
    bad_measures: tuple[int, ...]  # indexes (among measures with notes) that differ

    @property
    def exact(self) -> bool:
        return not self.bad_measures and self.source_notes == self.output_notes


def compare(source: list[Counter[Note]], output: list[Counter[Note]]) -> Fidelity:
    src = [m for m in source if m]
    out = [m for m in output if m]
    matched, bad = 0, []
    for i in range(max(len(src), len(out))):
        a = src[i] if i < len(src) else Counter()
        b = out[i] if i < len(out) else Counter()
        common = sum((a & b).values())
        matched += common
        if common != a.total() or common != b.total():
            bad.append(i)
    n_src, n_out = sum(m.total() for m in src), sum(m.total() for m in out)
    denominator = max(n_src, n_out)
    return Fidelity(matched / denominator if denominator else 0.0, n_src, n_out, tuple(bad))


def transposed(source: list[Counter[Note]], semitones: int) -> list[Counter[Note]]:
    return [Counter({(o, p + semitones, d): n for (o, p, d), n in m.items()}) for m in source]
