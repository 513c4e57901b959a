"""The option letter a model chose, read from free text.

Tried in order, first hit wins: a reply that is only a letter (`B`, `(B)`, `B.`); an explicit
statement (`answer is (B)`, `Answer: B`, `I'd go with C`, `option D`); a letter at the start
(`C because ...`, `C) major third`); finally the one option whose full text the reply quotes. A
reply naming two different letters in explicit statements is ambiguous and gives None.
"""

from __future__ import annotations

import re

_ONLY = re.compile(r"^\W*\(?([ABCDabcd])\)?\W*$")
_EXPLICIT = re.compile(
    r"(?i:answer|option|choice)\s*(?i:is|would be|:|=|-)?\s*(?i:option\s*)?[\(\[\*\"']*([ABCD])\b"
    r"|(?i:go with|choose|pick|select|opt for)\s*(?i:option\s*)?[\(\[\*\"']*([ABCD])\b"
    r"|(?i:correct|right)\s*(?i:one|answer|option|choice)?\s*(?i:is|:)\s*[\(\[\*]*([ABCD])\b"
    r"|\b([ABCD])\b\)?\s*(?i:is)\s*(?i:the\s*)?(?i:correct|right)"
)
_LEADING = re.compile(r"^\W*([ABCD])(?:[\)\].:,]|\s+(?:because|since|as|-))")


def extract_letter(reply: str | None, options: dict[str, str] | None = None) -> str | None:
    if not reply:
        return None
    text = reply.strip()
    if m := _ONLY.match(text):
        return m.group(1).upper()
    found = {next(g for g in m.groups() if g) for m in _EXPLICIT.finditer(text)}
    if len(found) == 1:
        return found.pop()
    if len(found) > 1:
        return None
    if m := _LEADING.match(text):
        return m.group(1)
    if options:
        quoted = [k for k, v in options.items() if v and v.strip().lower() in text.lower()]
        # A shorter option can be part of a longer one ("major third" in "minor major third" style).
        longest = [k for k in quoted if not any(options[k] != options[o] and options[k] in options[o] for o in quoted)]
        if len(longest) == 1:
            return longest[0]
    return None
