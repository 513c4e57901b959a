"""Split a multi-tune ABC file into tunes at `X:` lines, keeping the file header for each tune."""

from __future__ import annotations

import re

_X_LINE = re.compile(r"^[ \t]*X:", re.M)
# Lines that must never reach abc2xml: it would read the named file from this machine.
_INCLUDE = re.compile(r"^[ \t]*(%%abc-include|I:abc-include).*$", re.M | re.I)


def decode_abc(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Latin-1 as abc2xml does; CRLF to LF."""
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_tunes(text: str) -> list[str]:
    """Tunes in file order. The file header (text before the first `X:`: `%%` directives, fields
    meant for every tune) is prepended to each; a file without `X:` is one tune."""
    text = _INCLUDE.sub("", text)
    starts = [m.start() for m in _X_LINE.finditer(text)]
    if not starts:
        return [text] if text.strip() else []
    preamble = _file_header(text[: starts[0]])
    bounds = [*starts, len(text)]
    return [preamble + text[a:b].strip("\n") + "\n" for a, b in zip(bounds, bounds[1:], strict=False)]


def _file_header(text: str) -> str:
    # Only directives and header fields carry over; free text before the first tune is dropped.
    lines = [ln for ln in text.splitlines() if re.match(r"^(%%|[A-Za-z]:)", ln)]
    return "".join(ln + "\n" for ln in lines)
