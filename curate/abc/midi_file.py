"""Notes of a Standard MIDI File, read by this small parser (no music21, no converter code).

Onsets and durations are in quarter notes as exact fractions of the file's ticks per quarter; a note
is a note-on (velocity > 0) closed by the next note-off (or note-on at velocity 0) of the same
channel and pitch, first in first out. Percussion (channel 10) is kept; tempo is ignored on purpose:
the notes are compared in score time.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


class NotMidi(ValueError):
    """The bytes are not a readable Standard MIDI File."""


@dataclass(frozen=True, order=True)
class MidiNote:
    onset: Fraction  # quarter notes from the start
    pitch: int
    duration: Fraction
    channel: int = 0
    track: int = 0


@dataclass(frozen=True)
class MidiFile:
    ticks_per_quarter: int
    notes: list[MidiNote]
    onset_ticks: list[int]  # raw onsets, for the performance check


def _varlen(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        if pos >= len(data):
            raise NotMidi("truncated variable-length number")
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise NotMidi("variable-length number longer than 4 bytes")


_DATA_BYTES = {0x80: 2, 0x90: 2, 0xA0: 2, 0xB0: 2, 0xC0: 1, 0xD0: 1, 0xE0: 2}


Raw = tuple[int, int, int, int, int]  # start tick, pitch, length in ticks, channel, track


def _track(data: bytes, index: int, notes: list[Raw], onsets: list[int]) -> None:
    pos, tick, status = 0, 0, 0
    sounding: dict[tuple[int, int], list[int]] = {}
    while pos < len(data):
        delta, pos = _varlen(data, pos)
        tick += delta
        if pos >= len(data):
            raise NotMidi("truncated event")
        byte = data[pos]
        if byte == 0xFF:  # meta event
            length, pos = _varlen(data, pos + 2)
            pos += length
            continue
        if byte in (0xF0, 0xF7):  # sysex
            length, pos = _varlen(data, pos + 1)
            pos += length
            continue
        if byte & 0x80:
            status, pos = byte, pos + 1
        elif not status:
            raise NotMidi("running status without a status byte")
        kind, channel = status & 0xF0, status & 0x0F
        size = _DATA_BYTES.get(kind, 0)
        if not size or pos + size > len(data):
            raise NotMidi(f"bad or truncated event {status:#x} at byte {pos}")
        args = data[pos : pos + size]
        pos += size
        if kind == 0x90 and args[1] > 0:
            sounding.setdefault((channel, args[0]), []).append(tick)
            onsets.append(tick)
        elif kind in (0x80, 0x90) and sounding.get((channel, args[0])):
            start = sounding[(channel, args[0])].pop(0)
            notes.append((start, args[0], tick - start, channel + 1, index))


def read_midi(data: bytes, delay_ticks: int = 0) -> MidiFile:
    """`delay_ticks`: a writer's constant note delay, taken off every onset and given back to the length."""
    if data[:4] != b"MThd" or len(data) < 14:
        raise NotMidi("no MThd header")
    division = int.from_bytes(data[12:14], "big")
    if division & 0x8000 or division == 0:
        raise NotMidi("SMPTE time division (no ticks per quarter)")
    notes: list[Raw] = []
    onsets: list[int] = []
    pos, index = 8 + int.from_bytes(data[4:8], "big"), 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos + 4 : pos + 8], "big")
        if pos + 8 + size > len(data):
            raise NotMidi(f"chunk at byte {pos} is cut short")
        if data[pos : pos + 4] == b"MTrk":
            _track(data[pos + 8 : pos + 8 + size], index, notes, onsets)
            index += 1
        pos += 8 + size
    # sorted as ints and each tick count made a Fraction once: both dominate reading a tune otherwise
    fractions: dict[int, Fraction] = {}

    def quarters(ticks: int) -> Fraction:
        found = fractions.get(ticks)
        if found is None:
            found = fractions[ticks] = Fraction(ticks, division)
        return found

    played = sorted((start - delay_ticks, pitch, length + delay_ticks, channel, track)
                    for start, pitch, length, channel, track in notes)  # fmt: skip
    return MidiFile(division, [MidiNote(quarters(s), p, quarters(n), c, t) for s, p, n, c, t in played], onsets)
