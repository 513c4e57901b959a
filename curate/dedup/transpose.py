"""A transposition-invariant key of an ABC tune: its melody as (semitone interval, duration) steps.

Pitches are resolved the ABC 2.1 way: the key signature (from `K:`, also inline `[K:]`), then
accidentals written in the bar, carried to the bar line. The same tune written in two keys gives
the same steps. Chord symbols, decorations, annotations and grace notes are ignored; chords count
by their first note. Tunes with fewer than `min_notes` notes get no key (too short to call equal).
"""

from __future__ import annotations

import re

from curate.hashing import digest

_MAJOR_FIFTHS = {"C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5, "F": -1}
_MODE_SHIFT = {
    "": 0,
    "maj": 0,
    "ion": 0,
    "m": -3,
    "min": -3,
    "aeo": -3,
    "dor": -2,
    "phr": -4,
    "lyd": 1,
    "mix": -1,
    "loc": -5,
}
_SHARP_ORDER = "FCGDAEB"
_STEP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTAL = {"^^": 2, "^": 1, "=": 0, "_": -1, "__": -2}

_KEY = re.compile(r"^\s*([A-Ga-g])([#b]?)\s*([A-Za-z]*)")
_SKIP = re.compile(r'"[^"]*"|![^!]*!|\+[^+\s]*\+|\{[^}]*\}|%[^\n]*')
_TOKEN = re.compile(r"\[K:([^\]]*)\]|\[[A-Za-z]:[^\]]*\]|(\^\^|\^|__|_|=)?([A-Ga-g])([',]*)([0-9]*/*[0-9]*[<>]*)|(\|)")
_HEADER = re.compile(r"^([A-Za-z]):(.*)$")


def key_signature(value: str) -> dict[str, int]:
    """Accidental per note letter implied by a `K:` value such as `G`, `Ador`, `Bb`, `F#m`, `Emix`."""
    match = _KEY.match(value)
    if not match:
        return {}
    tonic, sign, mode = match.group(1).upper(), match.group(2), match.group(3).lower()[:3]
    if mode not in _MODE_SHIFT:
        mode = "m" if mode.startswith("m") else ""
    fifths = _MAJOR_FIFTHS[tonic] + {"#": 7, "b": -7, "": 0}[sign] + _MODE_SHIFT[mode]
    letters = _SHARP_ORDER[:fifths] if fifths > 0 else _SHARP_ORDER[::-1][:-fifths]
    return {letter: (1 if fifths > 0 else -1) for letter in letters}


def melody(abc: str) -> list[tuple[int, str]]:
    """(MIDI-like pitch, duration text) of each note in order; '|' bars reset accidentals."""
    signature: dict[str, int] = {}
    body: list[str] = []
    for line in abc.replace("\r", "\n").split("\n"):
        header = _HEADER.match(line)
        if header:
            if header.group(1) == "K":
                signature = key_signature(header.group(2))
            continue
        body.append(line)
    notes: list[tuple[int, str]] = []
    bar: dict[tuple[str, int], int] = {}
    for m in _TOKEN.finditer(_SKIP.sub(" ", "\n".join(body))):
        if m.group(1) is not None:
            signature, bar = key_signature(m.group(1)), {}
        elif m.group(6):
            bar = {}
        elif m.group(3):
            letter = m.group(3)
            octave = (1 if letter.islower() else 0) + m.group(4).count("'") - m.group(4).count(",")
            slot = (letter.upper(), octave)
            if m.group(2):
                bar[slot] = _ACCIDENTAL[m.group(2)]
            shift = bar.get(slot, signature.get(letter.upper(), 0))
            notes.append((60 + 12 * octave + _STEP[letter.upper()] + shift, m.group(5)))
    return notes


def transposition_key(abc: str | None, min_notes: int = 8) -> str | None:
    """Digest of the interval/duration sequence, or None for tunes too short to compare."""
    notes = melody(abc or "")
    if len(notes) < min_notes:
        return None
    steps = [f"{b[0] - a[0]}:{b[1]}" for a, b in zip(notes, notes[1:], strict=False)]
    return digest(notes[0][1], steps)
