"""A tune's chord symbols: read from the ABC text, parsed with music21's harmony parser, placed on the
melody by abc2xml (`<harmony>` positions), and checked against the melody on the strong beats.

The fit is the share of strong beats whose sounding melody note is a tone of the sounding chord
(`Melody.strong_beats`); beats in a rest or before the first chord are not counted.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from music21 import harmony

from curate.tune import Unusable
from curate.tune.melody import Melody

_QUOTED = re.compile(r'"([^"]*)"')
_FIELD_LINE = re.compile(r"^\s*(%|[A-Za-z]:)")  # comments, lyrics (w:) and inline field lines hold no chords
_CHORD_SYNTAX = re.compile(
    r"^[A-G][#b=]?(?:maj|Maj|ma|M|min|mi|m|aug|dim|o|\+|-)?\d{0,2}(?:sus[24]?)?(?:[#b]?(?:2|4|5|6|7|9|11|13))*"
    r"(?:/[A-G][#b]?)?(?:\([^)]*\))?$"
)
_ALTERNATIVE = re.compile(r"\([^)]*\)$")  # "D(Bm)": the chord in parentheses is an alternative
_SPELLING = re.compile(r"^([A-G])([#b=]?)(-|mi(?!n)|ma(?!j)|Maj|M(?!aj))?(.*)$")
_FLAT = re.compile(r"(^|/)([A-G])b")  # ABC writes Bb, music21 B-
MIN_CHECKED_BEATS = 4


def music21_figure(figure: str) -> str:
    """ABC chord spelling in music21's: `Bb` -> `B-`, `D-`/`Dmi` -> `Dm`, `Gma7` -> `Gmaj7`, `C=` -> `C`,
    a parenthesized alternative dropped."""
    match = _SPELLING.match(_ALTERNATIVE.sub("", figure.strip()))
    if not match:
        return figure
    root, accidental, quality, rest = match.groups()
    quality = {"-": "m", "mi": "m", "ma": "maj", "Maj": "maj", "M": "maj"}.get(quality or "", quality or "")
    bass = _FLAT.sub(r"\1\2-", rest) if "/" in rest else rest
    return root + {"b": "-", "#": "#"}.get(accidental, "") + quality + bass


@functools.lru_cache(maxsize=4096)
def chord_tones(figure: str) -> frozenset[int]:
    """Pitch classes of a chord symbol; Unusable('unparsable_chord') when music21's parser refuses it."""
    try:
        symbol = harmony.ChordSymbol(music21_figure(figure))
    # music21's harmony parser raises ValueError or its own exceptions on figures it cannot read
    except (ValueError, IndexError, KeyError, harmony.HarmonyException) as err:
        raise Unusable("unparsable_chord", f"{figure!r}: {err}") from err
    if not symbol.pitches:
        raise Unusable("unparsable_chord", f"{figure!r} has no pitches")
    return frozenset(p.pitchClass for p in symbol.pitches)


def written_chords(body: str) -> list[str]:
    """Chord symbols of the music body in written order: quoted strings in chord syntax (a root A-G, a quality,
    extensions, a bass); other quoted text ("D.C.", fingerings "4", "Fine"), comments and lyrics left out."""
    lines = [line for line in body.splitlines() if not _FIELD_LINE.match(line)]
    return [m.group(1).strip() for m in _QUOTED.finditer("\n".join(lines)) if _CHORD_SYNTAX.match(m.group(1).strip())]


@dataclass(frozen=True)
class ChordFit:
    figures: tuple[str, ...]  # in written order
    bars: tuple[tuple[str, ...], ...]  # chord symbols written in each bar (empty: the previous chord sounds on)
    checked: int  # strong beats with a melody note and a sounding chord
    agreeing: int  # ... whose note is a chord tone

    @property
    def share(self) -> float:
        return self.agreeing / self.checked if self.checked else 0.0

    def progression(self) -> str:
        """One entry per written bar: its chords, or the chord sounding on from before (`N.C.` before any)."""
        out, last = [], "N.C."
        for chords in self.bars:
            if chords:
                last = chords[-1]
            out.append(" ".join(chords) if chords else last)
        return "| " + " | ".join(out) + " |"


def chord_fit(body: str, melody: Melody) -> ChordFit:
    figures = written_chords(body)
    if not figures:
        raise Unusable("no_chords")
    tones = [chord_tones(f) for f in figures]
    if len(figures) != len(melody.chord_onsets):
        raise Unusable(
            "chords_disagree", f"{len(figures)} chord symbols in the text, abc2xml placed {len(melody.chord_onsets)}"
        )
    onsets = [onset for onset, _ in melody.chord_onsets]
    checked = agreeing = 0
    for beat in melody.strong_beats():
        note, index = melody.sounding(beat), bisect.bisect_right(onsets, beat) - 1
        if note is None or index < 0:
            continue
        checked += 1
        agreeing += note.midi % 12 in tones[index]
    if checked < MIN_CHECKED_BEATS:
        raise Unusable("too_few_strong_beats", f"{checked} strong beats under a chord")
    per_bar: list[list[str]] = [[] for _ in melody.bar_starts]
    for figure, (_, bar) in zip(figures, melody.chord_onsets, strict=True):
        per_bar[bar].append(figure)
    return ChordFit(tuple(figures), tuple(tuple(b) for b in per_bar), checked, agreeing)


def without_chords(body: str) -> str:
    """The body with its chord symbols taken out (annotations, comments and lyrics kept)."""
    out = []
    for line in body.splitlines():
        if _FIELD_LINE.match(line):
            out.append(line)
            continue
        out.append(_QUOTED.sub(lambda m: "" if _CHORD_SYNTAX.match(m.group(1).strip()) else m.group(0), line))
    return "\n".join(out)
