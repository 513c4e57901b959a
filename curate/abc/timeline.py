"""Agreement of two readings of a piece on the whole timeline (absolute onsets as played).

A note is (onset, MIDI pitch, duration) from `independent_reader`; the two readings agree note for
note when the multisets are equal. Unlike a measure-by-measure comparison, inserted silence or a
lost repeat shifts every later onset and is seen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from curate.abc.independent_reader import PlayedNote


@dataclass(frozen=True)
class Agreement:
    reader: str  # who read both sides: abc2midi, verovio, midi_file+abc2midi
    score: float  # matched notes / max(reference notes, output notes); 1.0 only when exact
    reference_notes: int
    output_notes: int
    differing: tuple[Fraction, ...]  # played onsets (quarter notes) where the readings differ

    @property
    def exact(self) -> bool:
        return not self.differing and self.reference_notes == self.output_notes


def agree(reference: list[PlayedNote], output: list[PlayedNote], reader: str) -> Agreement:
    ref = Counter((n.onset, n.pitch, n.duration) for n in reference)
    out = Counter((n.onset, n.pitch, n.duration) for n in output)
    matched = sum((ref & out).values())
    differing = sorted({onset for onset, _, _ in (ref - out) + (out - ref)})
    denominator = max(len(reference), len(output))
    return Agreement(reader, matched / denominator if denominator else 0.0, len(reference), len(output),
                     tuple(differing))  # fmt: skip


def transposed(notes: list[PlayedNote], semitones: int) -> list[PlayedNote]:
    return [PlayedNote(n.onset, n.pitch + semitones, n.duration) for n in notes]


def describe(agreement: Agreement, bar_quarters: Fraction | None) -> str:
    """Where the readings differ: played bars (counted by the meter from the start) and onsets."""
    onsets = agreement.differing
    head = (f"{agreement.reader}: {agreement.reference_notes} source notes, {agreement.output_notes} in the output, "
            f"agreement {agreement.score:.4f}")  # fmt: skip
    if not onsets:
        return head
    where = ", ".join(_quarters(o) for o in onsets[:8])
    if bar_quarters:
        bars = sorted({int(o // bar_quarters) + 1 for o in onsets})
        head += "; played bars differ: " + ", ".join(str(b) for b in bars[:12]) + (" ..." if len(bars) > 12 else "")
    return f"{head}; at quarter notes {where}" + (" ..." if len(onsets) > 8 else "")


def _quarters(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"
