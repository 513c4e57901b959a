"""The independent readers: abc2midi for ABC, verovio for MusicXML/kern, the small MIDI parser."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import music21
import pytest

from curate.abc import independent_reader
from curate.abc.independent_reader import PlayedNote, ReaderFailed, ReaderMissing, read_abc, read_midi_notes
from curate.abc.midi_file import NotMidi, read_midi

CORPUS = Path(music21.__file__).parent / "corpus"


def _triples(notes: list[PlayedNote]) -> list[tuple[F, int, F]]:
    return [(n.onset, n.pitch, n.duration) for n in notes]


def test_abc_plays_chords_broken_rhythm_tuplets_and_repeats() -> None:
    notes = read_abc("X:1\nM:2/4\nL:1/8\nK:G\n|:G>A [ce]2|(3ded z2:|\n")
    once = [(F(0), 67, F(3, 4)), (F(3, 4), 69, F(1, 4)), (F(1), 72, F(1)), (F(1), 76, F(1)),
            (F(2), 74, F(1, 3)), (F(7, 3), 76, F(1, 3)), (F(8, 3), 74, F(1, 3))]  # fmt: skip
    again = [(o + 4, p, d) for o, p, d in once]  # the repeat is played, on the whole timeline
    assert _triples(notes) == once + again


def test_abc_ignores_midi_directives_grace_notes_and_guitar_chords() -> None:
    plain = read_abc("X:1\nL:1/4\nK:C\nC D E F|]\n")
    dressed = read_abc('X:1\nL:1/4\n%%MIDI transpose 12\n%%MIDI program 20\nK:C\n"C"C {g}D E F|]\n')
    assert _triples(dressed) == _triples(plain) == [(F(i), p, F(1)) for i, p in enumerate((60, 62, 64, 65))]


def test_abc_plays_a_hornpipe_as_written() -> None:
    """abc2midi plays `>` as 2:1 in `R:hornpipe` tunes; the converters keep the written 3:1, so must the reader."""
    straight = read_abc("X:1\nT:t\nM:C|\nL:1/8\nK:Bb\nD>FB>c d>Bg>f|]\n")
    marked = read_abc("X:1\nT:t\nR: hornpipe\nM:C|\nL:1/8\nK:Bb\nD>FB>c d>Bg>f|]\n")
    assert _triples(marked) == _triples(straight)
    assert {n.duration for n in marked} == {F(3, 4), F(1, 4)}


def test_abc_failures_are_reported() -> None:
    with pytest.raises(ReaderFailed):
        read_abc("X:1\nT:no music at all\n")


def test_missing_abc2midi_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(independent_reader, "ABC2MIDI", "abc2midi-not-installed-here")
    assert not independent_reader.abc2midi_available()
    with pytest.raises(ReaderMissing, match="abcmidi"):
        read_abc("X:1\nK:C\nC|]\n")


def test_midi_parser_reads_what_music21_wrote(tmp_path: Path) -> None:
    score = music21.corpus.parse("bach/bwv66.6")
    path = tmp_path / "c.mid"
    score.write("midi", fp=str(path))
    notes = read_midi_notes(path.read_bytes())
    expected = sorted(
        (F(n.getOffsetInHierarchy(score)).limit_denominator(96), p.midi, F(n.quarterLength).limit_denominator(96))
        for n in score.stripTies().recurse().notes
        for p in n.pitches
    )
    assert _triples(notes) == expected
    with pytest.raises(NotMidi):
        read_midi(path.read_bytes()[:40])


def test_verovio_reads_kern_like_music21() -> None:
    path = CORPUS / "bach/bwv281.krn"
    notes = independent_reader.read_verovio(path.read_text())
    score = music21.converter.parse(path).stripTies()
    expected = sorted(
        (F(n.getOffsetInHierarchy(score)), p.midi, F(n.quarterLength))
        for n in score.recurse().notes
        if not n.duration.isGrace
        for p in n.pitches
    )
    assert _triples(notes) == expected
