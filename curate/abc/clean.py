"""Clean an ABC tune before any converter sees it.

Real ABC holds things that are not music but that abc2xml reads as music or chokes on: text blocks
(`%%begintext ... %%endtext`, PostScript, SVG), symbol lines (`d:`, `s:`), header fields continued
with a trailing `\\`, `%%MIDI` directives (`%%MIDI channel 10` makes abc2xml raise), comments and tabs
in `V:` lines, music lines continued with `\\`. Constructs that cannot be converted faithfully are
rejected with their own reason (`microtone`, `grace_after_broken_rhythm`, `play_order` with voices); a
`P:` play order is written out; `[K:none]` becomes `[K:C]`; an empty bar before `:|` goes; `|]:` (a
non-standard end bar opening a repeat, read from the top by other readers) becomes `|] |:`; old-style
chords `+GB+` become `[GB]`, bagpipe keys
`K:HP`/`K:Hp` the key signature they sound (`K:Amix`: F and C sharp).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from curate.abc.bars import strip_comment
from curate.abc.normalize import THICK_THEN_REPEAT
from curate.stage import RejectRow

_BLOCK = re.compile(r"^[ \t]*%%begin(\w+)\b.*?^[ \t]*%%end\1\b[^\n]*\n?", re.M | re.S | re.I)
# `d:|` or `d::` opens a music line (the note d, then a repeat), not a field.
_DROP_LINE = re.compile(r"^[ \t]*(?:[ds]:(?![|:])|%%MIDI\b|I:MIDI\b)")
_FIELD = re.compile(r"^[ \t]*([A-Za-z+]):(?![|:])")
_MICROTONE = re.compile(r"(?:\^|_)\d*/\d*[A-Ga-g]")
_GRACE_AFTER_BROKEN = re.compile(r"[<>]+\s*\{")
_EMPTY_BAR_BEFORE_REPEAT = re.compile(r"\|[ \t]+:\|")  # `| :|`: abc2xml flips the repeat
_INLINE_KEY_NONE = re.compile(r"\[K:[ \t]*none\b")
# An old-style chord: notes only between plus signs (decorations like +trill+ hold letters too).
_OLD_CHORD = re.compile(r"\+((?:[=^_]*[A-Ga-g][,']*\d*/*\d*\s*){2,})\+")
_TEXT = re.compile(r'"[^"\n]*"|![^!\n]*!|\+[^+\n]*\+')
_ROLL_R = re.compile(r"(?<![A-Za-z\[])R(?=[\^_=]*[A-Ga-g\[{(])")
_ROLL_WORD = re.compile(r"!roll!|\+roll\+")
# abc2xml drops rolls; `!invertedturn!` survives abc2xml and xml2abc and carries `~` through them.
ROLL_CARRIER = "!invertedturn!"
_BAGPIPE = re.compile(r"^([ \t]*K:[ \t]*)H[Pp]\b", re.M)
_INLINE_BAGPIPE = re.compile(r"\[K:[ \t]*H[Pp]\]")


def _join_continued(lines: list[str]) -> list[str]:
    """A line ending in `\\` (before any comment) goes on in the next line; `+:` continues a field."""
    out: list[str] = []
    pending = False
    for line in lines:
        if out and line.startswith("+:"):
            out[-1] += " " + line[2:].strip()
            continue
        if pending:
            out[-1] += (" " if _FIELD.match(out[-1]) else "") + line.strip()
        else:
            out.append(line)
        body = strip_comment(out[-1]).rstrip()
        pending = body.endswith("\\") and not body.endswith("\\\\")
        if pending:
            out[-1] = body[:-1].rstrip() if _FIELD.match(out[-1]) else body[:-1]
    return out


def music_lines(text: str, fn: Callable[[str], str]) -> str:
    """Apply `fn` to the music of each music line, outside quoted text and decorations."""
    out = []
    for line in text.split("\n"):
        if _FIELD.match(line) or line.lstrip().startswith("%"):
            out.append(line)
            continue
        pieces, last = [], 0
        for m in _TEXT.finditer(line):
            pieces += [fn(line[last : m.start()]), m.group(0)]
            last = m.end()
        out.append("".join([*pieces, fn(line[last:])]))
    return "\n".join(out)


def rolls_as_tilde(text: str) -> str:
    """Every roll (`~`, `R`, `!roll!`) written `~`, the standard roll: a documented normalization that
    the independent reading of the source sees too."""
    return music_lines(_ROLL_WORD.sub("~", text), lambda music: _ROLL_R.sub("~", music))


def repeat_after_end_bar(text: str) -> str:
    """`|]:` written `|] |:`, the repeat start abc2xml reads there (abc2midi would repeat from the top):
    a documented normalization that the independent reading of the source sees too."""
    return music_lines(text, lambda music: THICK_THEN_REPEAT.sub("|] |:", music))


def count_rolls(text: str) -> int:
    """Rolls `~` in the music of `text` (outside fields, comments, quoted text and decorations)."""
    total = 0

    def count(music: str) -> str:
        nonlocal total
        total += music.count("~")
        return music

    music_lines(text, count)
    return total


def carry_rolls(text: str) -> str:
    """`~` as the carrier decoration, before abc2xml (which would drop it)."""
    return music_lines(text, lambda music: music.replace("~", ROLL_CARRIER))


def clean_tune(text: str) -> str:
    text = _BLOCK.sub("", text)
    lines = [ln.replace("\t", " ") if ln.lstrip().startswith("V:") else ln for ln in text.splitlines()]
    lines = [ln for ln in lines if not _DROP_LINE.match(ln)]
    lines = _join_continued(lines)
    lines = [strip_comment(ln) if ln.lstrip().startswith("V:") else ln for ln in lines]
    out = "\n".join(lines) + "\n"
    body = [ln for ln in lines if not _FIELD.match(ln) and not ln.startswith("%")]
    music = "\n".join(_TEXT.sub("", strip_comment(ln)) for ln in body)
    found = _MICROTONE.search(music)
    if found:
        raise RejectRow("microtone", f"microtonal accidental {found.group(0)!r}: ABC converters write whole semitones")
    found = _GRACE_AFTER_BROKEN.search(music)
    if found:
        raise RejectRow("grace_after_broken_rhythm", f"{found.group(0)!r}: abc2xml drops the broken rhythm")
    out = _INLINE_KEY_NONE.sub("[K:C", expand_parts(out))  # abc2xml keeps the old key's accidentals
    out = music_lines(out, lambda music: _EMPTY_BAR_BEFORE_REPEAT.sub(" :|", music))
    out = _OLD_CHORD.sub(lambda m: "[" + re.sub(r"\s+", "", m.group(1)) + "]", out)
    out = _BAGPIPE.sub(r"\1Amix", out)
    return carry_rolls(rolls_as_tilde(repeat_after_end_bar(_INLINE_BAGPIPE.sub("[K:Amix]", out))))


def _play_order(order: str) -> list[str]:
    """`ABA`, `A2B`, `(AB)3`, `A.B.A` -> the parts in play order."""
    stack: list[list[str]] = [[]]
    i = 0
    while i < len(order):
        char = order[i]
        if char == "(":
            stack.append([])
        elif char == ")" and len(stack) > 1:
            group = stack.pop()
            stack[-1].append("".join(group))
        elif char.isdigit():
            j = i
            while j + 1 < len(order) and order[j + 1].isdigit():
                j += 1
            if stack[-1]:
                stack[-1][-1] *= int(order[i : j + 1])
            i = j
        elif char.isalpha():
            stack[-1].append(char)
        i += 1
    return list("".join(part for level in stack for part in level))


def expand_parts(text: str) -> str:
    """A `P:` play order in the header, written out: the body's `P:` sections in that order (abc2xml
    would play each part once). Each section starts in the key, meter and unit length it started in,
    and a repeat `:|` with no `|:` before it in its section goes back to the section's start, as
    abc2midi plays parts. Tunes with voices are rejected (`play_order`)."""
    lines = text.split("\n")
    key = next((i for i, ln in enumerate(lines) if ln.startswith("K:")), None)
    order_line = next((ln for ln in lines[: key or 0] if ln.startswith("P:")), None)
    if key is None or order_line is None:
        return text
    order = _play_order(order_line[2:].split("%")[0])
    state = {f[0]: f for f in lines[: key + 1] if f[:2] in ("K:", "M:", "L:")}
    header_state = dict(state)
    sections: dict[str, tuple[dict[str, str], list[str]]] = {}
    intro: list[str] = []
    current: list[str] = intro
    for line in lines[key + 1 :]:
        m = re.match(r"^P:\s*([A-Za-z])", line)
        if m:
            current = sections.setdefault(m.group(1).upper(), (dict(state), []))[1]
        elif line.lstrip().startswith("V:") or "[V:" in line or "[P:" in line:
            raise RejectRow("play_order", "a P: play order with voices or inline parts is not expanded")
        else:
            if line[:2] in ("K:", "M:", "L:"):
                state[line[0]] = line
            current.append(line)
    if len(order) < 2 or not sections:
        return "\n".join(ln for ln in lines if not ln.startswith("P:"))
    missing = [p for p in order if p not in sections]
    if missing:
        raise RejectRow("play_order", f"play order {order_line[2:].strip()!r} names parts not in the tune: {missing}")
    header = [ln for ln in lines[: key + 1] if not ln.startswith("P:")]
    body, running = list(intro), _advance(header_state, intro)
    for part in order:
        start, part_lines = sections[part]
        body += [field for letter, field in start.items() if running.get(letter) != field]
        body += _repeat_from_start(part_lines)
        running = _advance(start, part_lines)
    return "\n".join(header + [ln for ln in body if ln.strip()]) + "\n"


def _advance(state: dict[str, str], lines: list[str]) -> dict[str, str]:
    """The K:/M:/L: fields in effect after `lines`."""
    return {**state, **{ln[0]: ln for ln in lines if ln[:2] in ("K:", "M:", "L:")}}


def _repeat_from_start(section: list[str]) -> list[str]:
    music = [i for i, ln in enumerate(section) if not _FIELD.match(ln) and not ln.lstrip().startswith("%")]
    signs = re.search(r"\|:|:\||::", _TEXT.sub("", " ".join(strip_comment(section[i]) for i in music)))
    if not music or signs is None or signs.group(0) == "|:":
        return section
    first = music[0]
    return [*section[:first], "|:" + section[first], *section[first + 1 :]]


def has_old_chords(text: str) -> bool:
    return _OLD_CHORD.search(text) is not None
