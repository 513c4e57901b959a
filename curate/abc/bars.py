"""ABC text as header, voices and bars, with bar durations (in units of L:).

Written for the dialect xml2abc emits (no broken rhythms with `nbr=1`, explicit tuplets), which is
what every normalized tune passes through; unknown characters are kept as text and add no time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

_FIELD = re.compile(r"^([A-Za-z]):(.*)$")
_TOKEN = re.compile(
    r"""(?P<text>"[^"]*"|![^!\n]*!|\+[^+\n]*\+)
    |(?P<field>\[[A-Za-z]:[^\]]*\])
    |(?P<bar>:*\[?\|[\]|:]*(?:\[?\d+(?:[,-]\d+)*)?|::|\[\d+(?:[,-]\d+)*)
    |(?P<chord>\[[^\]|]*\](?P<clen>\d*/*\d*))
    |(?P<grace>\{[^}]*\})
    |(?P<tuplet>\((?P<p>\d+)(?::(?P<q>\d*)(?::(?P<r>\d*))?)?)
    |(?P<note>(?:\^\^|__|\^|_|=)?[A-Ga-g][,']*(?P<nlen>\d*/*\d*))
    |(?P<rest>[zxyZX](?P<rlen>\d*/*\d*))
    |(?P<overlay>&)
    |(?P<other>.)""",
    re.X | re.S,
)
_CHORD_NOTE = re.compile(r"(?:\^\^|__|\^|_|=)?[A-Ga-g][,']*(\d*/*\d*)")


def length(text: str) -> Fraction:
    """`3/2`, `/`, `//`, `2` -> a multiple of the unit length."""
    m = re.fullmatch(r"(\d*)(/*)(\d*)", text)
    if not m or not text:
        return Fraction(1)
    num = int(m.group(1)) if m.group(1) else 1
    if not m.group(2):
        return Fraction(num)
    den = int(m.group(3)) if m.group(3) else 2 ** len(m.group(2))
    return Fraction(num, den)


@dataclass
class Bar:
    text: str  # the bar's music including its closing barline
    duration: Fraction | None  # None for a multi-measure rest (matches any bar)
    notes: int

    @property
    def empty(self) -> bool:
        return self.notes == 0


def _tuplet_q(p: int, compound: bool) -> int:
    return {2: 3, 3: 2, 4: 3, 6: 2, 8: 3}.get(p, 3 if compound else 2)


def split_bars(body: str, compound: bool = False) -> list[Bar]:
    """Bars of one voice's music; a barline opening the music (`|:`) stays with the first bar."""
    bars: list[Bar] = []
    text, duration, notes, overlay = "", Fraction(0), 0, False
    tuplet: list[Fraction | int] = []  # [factor, notes left]
    wildcard = False

    def add(value: Fraction) -> None:
        nonlocal duration
        if tuplet:
            value *= tuplet[0]
            tuplet[1] -= 1  # type: ignore[operator]
            if tuplet[1] <= 0:  # type: ignore[operator]
                tuplet.clear()
        if not overlay:
            duration += value

    for m in _TOKEN.finditer(body):
        kind, token = m.lastgroup, m.group(0)
        if kind in ("clen", "nlen", "rlen"):
            kind = next(k for k in ("chord", "note", "rest") if m.group(k) is not None)
        if kind == "bar":
            if not text.strip() or text.strip() in (":",):
                text += token
                continue
            bars.append(Bar((text + token).strip(), None if wildcard else duration, notes))
            text, duration, notes, overlay, wildcard = "", Fraction(0), 0, False, False
            continue
        text += token
        if kind == "note":
            notes += 1
            add(length(m.group("nlen")))
        elif kind == "chord":
            inner = _CHORD_NOTE.findall(token[1 : token.rindex("]")])
            notes += len(inner)
            add((length(inner[0]) if inner else Fraction(1)) * length(m.group("clen")))
        elif kind == "rest":
            if token[0] in "ZX":
                wildcard = True
            elif token[0] != "y":
                add(length(m.group("rlen")))
        elif kind == "tuplet":
            p = int(m.group("p"))
            q = int(m.group("q")) if m.group("q") else _tuplet_q(p, compound)
            r = int(m.group("r")) if m.group("r") else p
            tuplet[:] = [Fraction(q, p), r]
        elif kind == "overlay":
            overlay = True
    if text.strip():
        bars.append(Bar(text.strip(), None if wildcard else duration, notes))
    return bars


@dataclass
class Tune:
    header: list[str] = field(default_factory=list)  # lines up to and including the first K:
    voice_defs: dict[str, str] = field(default_factory=dict)  # voice id -> attributes after the id
    bodies: dict[str, str] = field(default_factory=dict)  # voice id -> music, field lines made inline
    lyrics: list[str] = field(default_factory=list)  # w: / W: text

    def field(self, letter: str) -> str | None:
        for line in self.header:
            m = _FIELD.match(line)
            if m and m.group(1) == letter:
                return m.group(2).strip()
        return None


def parse_tune(text: str) -> Tune:
    tune = Tune()
    lines = [ln.rstrip() for ln in text.splitlines()]
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        tune.header.append(line)
        if line.startswith("K:"):
            break
    voice, seen_voice = "1", False
    for line in lines[i:]:
        if not line.strip() or (line.startswith("%") and not line.startswith("%%score")):
            continue
        m = _FIELD.match(line)
        if m is None:
            tune.bodies[voice] = tune.bodies.get(voice, "") + " " + strip_comment(line)
            continue
        letter, value = m.group(1), m.group(2).strip()
        if letter == "V":
            voice, _, attrs = value.partition(" ")
            seen_voice = True
            if attrs.strip() or voice not in tune.voice_defs:
                tune.voice_defs[voice] = attrs.strip() or tune.voice_defs.get(voice, "")
        elif letter in "wW":
            tune.lyrics.append(value)
        elif letter in "KMLQP" and (seen_voice or voice in tune.bodies):
            tune.bodies[voice] = tune.bodies.get(voice, "") + f" [{letter}:{value}]"
        elif letter in "KMLQ":
            tune.header.append(line)
    return tune


def strip_comment(line: str) -> str:
    """Drop a trailing `%` comment (bar numbers from xml2abc) that is not inside a quoted string."""
    quoted = False
    for pos, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == "%" and not quoted and (pos == 0 or line[pos - 1] != "\\"):
            return line[:pos].rstrip()
    return line
