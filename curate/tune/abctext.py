"""A tune's ABC as text: header fields, bars and form, without parsing the music."""

from __future__ import annotations

import re

_FIELD = re.compile(r"^([A-Za-z]):(.*)$")
# barlines: thin-thick, repeats, double bars, plain bars (longest alternatives first)
_BAR = re.compile(r"(\|\]|\[\||:\|\||\|\|:|::|:\||\|:|\|\||\|)")
_OPENING = frozenset({"|:", "[|", "||:"})


def split_header(abc: str) -> tuple[list[str], str]:
    """Header lines (up to and including K:) and the music body."""
    lines = abc.strip("\n").splitlines()
    header: list[str] = []
    for i, line in enumerate(lines):
        match = _FIELD.match(line.strip())
        if not match:
            return header, "\n".join(lines[i:])
        header.append(line.strip())
        if match.group(1) == "K":
            return header, "\n".join(lines[i + 1 :])
    return header, ""


def header_value(header: list[str], field: str) -> str | None:
    for line in header:
        if line.startswith(f"{field}:"):
            return line[2:].strip() or None
    return None


def bars(body: str) -> list[str]:
    """Bars of the body, each with the barline that closes it (pieces without notes are dropped)."""
    parts = _BAR.split(" ".join(body.split("\n")))
    out: list[str] = []
    lead = ""  # a barline before the first note (`|:`) opens the first bar
    for i in range(0, len(parts) - 1, 2):
        text = parts[i] + parts[i + 1]
        if re.search(r"[A-Ga-gz]", parts[i]):
            out.append(lead + text)
            lead = ""
        elif out and parts[i + 1] not in _OPENING:
            out[-1] += text  # a closing barline right after a barline belongs to the previous bar
        else:
            lead += text  # an opening repeat (`|:`) starts the next bar
    tail = parts[-1] if len(parts) % 2 else ""
    if re.search(r"[A-Ga-gz]", tail):
        out.append(tail)
    return out


def form(abc: str) -> str | None:
    """Sections as letters, repeats written out: `|: A :| |: B :|` gives AABB; a P: field wins."""
    header, body = split_header(abc)
    if parts := header_value(header, "P"):
        return re.sub(r"[^A-Z]", "", parts) or None
    sections: list[tuple[str, bool]] = []
    current = ""
    for piece in re.split(r"(:\||\|\||\|\])", " ".join(body.split("\n"))):
        if piece in (":|", "||", "|]"):
            if re.search(r"[A-Ga-g]", current):
                sections.append((_norm(current), piece == ":|"))
            current = ""
        else:
            current += piece
    if re.search(r"[A-Ga-g]", current):
        sections.append((_norm(current), False))
    if not sections:
        return None
    letters: dict[str, str] = {}
    out = ""
    for text, repeated in sections:
        letter = letters.setdefault(text, chr(ord("A") + min(len(letters), 25)))
        out += letter * (2 if repeated else 1)
    return out


def _norm(section: str) -> str:
    return re.sub(r"\s+|\|:|\[\d|\|", "", section)


def without(header: list[str], field: str) -> list[str]:
    return [line for line in header if not line.startswith(f"{field}:")]


def tune_text(header: list[str], body: str) -> str:
    return "\n".join([*header, body]).strip()
