"""Turn xml2abc output into clean ABC: fixed header, no natural-language fields, tidy bars.

Defaults follow NotaGen/abctoolkit: L:1/8, ASCII, T:/C:/Z:/w: and %%MIDI out of the music, bar-number
comments gone, empty leading/trailing bars stripped, at least 8 bars, voices aligned bar by bar.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

from curate.abc.bars import Bar, Tune, parse_tune, split_bars
from curate.stage import RejectRow

_ASCII_EXTRA = str.maketrans({
    "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L",
    "đ": "d", "Đ": "D", "‘": "'", "’": "'", "“": "'", "”": "'", "–": "-", "—": "-",
})  # fmt: skip
_NAMES = re.compile(r'\s*\b(nm|snm|name|subname)="[^"]*"')
_INLINE = re.compile(r"\[[A-Za-z]:[^\]]*\]")
# xml2abc writes `|]:` for an end bar that opens a repeat; other ABC readers repeat from the top there.
THICK_THEN_REPEAT = re.compile(r"\|\]:")


class NormalizeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    unit_length: int = Field(8, description="L:1/n for every tune (a power of two)")
    ascii: bool = True
    strip_empty_bars: bool = True
    min_bars: int = 8
    check_alignment: bool = True
    interleaved: bool = False  # one line per bar: [V:1]bar|[V:2]bar|
    bars_per_line: int = 4  # layout of the non-interleaved form
    voice_names: bool = False  # keep nm="..." in V: lines (natural language: off by default)
    transpose: bool = False  # add copies in the other key signatures of the 15
    min_fidelity: float = Field(1.0, ge=0.0, le=1.0)  # agreement with the independent reader
    # Without the independent reader (abc2midi, verovio) installed: reject (`reader_missing`), or keep
    # the row with `fidelity` null and `verified_by` [abc2xml] when false.
    require_independent: bool = True
    # abc2xml also reads the kept ABC back, measure by measure: a second opinion beside the independent
    # reader (always made for MusicXML and kern, whose reading feeds verovio, and without a reader).
    roundtrip_check: bool = False


@dataclass
class Normalized:
    abc: str
    header: dict[str, str | None]  # key, meter, unit_length, tempo
    bars: int
    voices: int
    length_quarters: float
    names: list[str]  # voice / instrument names moved out of V: lines


def to_ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    return text.encode("ascii", "ignore").decode("ascii")


def normalize(raw: str, options: NormalizeOptions) -> Normalized:
    tune = parse_tune(THICK_THEN_REPEAT.sub("|] |:", raw))
    if not tune.bodies:
        raise RejectRow("no_notes", "the converter wrote no music")
    meter = tune.field("M") or "none"
    compound = bool(re.fullmatch(r"\s*(6|9|12)/8\s*", meter))
    bars = {v: split_bars(body, compound) for v, body in tune.bodies.items()}
    if options.strip_empty_bars:
        _strip_empty(bars)
    counts = {v: len(b) for v, b in bars.items()}
    if not any(bar.notes for b in bars.values() for bar in b):
        raise RejectRow("no_notes", "no notes in any voice")
    longest = max(counts.values())
    if longest < options.min_bars:
        raise RejectRow("too_short", f"{longest} bars < {options.min_bars}")
    if options.check_alignment or options.interleaved:
        _pad_short_voices(bars)
        _check_aligned(bars)
    names = [m.group(0).strip() for attrs in tune.voice_defs.values() for m in _NAMES.finditer(attrs)]
    abc = _render(tune, bars, options)
    if options.ascii:
        abc = to_ascii(abc)
    unit = Fraction(1, options.unit_length)
    first = max(bars.values(), key=len)
    quarters = sum((b.duration or 0) for b in first) * unit * 4
    header = {
        "key": tune.field("K"),
        "meter": tune.field("M"),
        "unit_length": tune.field("L"),
        "tempo": tune.field("Q"),
    }
    return Normalized(abc, header, longest, len(bars), float(quarters), names)


def _strip_empty(bars: dict[str, list[Bar]]) -> None:
    """Drop bars that are empty in every voice at the start and at the end of the tune."""
    carried: dict[str, str] = {v: "" for v in bars}
    while all(b and b[0].empty for b in bars.values()) and any(len(b) > 1 for b in bars.values()):
        for v, b in bars.items():
            carried[v] += "".join(_INLINE.findall(b.pop(0).text))  # keep key/meter changes
    for v, b in bars.items():
        if carried[v] and b:
            b[0] = Bar(carried[v] + " " + b[0].text, b[0].duration, b[0].notes)
    while all(b and b[-1].empty for b in bars.values()) and any(len(b) > 1 for b in bars.values()):
        for b in bars.values():
            b.pop()


def _rest(duration: Fraction) -> str:
    return f"x{duration.numerator}" + (f"/{duration.denominator}" if duration.denominator != 1 else "")


def _pad_short_voices(bars: dict[str, list[Bar]]) -> None:
    """A voice with fewer bars than the longest (it stops early, or was written late in the file: ABC
    readers, abc2midi and abc2xml alike, start every voice at the top) gets invisible rests `x` to the
    end, bar by bar: legal ABC, no note moves, and the independent reader checks it."""
    longest = max(bars.values(), key=len)
    if any(bar.duration is None for bar in longest):
        return  # a multi-measure rest: bar lengths unknown here (the alignment check says why)
    for b in bars.values():
        b += [Bar(_rest(bar.duration) + " |", bar.duration, 0) for bar in longest[len(b) :]]  # type: ignore[arg-type]


def _check_aligned(bars: dict[str, list[Bar]]) -> None:
    lists = list(bars.items())
    first_voice, first = lists[0]
    for voice, other in lists[1:]:
        if len(other) != len(first):
            raise RejectRow(
                "misaligned_voices", f"voice {voice} has {len(other)} bars, voice {first_voice} {len(first)}"
            )
        for i, (a, b) in enumerate(zip(first, other, strict=True)):
            if a.duration is not None and b.duration is not None and a.duration != b.duration:
                raise RejectRow("misaligned_voices", f"bar {i + 1}: voice {voice} lasts {b.duration}, not {a.duration}")


def _render(tune: Tune, bars: dict[str, list[Bar]], options: NormalizeOptions) -> str:
    lines = ["X:1"]
    keep = {"L": f"L:1/{options.unit_length}", "Q": None, "M": None}
    for line in tune.header:
        letter = line[:2]
        if letter in ("Q:", "M:") or line.startswith("%%score") and len(bars) > 1:
            lines.append(line.strip())
    lines.insert(1, str(keep["L"]))
    lines.append(f"K:{tune.field('K') or 'none'}")
    for voice in bars:
        attrs = tune.voice_defs.get(voice, "")
        attrs = attrs if options.voice_names else _NAMES.sub("", attrs)
        lines.append(f"V:{voice} {attrs}".rstrip())
    if options.interleaved:
        for i in range(len(next(iter(bars.values())))):
            lines.append("".join(f"[V:{v}]{b[i].text}" for v, b in bars.items()))
    else:
        step = max(options.bars_per_line, 1)
        for voice, b in bars.items():
            lines.append(f"V:{voice}")
            lines += [" ".join(bar.text for bar in b[i : i + step]) for i in range(0, len(b), step)]
    return "\n".join(lines) + "\n"
