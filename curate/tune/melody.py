"""A tune's melody and chord symbols as abc2xml reads them: the notes of the first voice of the first
part and the position of every `<harmony>` (chord symbol), in quarter notes from the start, bar by bar
as written (repeats not played). No music21 score is built: walking the MusicXML is ten times cheaper.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction

from converter21.abc import abc2xml

from curate.abc.split import split_tunes
from curate.tune import Unusable

_STEP = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_INCLUDE = re.compile(r"^[ \t]*(%%abc-include|I:abc-include).*$", re.M | re.I)


@dataclass(frozen=True)
class Note:
    onset: Fraction  # quarter notes from the start of the tune
    duration: Fraction
    midi: int
    step: str  # letter, alter and octave as written (for writing the note back as ABC)
    alter: int
    octave: int
    bar: int  # index of the written bar (0 = first, a pickup included)


@dataclass(frozen=True)
class Melody:
    notes: tuple[Note, ...]
    chord_onsets: tuple[tuple[Fraction, int], ...]  # (onset, bar) of each chord symbol, in written order
    bar_starts: tuple[Fraction, ...]
    bar_lengths: tuple[Fraction, ...]  # as filled (a pickup is shorter than `bar_length`)
    beats: int
    beat_type: int
    fifths: int  # key signature: sharps (>0) or flats (<0)

    @property
    def bar_length(self) -> Fraction:
        return Fraction(4 * self.beats, self.beat_type)

    def strong_beats(self) -> list[Fraction]:
        """Onsets of the strong beats: each bar's downbeat, and its midpoint when the bar has an even number
        of beats (4/4: beats 1 and 3; 6/8: the two dotted quarters; 2/4: both beats; 3/4 and 9/8: the
        downbeat only), music21's beatStrength >= 0.5. A short first bar (a pickup) is aligned to its end."""
        compound = self.beat_type == 8 and self.beats in (6, 9, 12)
        count = self.beats // 3 if compound else self.beats
        offsets = [Fraction(0)] + ([self.bar_length / 2] if count % 2 == 0 else [])
        out = []
        for index, (start, length) in enumerate(zip(self.bar_starts, self.bar_lengths, strict=True)):
            shift = self.bar_length - length if index == 0 and length < self.bar_length else Fraction(0)
            out += [start + off - shift for off in offsets if 0 <= off - shift < length]
        return out

    def sounding(self, at: Fraction) -> Note | None:
        """The melody note sounding at `at` (started then or earlier, not yet ended); None in a rest."""
        for note in self.notes:  # notes are few (hundreds): a scan is cheaper than an index
            if note.onset <= at < note.onset + note.duration:
                return note
            if note.onset > at:
                return None
        return None


def musicxml(abc: str) -> ET.Element:
    """The first tune of `abc` as abc2xml's MusicXML; Unusable('unreadable') when abc2xml fails."""
    tunes = split_tunes(_INCLUDE.sub("", abc))  # abc2xml would read an included file from this machine
    if not tunes:
        raise Unusable("unreadable", "no tune in the text")
    text = tunes[0] if re.match(r"\s*X:", tunes[0]) else "X:1\n" + tunes[0]
    try:
        docs = abc2xml.getXmlDocs(text)
    # abc2xml re-raises whatever its parser hit; any failure means "unreadable" here.
    except Exception as err:  # noqa: BLE001
        raise Unusable("unreadable", f"abc2xml: {type(err).__name__}: {err}") from err
    finally:
        abc2xml.getInfo()  # clears its module-level message list, which otherwise grows forever
    if not docs:
        raise Unusable("unreadable", "abc2xml produced no score")
    return ET.fromstring(abc2xml.fixDoctype(docs[0]).encode("utf-8"))


def read_melody(abc: str) -> Melody:
    part = musicxml(abc).find("part")
    if part is None:
        raise Unusable("unreadable", "no part")
    time_sig = part.find(".//attributes/time")
    beats_text = time_sig.findtext("beats", "") if time_sig is not None else ""
    if time_sig is None or not beats_text.strip().isdigit():
        raise Unusable("unsupported_meter", "no simple time signature (free meter or 3+2 style)")
    beats, beat_type = int(beats_text), int(time_sig.findtext("beat-type", "4"))
    fifths = int((part.findtext(".//attributes/key/fifths") or "0").strip())
    notes: list[Note] = []
    chords: list[tuple[Fraction, int]] = []
    starts: list[Fraction] = []
    lengths: list[Fraction] = []
    divisions, start, voice = Fraction(1), Fraction(0), None
    for bar, measure in enumerate(part.findall("measure")):
        time = end = Fraction(0)
        for elem in measure:
            if elem.tag == "attributes" and elem.findtext("divisions"):
                divisions = Fraction(elem.findtext("divisions", "1").strip())
            elif elem.tag in ("backup", "forward"):
                step = Fraction(elem.findtext("duration", "0").strip()) / divisions
                time += -step if elem.tag == "backup" else step
            elif elem.tag == "harmony":
                offset = Fraction(elem.findtext("offset", "0").strip()) / divisions
                chords.append((start + time + offset, bar))
            elif elem.tag == "note" and elem.find("grace") is None and elem.find("cue") is None:
                if elem.find("chord") is not None:
                    continue  # the upper notes of a written chord: the melody is its first note
                duration = Fraction(elem.findtext("duration", "0").strip()) / divisions
                voice = voice or elem.findtext("voice", "1")
                pitch = elem.find("pitch")
                if elem.findtext("voice", "1") == voice and pitch is not None and duration > 0:
                    notes.append(_note(pitch, start + time, duration, bar))
                time += duration
            end = max(end, time)
        starts.append(start)
        lengths.append(end)
        start += end
    if not notes:
        raise Unusable("no_notes")
    return Melody(tuple(notes), tuple(chords), tuple(starts), tuple(lengths), beats, beat_type, fifths)


def _note(pitch: ET.Element, onset: Fraction, duration: Fraction, bar: int) -> Note:
    step = pitch.findtext("step", "C").strip().upper()
    alter = round(float(pitch.findtext("alter", "0") or 0))  # microtones rounded: a melody, not a tuning
    octave = int(pitch.findtext("octave", "4"))
    return Note(onset, duration, 12 * (octave + 1) + _STEP[step] + alter, step, alter, octave, bar)
