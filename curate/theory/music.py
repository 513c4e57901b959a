"""The two ways an ABC text becomes a music21 score, and small music helpers shared by the generators.

Path 1 (drafting) is music21's own ABC reader, with `%abc-2.1` so accidentals carry through a bar.
Path 2 (the independent check) is W. Vree's abc2xml, bundled with converter21, then music21's
MusicXML reader. The two parsers share no code, so an item survives only when both read the same
music; music21's known ABC misreadings (inline fields, overlays...) show up as disagreements.
"""

from __future__ import annotations

import re
import warnings
from fractions import Fraction

import music21
from converter21.abc import abc2xml

from curate.abc.split import split_tunes

_INCLUDE = re.compile(r"^[ \t]*(%%abc-include|I:abc-include).*$", re.M | re.I)


class Unreadable(ValueError):
    """A parser could not read the ABC."""


def _one_tune(abc: str) -> str:
    tunes = split_tunes(abc)
    if not tunes:
        raise Unreadable("no tune in the text")
    tune = tunes[0]
    return tune if re.match(r"\s*X:", tune) else "X:1\n" + tune


def parse_music21(abc: str) -> music21.stream.Score:
    """Path 1: music21's ABC reader."""
    text = "%abc-2.1\n" + _one_tune(abc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            score = music21.converter.parse(text, format="abc", forceSource=True)
        # music21's ABC reader raises many types on bad input (ABCTokenException, IndexError...).
        except (music21.exceptions21.Music21Exception, ValueError, IndexError, KeyError, TypeError) as err:
            raise Unreadable(f"music21 ABC reader: {type(err).__name__}: {err}") from err
    return _as_score(score)


def parse_abc2xml(abc: str) -> music21.stream.Score:
    """Path 2: abc2xml (ABC -> MusicXML), then music21's MusicXML reader."""
    text = _INCLUDE.sub("", _one_tune(abc))  # abc2xml would read the named file
    try:
        docs = abc2xml.getXmlDocs(text)
    # abc2xml re-raises whatever its parser hit; any failure means "unreadable" here.
    except Exception as err:  # noqa: BLE001
        raise Unreadable(f"abc2xml: {type(err).__name__}: {err}") from err
    finally:
        abc2xml.getInfo()  # clears its module-level message list, which otherwise grows forever
    if not docs:
        raise Unreadable("abc2xml produced no score")
    xml = abc2xml.fixDoctype(docs[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            score = music21.converter.parse(xml, format="musicxml", forceSource=True)
        except (music21.exceptions21.Music21Exception, ValueError, IndexError, KeyError) as err:
            raise Unreadable(f"music21 MusicXML reader: {type(err).__name__}: {err}") from err
    return _as_score(score)


def _as_score(obj: music21.stream.Stream) -> music21.stream.Score:
    if isinstance(obj, music21.stream.Opus):
        if not obj.scores:
            raise Unreadable("no score in the parsed text")
        obj = obj.scores[0]
    if not isinstance(obj, music21.stream.Score):
        score = music21.stream.Score()
        score.insert(0, obj)
        obj = score
    return obj


def key_name(key: music21.key.Key) -> str:
    """`E minor`, `B-flat major` -> `Bb major` style names."""
    return f"{pitch_name(key.tonic)} {key.mode}"


def pitch_name(pitch: music21.pitch.Pitch) -> str:
    return pitch.name.replace("-", "b")


def parse_key_name(name: str) -> music21.key.Key:
    tonic, mode = name.split()
    return music21.key.Key(tonic.replace("b", "-") if len(tonic) > 1 else tonic, mode)


def first_part(score: music21.stream.Score) -> music21.stream.Stream:
    """The first part holding notes: music21's ABC reader makes an empty part of a `V:` header line."""
    for part in score.parts:
        if part.recurse().notes:
            return part
    return score.parts[0] if score.parts else score


def notes(score: music21.stream.Score) -> list[music21.note.Note]:
    """Sounding single notes of the first part, in order (chords and grace notes left out)."""
    part = first_part(score)
    return [n for n in part.recurse().getElementsByClass(music21.note.Note) if n.duration.quarterLength > 0]


def measures(score: music21.stream.Score) -> list[music21.stream.Measure]:
    part = first_part(score)
    return list(part.getElementsByClass(music21.stream.Measure))


def bar_quarters(score: music21.stream.Score) -> Fraction | None:
    """Length of a bar from the score's first time signature, in quarter notes."""
    found = score.recurse().getElementsByClass(music21.meter.TimeSignature)
    return Fraction(found[0].barDuration.quarterLength).limit_denominator(64) if found else None
