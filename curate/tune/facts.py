"""Everything computed about one tune, each fact read once and kept: header fields and form from the
text, melody, chords, fit and motif through abc2xml. A fact the tune lacks raises `Unusable` (kept too,
so a second task asking for it pays nothing).
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from curate.tune import Unusable
from curate.tune.abctext import bars, form, header_value, split_header
from curate.tune.harmony import ChordFit, chord_fit
from curate.tune.melody import Melody, Note, read_melody
from curate.tune.motif import Motif, find_motif

_KEY = re.compile(r"^([A-G])([#b]?)(.*)$")
_MODES = {
    "": "major",
    "maj": "major",
    "ion": "major",
    "m": "minor",
    "min": "minor",
    "aeo": "minor",
    "dor": "dorian",
    "phr": "phrygian",
    "lyd": "lydian",
    "mix": "mixolydian",
    "loc": "locrian",
}
_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_DEGREES = {0: "I", 2: "II", 4: "III", 5: "IV", 7: "V", 9: "VI", 11: "VII"}


def key_name(field: str | None) -> str | None:
    """`D`, `Ador`, `F#min`, `Gmix` -> `D major`, `A dorian`, `F# minor`, `G mixolydian`; None for `none`, `HP`..."""
    match = _KEY.match((field or "").strip())
    if not match:
        return None
    words = [w for w in match.group(3).split() if "=" not in w]  # clef=, transpose=... are not the mode
    mode = _MODES.get(words[0].lower()[:3] if words else "")
    return f"{match.group(1)}{match.group(2)} {mode}" if mode else None


def meter_name(field: str | None) -> str | None:
    value = (field or "").strip()
    return {"C": "4/4", "C|": "2/2"}.get(value, value) or None


def pitch_name(note: Note) -> str:
    """Scientific pitch name as written (`F#5`, `Bb3`)."""
    return f"{note.step}{'#' * note.alter if note.alter > 0 else 'b' * -note.alter}{note.octave}"


class TuneFacts:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.abc: str = row.get("abc") or ""
        self.header, self.body = split_header(self.abc)
        self._kept: dict[str, Any] = {}

    def field(self, letter: str, column: str | None = None) -> str | None:
        return (self.row.get(column) if column else None) or header_value(self.header, letter)

    @property
    def key(self) -> str | None:
        return self.field("K", "key")

    @property
    def meter(self) -> str | None:
        return self.field("M", "meter")

    @property
    def unit(self) -> Fraction:
        value = self.field("L", "unit_length") or "1/8"
        return Fraction(value) if re.fullmatch(r"\d+/\d+", value) else Fraction(1, 8)

    @property
    def form(self) -> str | None:
        return form(self.abc)

    @property
    def bar_count(self) -> int:
        return len(bars(self.body))

    def _once(self, name: str, make: Any) -> Any:
        if name not in self._kept:
            try:
                self._kept[name] = make()
            except Unusable as err:
                self._kept[name] = err
        value = self._kept[name]
        if isinstance(value, Unusable):
            raise value
        return value

    def melody(self) -> Melody:
        return self._once("melody", lambda: read_melody(self.abc))

    def chords(self) -> ChordFit:
        return self._once("chords", lambda: chord_fit(self.body, self.melody()))

    def motif(self) -> Motif:
        return self._once("motif", lambda: find_motif(self.melody()))

    def cadence(self) -> str:
        """The final cadence as root motion of the last two chords against the key's tonic (`V-I`, `IV-I`...)."""
        figures = [f for f in self.chords().figures]
        name = key_name(self.key)
        if len(figures) < 2 or name is None:
            raise Unusable("no_cadence")
        tonic = _NAMES.index(_enharmonic(name.split()[0]))
        roots = []
        for figure in figures[-2:]:
            match = _KEY.match(figure)
            if not match:
                raise Unusable("no_cadence", figure)
            degree = (_NAMES.index(_enharmonic(match.group(1) + match.group(2))) - tonic) % 12
            if degree not in _DEGREES:
                raise Unusable("no_cadence", f"{figure} is chromatic in {name}")
            roots.append(_DEGREES[degree])
        return "-".join(roots)

    def summary(self) -> dict[str, Any]:
        """The facts a chat about the tune may state, each None when the tune lacks it."""
        out: dict[str, Any] = {
            "title": self.row.get("title"),
            "key": key_name(self.key),
            "meter": meter_name(self.meter),
            "form": self.form,
            "bars": self.bar_count,
        }
        try:
            melody = self.melody()
        except Unusable:
            return {**out, "range": None, "chords": None, "cadence": None, "motif": None}
        low = min(melody.notes, key=lambda n: n.midi)
        high = max(melody.notes, key=lambda n: n.midi)
        out["range"] = f"{pitch_name(low)} to {pitch_name(high)}"
        out["chords"] = out["cadence"] = out["motif"] = None
        try:
            out["chords"] = list(dict.fromkeys(self.chords().figures))
            out["cadence"] = self.cadence()
        except Unusable:
            pass  # a tune without (usable) chords: the chat says nothing about chords
        try:
            motif = self.motif()
            out["motif"] = {
                "abc": motif.abc(self.unit, melody.fifths),
                "occurrences": len(motif.occurrences),
                "bars": [o["bar"] for o in motif.describe()],
            }
        except Unusable:
            pass
        return out


def _enharmonic(name: str) -> str:
    flats = {"Db": "C#", "D#": "Eb", "Gb": "F#", "G#": "Ab", "A#": "Bb", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}
    return flats.get(name, name)
