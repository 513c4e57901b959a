"""What runs in the isolated child: one source (a score file or one ABC tune) to verified tunes.

source -> MusicXML (the reference notes) -> xml2abc -> normalize -> abc2xml -> notes compared with
the reference, per measure. Optional transpositions go through the same path.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from converter21.abc import abc2xml, xml2abc

from curate.abc import notes as notes_mod
from curate.abc.musicxml import NotMusicXml, metadata, parse_musicxml, to_bytes
from curate.abc.normalize import Normalized, NormalizeOptions, Rejected, normalize
from curate.abc.transpose import first_fifths, interval, transpose

_ABC_FIELDS = dict(
    T="title", C="composer", O="origin", A="area", R="rhythm", S="source",
    N="notes", Z="transcription", H="history", B="book", D="discography", G="group",
)  # fmt: skip


@dataclass
class TuneOut:
    """One verified (or rejected) tune; `transposition` is (target fifths, semitones) for copies."""

    fields: dict[str, str] = field(default_factory=dict)
    abc: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    fidelity: float = 0.0
    bad_measures: tuple[int, ...] = ()
    transposition: tuple[int, int] | None = None
    reject: tuple[str, str] | None = None


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


def _abc_to_root(text: str) -> ET.Element:
    docs = abc2xml.getXmlDocs(text)
    abc2xml.getInfo()  # clears its message list, which otherwise grows with every tune
    if not docs:
        raise Rejected("parse_error", "abc2xml produced no score")
    return parse_musicxml(abc2xml.fixDoctype(docs[0]).encode("utf-8"), container=False)


def _music21_to_root(path: str, fmt: str) -> ET.Element:
    import music21
    from music21.musicxml.m21ToXml import GeneralObjectExporter

    if fmt == "midi":
        score = music21.converter.parse(path, format="midi", quantizePost=True, quarterLengthDivisors=(4, 3))
    else:
        score = music21.converter.parse(path, format="humdrum")
    return parse_musicxml(GeneralObjectExporter(score).parse(), container=False)


def load_source(fmt: str, payload: str) -> tuple[ET.Element, dict[str, str]]:
    """`payload` is a file path, or the tune's text for `abc`."""
    if fmt == "abc":
        return _abc_to_root(payload), abc_header_fields(payload)
    if fmt in ("kern", "midi"):
        root = _music21_to_root(payload, fmt)
    else:
        try:
            root = parse_musicxml(Path(payload).read_bytes())
        except NotMusicXml as err:
            raise Rejected("parse_error", str(err)) from err
    return root, {}


def _one(root: ET.Element, reference: list, options: NormalizeOptions) -> tuple[Normalized, notes_mod.Fidelity]:
    raw, info = xml2abc.vertaal(to_bytes(root), d=options.unit_length, x=1, nbr=1)
    if not raw.strip():
        raise Rejected("convert_error", "xml2abc: " + (info.strip().splitlines() or ["no output"])[-1])
    tune = normalize(raw, options)
    try:
        back = notes_mod.measures(_abc_to_root(tune.abc))
    except (Rejected, NotMusicXml) as err:
        raise Rejected("roundtrip_error", f"abc2xml could not read the output: {err}") from err
    return tune, notes_mod.compare(reference, back)


def _result(tune: Normalized, fid: notes_mod.Fidelity, reference: list, options: NormalizeOptions) -> TuneOut:
    pitches = [p for m in reference for (_, p, _) in m]
    out = TuneOut(abc=tune.abc, header=tune.header, fidelity=fid.score, bad_measures=fid.bad_measures)
    out.stats = {"bars": tune.bars, "voices": tune.voices, "notes": fid.source_notes,
                 "pitch_min": int(min(pitches)), "pitch_max": int(max(pitches)),
                 "length_quarters": tune.length_quarters, "voice_names": tune.names}  # fmt: skip
    if fid.score < options.min_fidelity:
        where = ", ".join(str(i + 1) for i in fid.bad_measures[:10])
        out.reject = ("low_fidelity", f"fidelity {fid.score:.4f} < {options.min_fidelity}; measures differ: {where}")
    return out


def run(fmt: str, payload: str, options: NormalizeOptions) -> list[TuneOut]:
    """Every result of one source: the tune, then its transposed copies. Raises `Rejected` for the tune."""
    root, fields = load_source(fmt, payload)
    fields = {**{k: v for k, v in metadata(root).items() if k != "title" or not fields.get("title")}, **fields}
    reference = notes_mod.measures(root)
    if not any(reference):
        raise Rejected("no_notes", "the score holds no pitched notes")
    tune, fid = _one(root, reference, options)
    first = _result(tune, fid, reference, options)
    first.fields = fields
    results = [first]
    if options.transpose and first.reject is None:
        home = first_fifths(root)
        for target in range(-7, 8):
            moved = transpose(root, target - home) if target != home else None
            if moved is None:
                continue
            semis = interval(target - home)[1]
            shifted = notes_mod.transposed(reference, semis)
            try:
                copy_tune, copy_fid = _one(moved, shifted, options)
                out = _result(copy_tune, copy_fid, shifted, options)
            except Rejected as err:
                out = TuneOut(reject=(err.reason, err.detail))
            out.transposition = (target, semis)
            results.append(out)
    return results


def run_safe(fmt: str, payload: str, options: NormalizeOptions) -> list[TuneOut]:
    """`run`, with the tune's own rejection returned as a result (its reason survives the pipe)."""
    try:
        return run(fmt, payload, options)
    except Rejected as err:
        return [TuneOut(reject=(err.reason, err.detail))]
