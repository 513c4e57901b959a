"""The offline `template` backend of score_chat: a conversation written from the computed facts alone
(no model), asking about key and meter, form and length, chords and cadence, the motif, and a variation
an octave away (the tune moved in MusicXML and written back by xml2abc, so it reads and keeps key and meter).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from converter21.abc import xml2abc

from curate.tune import Unusable
from curate.tune.melody import musicxml

HIGHEST_FOR_OCTAVE_UP = 79  # G5: a melody reaching above it moves down instead


def octave_variation(abc: str, up: bool) -> str:
    """The tune an octave higher (or lower) as ABC; Unusable('unreadable') when the converters fail."""
    root = musicxml(abc)
    for octave in root.iter("octave"):
        if octave.text and octave.text.strip().lstrip("-").isdigit():
            octave.text = str(int(octave.text) + (1 if up else -1))
    text, info = xml2abc.vertaal(ET.tostring(root, encoding="utf-8"), x=1, nbr=1)
    if not text.strip():
        raise Unusable("unreadable", "xml2abc: " + (info.strip().splitlines() or ["no output"])[-1])
    lines = [line for line in text.strip().splitlines() if not line.startswith(("%", "I:", "T:"))]
    return "\n".join(lines)


def _list(items: list[str]) -> str:
    quoted = [f'"{c}"' for c in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def conversation(abc: str, facts: dict[str, Any], highest_midi: int | None) -> list[dict[str, str]]:
    """User and assistant turns about the tune; every claim in them is one of `facts`."""
    turns: list[tuple[str, str]] = []
    name = f' "{facts["title"]}"' if facts.get("title") else ""
    opening = f"Here is a tune{name} in ABC notation:\n```abc\n{abc.strip()}\n```\n"
    key, meter = facts.get("key"), facts.get("meter")
    if key and meter:
        turns.append((opening + "What key and meter is it in?", f"It is in {key}, in {meter} time."))
    elif meter:
        turns.append(
            (opening + "What is its meter?", f"It is in {meter} time; its key signature names no major or minor key.")
        )
    else:
        turns.append(
            (opening + "What do you notice first?", f"The melody spans {facts.get('range') or 'a narrow range'}.")
        )
    shape = [f"The tune has {facts['bars']} bars as written (repeats not played)"]
    if facts.get("form"):
        shape.append(f"the form is {facts['form']}")
    if facts.get("range"):
        shape.append(f"the melody runs from {facts['range']}")
    turns.append(("How is it built?", "; ".join(shape) + "."))
    if facts.get("chords"):
        answer = f"The chords of the tune are {_list(facts['chords'])}."
        if facts.get("cadence"):
            answer += f" It closes on a {facts['cadence']} cadence."
        turns.append(("Which chords does it use?", answer))
    if facts.get("motif"):
        motif = facts["motif"]
        bars = ", ".join(str(b) for b in motif["bars"])
        turns.append(
            (
                "Is there a recurring motif?",
                f"Yes: the figure {motif['abc']} comes back {motif['occurrences']} "
                f"times, starting in bars {bars}, exactly or transposed.",
            )
        )
    up = highest_midi is None or highest_midi <= HIGHEST_FOR_OCTAVE_UP
    where = "higher" if up else "lower"
    try:
        variation = octave_variation(abc, up)
    except Unusable:
        variation = None  # the converters could not move it: no variation turn (the checks still apply)
    keeps = f"still in {key} and in {meter} time" if key and meter else "with the same key signature and meter"
    if variation is not None:
        turns.append(
            (
                f"Can you write a variation of it an octave {where}?",
                f"Here it is an octave {where}, {keeps}:\n```abc\n{variation}\n```",
            )
        )
    return [
        msg
        for user, assistant in turns
        for msg in ({"role": "user", "content": user}, {"role": "assistant", "content": assistant})
    ]
