"""Notes as readers independent of W. Vree's converters and of music21 play them.

- ABC: Debian's `abcmidi` (`abc2midi`, a separate C program) writes MIDI, read by `midi_file`.
- MusicXML and kern: `verovio` (its own C++ importers) renders MIDI, read by `midi_file`.
- MIDI: `midi_file` reads the file itself.

A note is (absolute onset, MIDI pitch, duration) in quarter notes from the start of the piece as
played: repeats, endings and `P:` play orders unfolded, ties merged. What abc2midi plays beyond the
written notes is set aside alike on both sides: grace notes (`-NGRA`), fermata lengthening (`-NFER`),
guitar-chord accompaniment (`-NGUI`), ornaments it expands (rolls, trills, mordents: `verified_tunes`
counts rolls instead), staccato shortening; `%%MIDI` and `R:` lines are dropped before reading (they
transpose, add drones or drums, swing hornpipes).

    from curate.abc.independent_reader import read_abc
    notes = read_abc("X:1\\nL:1/8\\nK:G\\nGABc|d4|]\\n")  # [PlayedNote(onset=0, pitch=67, duration=1/2), ...]
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from curate.abc.clean import music_lines
from curate.abc.midi_file import MidiFile, NotMidi, read_midi

ABC2MIDI = "abc2midi"
_MIDI_LINE = re.compile(r"^[ \t]*(%%MIDI|I:MIDI)\b.*\n?", re.M)
# abc2midi plays `R:hornpipe` tunes swung (broken rhythm); the converters and the written notes do not.
_R_LINE = re.compile(r"^[ \t]*R:.*\n?", re.M)
# What abc2midi plays that is not written note values, set aside alike on both sides of a comparison:
# ornaments (`~` rolls, `T` trills, mordents) it expands into notes whose lengths follow the tune's `L:`
# (which normalization changes); staccato, which it shortens and which cancels a broken rhythm beside
# it (`G>.G`). And a decoration before a slur's `(` (`T(BA)`), which it loses, moves after the `(`.
_ORNAMENT = re.compile(r"[~TMP](?=[~.HLMOPSTuv]*[\^_=]*[A-Ga-g\[({])")
_ORNAMENT_WORD = re.compile(r"!(?:trill|roll|mordent|lowermordent|uppermordent|pralltriller|turn|invertedturn)!")
_STACCATO = re.compile(r"\.(?=(?:[~HLMOPSTuv]|![^!\n]*!)*[\^_=]*[A-Ga-g\[])")
_DECORATION_BEFORE_SLUR = re.compile(r"((?:[~.HLMOPSTuv]|![^!\n]*!)+)\((?!\d)")
_X_LINE = re.compile(r"^[ \t]*X:", re.M)
_X_LINE_END = re.compile(r"^[ \t]*X:.*\n", re.M)
# Verovio ends each note one tick early (at 120 ticks per quarter) and steals grace-note time:
# its notes are snapped to a grid of 1/24 quarter on both sides of a comparison.
_VEROVIO_GRID = Fraction(1, 24)


@dataclass(frozen=True, order=True)
class PlayedNote:
    onset: Fraction  # quarter notes from the start, as played
    pitch: int  # MIDI pitch
    duration: Fraction  # quarter notes


class ReaderMissing(RuntimeError):
    """The independent reader is not installed here."""


class ReaderFailed(RuntimeError):
    """The independent reader could not read the source."""


def abc2midi_available() -> bool:
    return shutil.which(ABC2MIDI) is not None


def verovio_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("verovio") is not None


def read_abc(text: str, timeout_s: float = 30.0, old_chords: bool = False) -> list[PlayedNote]:
    """The first tune of `text` as abc2midi plays it; `old_chords` reads `+CE+` as a chord (`-OCC`)."""
    exe = shutil.which(ABC2MIDI)
    if exe is None:
        raise ReaderMissing("abc2midi is not installed (Debian/Ubuntu package abcmidi)")
    text = _R_LINE.sub("", _MIDI_LINE.sub("", text))
    text = music_lines(_ORNAMENT_WORD.sub("", text), _written_notes)
    if not _X_LINE.search(text):
        text = "X:1\n" + text
    # Chord notes all start on the beat (abc2midi staggers them by default).
    text = _X_LINE_END.sub(lambda m: m.group(0) + "%%MIDI chordattack 0\n", text, count=1)
    with tempfile.TemporaryDirectory(prefix="curate-abc2midi-") as folder:
        src, out = Path(folder) / "tune.abc", Path(folder) / "tune.mid"
        src.write_text(text, encoding="utf-8")
        args = [exe, str(src), "-o", str(out), "-silent", "-NGRA", "-NFER", "-NGUI", *(["-OCC"] if old_chords else [])]
        try:
            done = subprocess.run(args, capture_output=True, timeout=timeout_s, check=False, cwd=folder)
        except subprocess.TimeoutExpired as err:
            raise ReaderFailed(f"abc2midi: no result within {timeout_s:g} s") from err
        if not out.exists():
            message = (done.stdout + done.stderr).decode("utf-8", "backslashreplace").strip().splitlines()
            raise ReaderFailed(f"abc2midi wrote no MIDI (exit {done.returncode}): {(message or [''])[-1][:300]}")
        # abc2midi starts every note one tick late and ends it on time: undo the tick.
        midi = _read(out.read_bytes(), "abc2midi", delay_ticks=1)
    return _played(midi)


def _written_notes(music: str) -> str:
    return _DECORATION_BEFORE_SLUR.sub(r"(\1", _ORNAMENT.sub("", _STACCATO.sub("", music)))


def read_midi_notes(data: bytes) -> list[PlayedNote]:
    """Notes of a MIDI file, at the file's own resolution."""
    return _played(_read(data, "MIDI file"))


def _played(midi: MidiFile) -> list[PlayedNote]:
    return [PlayedNote(n.onset, n.pitch, n.duration) for n in midi.notes]  # sorted by `read_midi` already


def read_verovio(data: str) -> list[PlayedNote]:
    """A MusicXML (uncompressed text) or Humdrum/kern score as verovio plays it."""
    if not verovio_available():
        raise ReaderMissing("verovio is not installed (pip install verovio)")
    import verovio

    verovio.enableLog(verovio.LOG_OFF)
    toolkit = verovio.toolkit()
    toolkit.setOptions({"breaks": "none"})
    if not toolkit.loadData(data):
        raise ReaderFailed("verovio could not load the score")
    midi = _read(base64.b64decode(toolkit.renderToMIDI()), "verovio")
    return sorted(
        PlayedNote(_snap(n.onset), n.pitch, _snap(n.onset + n.duration) - _snap(n.onset))
        for n in midi.notes
        if _snap(n.onset + n.duration) > _snap(n.onset)
    )


def _snap(value: Fraction) -> Fraction:
    return round(value / _VEROVIO_GRID) * _VEROVIO_GRID


def _read(data: bytes, who: str, delay_ticks: int = 0) -> MidiFile:
    try:
        return read_midi(data, delay_ticks)
    except NotMidi as err:
        raise ReaderFailed(f"{who}: unreadable MIDI ({err})") from err
