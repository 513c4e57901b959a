"""ChatMusician-style instruction tasks built from a tune of the scores table.

Compose a tune from a given key and meter, title or form; name the key, meter or form of a tune;
continue a tune from its first bars. Each task returns (instruction, input, output), or None when
the tune lacks what the task needs (no title, too few bars...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Example = tuple[str, str, str]

_FIELD = re.compile(r"^([A-Za-z]):(.*)$")
# barlines: thin-thick, repeats, double bars, plain bars (longest alternatives first)
_BAR = re.compile(r"(\|\]|\[\||:\|\||\|\|:|::|:\||\|:|\|\||\|)")
_OPENING = frozenset({"|:", "[|", "||:"})
CONTINUE_BARS = 4  # bars given as the prompt of a continuation
MIN_BARS_TO_CONTINUE = 8


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


def _without(header: list[str], field: str) -> list[str]:
    return [line for line in header if not line.startswith(f"{field}:")]


def _tune(header: list[str], body: str) -> str:
    return "\n".join([*header, body]).strip()


def _compose_key_meter(row: dict[str, Any], header: list[str], body: str) -> Example | None:
    key, meter = row.get("key") or header_value(header, "K"), row.get("meter") or header_value(header, "M")
    if not key or not meter:
        return None
    return f"Compose a tune in ABC notation in the key of {key} with meter {meter}.", "", _tune(header, body)


def _compose_title(row: dict[str, Any], header: list[str], body: str) -> Example | None:
    title = row.get("title")
    if not title:
        return None
    return f'Compose a tune in ABC notation titled "{title}".', "", _tune(header, body)


def _compose_form(row: dict[str, Any], header: list[str], body: str) -> Example | None:
    shape = form(row["abc"])
    meter = row.get("meter") or header_value(header, "M")
    if not shape or len(shape) < 2 or not meter:
        return None
    return f"Compose a tune in ABC notation in {meter} time with the form {shape}.", "", _tune(header, body)


def _name(field: str, label: str, column: str) -> Callable[[dict[str, Any], list[str], str], Example | None]:
    def task(row: dict[str, Any], header: list[str], body: str) -> Example | None:
        value = row.get(column) or header_value(header, field)
        if not value or not body.strip():
            return None
        # the asked-for field is left out of the header, or the answer would be in the question
        return f"What is the {label} of this tune?", _tune(_without(header, field), body), value

    return task


def _name_form(row: dict[str, Any], header: list[str], body: str) -> Example | None:
    shape = form(row["abc"])
    if not shape or len(shape) < 2:
        return None
    return "What is the form of this tune? Answer with section letters.", _tune(_without(header, "P"), body), shape


def _continue(row: dict[str, Any], header: list[str], body: str) -> Example | None:
    measures = bars(body)
    if len(measures) < MIN_BARS_TO_CONTINUE:
        return None
    opening = "".join(measures[:CONTINUE_BARS]).strip()
    rest = "".join(measures[CONTINUE_BARS:]).strip()
    instruction = f"Continue this tune in ABC notation from its first {CONTINUE_BARS} bars."
    return instruction, _tune(header, opening), rest


TASKS: dict[str, Callable[[dict[str, Any], list[str], str], Example | None]] = {
    "compose_key_meter": _compose_key_meter,
    "compose_title": _compose_title,
    "compose_form": _compose_form,
    "name_key": _name("K", "key", "key"),
    "name_meter": _name("M", "meter", "meter"),
    "name_form": _name_form,
    "continue": _continue,
}


def score_examples(row: dict[str, Any], tasks: list[str]) -> list[tuple[str, Example]]:
    """(task, example) for each task that applies to the tune in `row`."""
    abc = row.get("abc") or ""
    header, body = split_header(abc)
    out = []
    for name in tasks:
        example = TASKS[name](row, header, body)
        if example is not None:
            out.append((name, example))
    return out
