"""What runs in the isolated child: one source (a score file or one ABC tune) to verified tunes.

source -> MusicXML -> xml2abc -> normalize -> the kept ABC. Two checks, both must hold:
- round trip: abc2xml reads the kept ABC back; its notes match the source's MusicXML measure by measure;
- independent: a reader that shares no code with the converters (`independent_reader`: abc2midi for
  ABC, verovio for MusicXML and kern, curate's own MIDI parser for MIDI) reads the source, and the same
  reader reads the kept ABC; the notes must agree on the whole timeline as played. `fidelity` is this
  agreement and nothing else.
Optional transpositions go through the same path against the transposed references.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from converter21.abc import abc2xml, xml2abc

from curate.abc import notes as notes_mod
from curate.abc import timeline
from curate.abc.clean import (
    ROLL_CARRIER,
    clean_tune,
    count_rolls,
    has_old_chords,
    repeat_after_end_bar,
    rolls_as_tilde,
)
from curate.abc.independent_reader import (
    PlayedNote,
    ReaderFailed,
    ReaderMissing,
    read_abc,
    read_midi_notes,
    read_verovio,
)
from curate.abc.midi_file import NotMidi, read_midi
from curate.abc.musicxml import NotMusicXml, metadata, parse_musicxml, to_bytes
from curate.abc.normalize import Normalized, NormalizeOptions, normalize
from curate.abc.transpose import first_fifths, interval, transpose
from curate.stage import RejectRow

_ABC_FIELDS = dict(
    T="title", C="composer", O="origin", A="area", R="rhythm", S="source",
    N="notes", Z="transcription", H="history", B="book", D="discography", G="group",
)  # fmt: skip
# Who reads the source and the kept ABC independently, per source format.
READERS = {"abc": "abc2midi", "musicxml": "verovio", "kern": "verovio", "midi": "midi_file+abc2midi"}
# Quantized MIDI has its onsets on this grid: thirty-seconds and sixteenth triplets (divisors 8 and 6; music21's
# default 4 and 3 turned 8 of 100 corpus tunes written as MIDI into wrong notes, which the check then rejected).
_MIDI_DIVISORS = (8, 6)
_MIDI_GRID = Fraction(1, 24)
_MAX_OFF_GRID = 0.1


@dataclass
class TuneOut:
    """One verified (or rejected) tune; `transposition` is (target fifths, semitones) for copies."""

    fields: dict[str, str] = field(default_factory=dict)
    abc: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    fidelity: float | None = None  # agreement with the independent reader; None when it is missing
    verified_by: tuple[str, ...] = ()
    roundtrip: float | None = None  # abc2xml round trip, measure by measure (None: not made)
    transposition: tuple[int, int] | None = None
    reject: tuple[str, str] | None = None
    note: str = ""  # e.g. why the independent reader did not check this row


@dataclass
class Source:
    root: ET.Element
    xml: bytes  # `root` as UTF-8 MusicXML, what xml2abc reads
    fields: dict[str, str]
    reference: list[PlayedNote] | None  # None: the independent reader is missing (see `missing`)
    missing: str = ""
    rolls: int = 0  # rolls in an ABC source: the independent reader sets ornaments aside, so they are counted


def abc_header_fields(tune: str) -> dict[str, str]:
    """Natural-language fields of an ABC tune's header (repeated fields joined by newlines)."""
    out: dict[str, list[str]] = {}
    for line in tune.splitlines():
        m = re.match(r"^([A-Za-z]):(.*)$", line)
        if m is None:
            continue
        if m.group(1) == "K":
            break
        name = _ABC_FIELDS.get(m.group(1))
        if name and m.group(2).strip():
            out.setdefault(name, []).append(m.group(2).strip())
    lyrics = [m.group(1).strip() for m in re.finditer(r"^[wW]:(.*)$", tune, re.M) if m.group(1).strip()]
    if lyrics:
        out["lyrics"] = lyrics
    return {k: "\n".join(v) for k, v in out.items()}


def _abc_to_xml(text: str) -> str:
    docs = abc2xml.getXmlDocs(text)
    abc2xml.getInfo()  # clears its message list, which otherwise grows with every tune
    if not docs:
        raise RejectRow("parse_error", "abc2xml produced no score")
    return abc2xml.fixDoctype(docs[0])


def _abc_to_root(text: str) -> ET.Element:
    return parse_musicxml(_abc_to_xml(text).encode("utf-8"), container=False)


def _music21_to_root(path: str, fmt: str) -> ET.Element:
    import music21
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    if fmt == "midi":
        score = music21.converter.parse(path, format="midi", quantizePost=True, quarterLengthDivisors=_MIDI_DIVISORS)
    else:
        score = music21.converter.parse(path, format="humdrum")
    root = parse_musicxml(GeneralObjectExporter(score).parse(), container=False)
    _drop_padding(root)
    return root


def _trailing_hidden_rests(measure: ET.Element) -> list[ET.Element]:
    found: list[ET.Element] = []
    for elem in reversed(list(measure)):
        if elem.tag in ("barline", "direction", "print", "sound"):
            continue
        if elem.tag != "note" or elem.find("rest") is None or elem.get("print-object") != "no":
            break
        found.append(elem)
    return found


def _drop_padding(root: ET.Element) -> None:
    """music21 fills a bar split around a repeat (`=:|!` then a pickup) with hidden rests; ABC would
    play them as silence the source does not have. Drop them where every part has the same padding."""
    parts = [part.findall("measure") for part in root.findall("part")]
    for measures in zip(*parts, strict=False):
        padding = [_trailing_hidden_rests(m) for m in measures]
        lengths = {sum(int(r.findtext("duration", "0")) for r in rests) for rests in padding}
        if len(lengths) == 1 and all(padding):
            for measure, rests in zip(measures, padding, strict=True):
                for rest in rests:
                    measure.remove(rest)


def _check_quantized(data: bytes) -> None:
    """Performance MIDI (a recording, not a score) has onsets off any note grid: say so."""
    try:
        midi = read_midi(data)
    except NotMidi as err:
        raise RejectRow("parse_error", f"MIDI: {err}") from err
    if not midi.onset_ticks:
        raise RejectRow("no_notes", "the MIDI file holds no notes")
    grid = _MIDI_GRID * midi.ticks_per_quarter
    off = sum(Fraction(t) % grid != 0 for t in midi.onset_ticks) / len(midi.onset_ticks)
    if off > _MAX_OFF_GRID:
        count, tpq = len(midi.onset_ticks), midi.ticks_per_quarter
        detail = f"{off:.0%} of {count} note onsets off the 1/24-quarter grid ({tpq} ticks per quarter)"
        raise RejectRow("performance_midi", detail + ": an unquantized performance, not a score")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def reference_notes(fmt: str, payload: str, xml: bytes | None = None) -> list[PlayedNote]:
    """The source as the independent reader plays it (`xml`: the MusicXML source as UTF-8, if at hand)."""
    if fmt == "abc":
        return read_abc(repeat_after_end_bar(rolls_as_tilde(payload)), old_chords=has_old_chords(payload))
    if fmt == "midi":
        return read_midi_notes(Path(payload).read_bytes())
    if fmt == "kern":
        return read_verovio(_decode(Path(payload).read_bytes()))
    if xml is None:
        xml = to_bytes(parse_musicxml(Path(payload).read_bytes()))
    return read_verovio(xml.decode("utf-8"))


def read_output(fmt: str, abc: str, xml: str | None = None) -> list[PlayedNote]:
    """Kept ABC as the independent reader of its source format plays it (`xml`: abc2xml's MusicXML of
    `abc`, if at hand, for verovio)."""
    if fmt in ("abc", "midi"):
        return read_abc(abc)
    return read_verovio(xml if xml is not None else _abc_to_xml(abc))


def load_source(fmt: str, payload: str) -> Source:
    """`payload` is a file path, or the tune's text for `abc`."""
    if fmt == "abc":
        cleaned = clean_tune(payload)
        xml, fields = _abc_to_xml(cleaned).encode("utf-8"), abc_header_fields(cleaned)
        root, rolls = parse_musicxml(xml, container=False), cleaned.count(ROLL_CARRIER)
    elif fmt in ("kern", "midi"):
        if fmt == "midi":
            _check_quantized(Path(payload).read_bytes())
        root, fields = _music21_to_root(payload, fmt), {}
    else:
        try:
            root, fields = parse_musicxml(Path(payload).read_bytes()), {}
        except NotMusicXml as err:
            raise RejectRow("parse_error", str(err)) from err
    if fmt != "abc":
        xml, rolls = to_bytes(root), 0
    try:
        return Source(root, xml, fields, reference_notes(fmt, payload, xml), rolls=rolls)
    except ReaderMissing as err:
        return Source(root, xml, fields, None, str(err), rolls)
    except ReaderFailed as err:
        raise RejectRow("reference_unreadable", f"{READERS[fmt]} could not read the source: {err}") from err


def _bar_quarters(meter: str | None) -> Fraction | None:
    m = re.fullmatch(r"\s*(\d+)/(\d+)\s*", meter or "")
    return Fraction(4 * int(m.group(1)), int(m.group(2))) if m and int(m.group(2)) else None


def _one(xml: bytes, measures: list, options: NormalizeOptions, fmt: str,
         roundtrip: bool) -> tuple[Normalized, notes_mod.Fidelity | None, str | None]:  # fmt: skip
    """Convert and normalize; with `roundtrip`, abc2xml reads the kept ABC back (its MusicXML is returned
    for verovio, the independent reader of MusicXML and kern sources, to play)."""
    raw, info = xml2abc.vertaal(xml, d=options.unit_length, x=1, nbr=1)
    if not raw.strip():
        raise RejectRow("convert_error", "xml2abc: " + (info.strip().splitlines() or ["no output"])[-1])
    if fmt == "abc":  # the rolls that `clean_tune` carried through the converters
        raw = raw.replace(ROLL_CARRIER, "~")
    tune = normalize(raw, options)
    if not roundtrip:
        return tune, None, None
    try:
        xml = _abc_to_xml(tune.abc)
        back = notes_mod.measures(parse_musicxml(xml.encode("utf-8"), container=False))
    except (RejectRow, NotMusicXml) as err:
        raise RejectRow("roundtrip_error", f"abc2xml could not read the output: {err}") from err
    return tune, notes_mod.compare(measures, back), xml


def _verify(fmt: str, source: Source, measures: list, tune: Normalized, fid: notes_mod.Fidelity | None,
            xml: str | None, semis: int, options: NormalizeOptions) -> TuneOut:  # fmt: skip
    pitches = [p for m in measures for (_, p, _) in m]
    out = TuneOut(abc=tune.abc, header=tune.header, roundtrip=fid.score if fid else None)
    out.stats = {"bars": tune.bars, "voices": tune.voices, "notes": sum(m.total() for m in measures),
                 "pitch_min": int(min(pitches)), "pitch_max": int(max(pitches)),
                 "length_quarters": tune.length_quarters, "voice_names": tune.names}  # fmt: skip
    second = ("abc2xml",) if fid is not None else ()
    if fid is not None and fid.score < options.min_fidelity:
        where = ", ".join(str(i + 1) for i in fid.bad_measures[:10])
        out.reject = ("low_fidelity", f"abc2xml round trip {fid.score:.4f} < {options.min_fidelity}; "
                      f"measures differ: {where}")  # fmt: skip
        return out
    if source.reference is None:
        out.verified_by, out.note = second, f"not checked by an independent reader: {source.missing}"
        if options.require_independent:
            out.reject = ("reader_missing", source.missing)
        return out
    if fmt == "abc" and (kept_rolls := count_rolls(tune.abc)) != source.rolls:
        out.reject = ("ornament_lost", f"{source.rolls} rolls in the source, {kept_rolls} in the output")
        return out
    try:
        played = read_output(fmt, tune.abc, xml)
    except (ReaderFailed, RejectRow, NotMusicXml) as err:
        out.reject = ("output_unreadable", f"{READERS[fmt]} could not read the output: {err}")
        return out
    agreement = timeline.agree(timeline.transposed(source.reference, semis), played, READERS[fmt])
    out.fidelity, out.verified_by = agreement.score, (READERS[fmt], *second)
    if agreement.score < options.min_fidelity:  # 1.0 only when exact: a disagreement never claims 1.0
        out.reject = ("reader_disagreement", timeline.describe(agreement, _bar_quarters(tune.header.get("meter"))))
    return out


def _needs_roundtrip(fmt: str, source: Source, options: NormalizeOptions) -> bool:
    """abc2xml reads the kept ABC back when verovio needs its MusicXML, when no independent reader is
    installed (then it is the only check), or when asked (`roundtrip_check`: a second opinion)."""
    return fmt in ("musicxml", "kern") or source.reference is None or options.roundtrip_check


def run(fmt: str, payload: str, options: NormalizeOptions) -> list[TuneOut]:
    """Every result of one source: the tune, then its transposed copies. Raises `RejectRow` for the tune."""
    source = load_source(fmt, payload)
    root = source.root
    source.fields = {**{k: v for k, v in metadata(root).items() if k != "title" or not source.fields.get("title")},
                     **source.fields}  # fmt: skip
    measures = notes_mod.measures(root)
    if not any(measures):
        raise RejectRow("no_notes", "the score holds no pitched notes")
    roundtrip = _needs_roundtrip(fmt, source, options)
    first = _verify(fmt, source, measures, *_one(source.xml, measures, options, fmt, roundtrip), 0, options)
    first.fields = source.fields
    results = [first]
    if options.transpose and first.reject is None:
        home = first_fifths(root)
        for target in range(-7, 8):
            moved = transpose(root, target - home) if target != home else None
            if moved is None:
                continue
            semis = interval(target - home)[1]
            shifted = notes_mod.transposed(measures, semis)
            try:
                out = _verify(fmt, source, shifted, *_one(to_bytes(moved), shifted, options, fmt, roundtrip), semis,
                              options)  # fmt: skip
            except RejectRow as err:
                out = TuneOut(reject=(err.reason, err.detail))
            out.transposition = (target, semis)
            results.append(out)
    return results


def run_safe(fmt: str, payload: str, options: NormalizeOptions) -> list[TuneOut]:
    """`run`, with the tune's own rejection returned as a result (its reason survives the pipe)."""
    try:
        return run(fmt, payload, options)
    except RejectRow as err:
        return [TuneOut(reject=(err.reason, err.detail))]
