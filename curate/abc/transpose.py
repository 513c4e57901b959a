"""Chromatic transposition of a MusicXML score into another key signature, spelled by key.

Moving the key by d fifths moves every letter by 4*d steps and every pitch by 7*d semitones,
reduced by whole octaves (letters within -3..+3 steps), as abctoolkit's 15-key augmentation does.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET

_LETTERS = "CDEFGAB"
_SEMIS = (0, 2, 4, 5, 7, 9, 11)


def interval(delta_fifths: int) -> tuple[int, int]:
    """(letter steps, semitones) of a move by `delta_fifths` on the circle of fifths."""
    octaves = round(4 * delta_fifths / 7)  # d fifths minus k octaves, letters kept within -3..+3
    return 4 * delta_fifths - 7 * octaves, 7 * delta_fifths - 12 * octaves


def first_fifths(root: ET.Element) -> int:
    found = root.find(".//key/fifths")
    return int(found.text.strip()) if found is not None and found.text else 0


def _move(step_elem: ET.Element | None, alter_parent: ET.Element, alter_tag: str, octave_elem: ET.Element | None,
          steps: int, semis: int) -> None:  # fmt: skip
    if step_elem is None or not step_elem.text:
        return
    alter_elem = alter_parent.find(alter_tag)
    alter = float(alter_elem.text) if alter_elem is not None and alter_elem.text else 0.0
    letter = _LETTERS.index(step_elem.text.strip().upper())
    octave = int(octave_elem.text) if octave_elem is not None and octave_elem.text else 4
    midi = 12 * octave + _SEMIS[letter] + alter + semis
    new_letter = letter + steps
    new_octave = octave + new_letter // 7
    new_letter %= 7
    new_alter = midi - (12 * new_octave + _SEMIS[new_letter])
    step_elem.text = _LETTERS[new_letter]
    if octave_elem is not None:
        octave_elem.text = str(new_octave)
    if alter_elem is None:
        alter_elem = ET.Element(alter_tag)
        alter_parent.insert(list(alter_parent).index(step_elem) + 1, alter_elem)
    alter_elem.text = str(int(new_alter)) if new_alter == int(new_alter) else str(new_alter)


def transpose(root: ET.Element, delta_fifths: int) -> ET.Element | None:
    """A transposed copy, or None when a key signature would leave the 15 (-7..+7 fifths)."""
    steps, semis = interval(delta_fifths)
    out = copy.deepcopy(root)
    for fifths in out.iter("fifths"):
        value = int((fifths.text or "0").strip()) + delta_fifths
        if not -7 <= value <= 7:
            return None
        fifths.text = str(value)
    for pitch in out.iter("pitch"):
        _move(pitch.find("step"), pitch, "alter", pitch.find("octave"), steps, semis)
    for harmony in out.iter("harmony"):
        for part, prefix in ((harmony.find("root"), "root"), (harmony.find("bass"), "bass")):
            if part is not None:
                _move(part.find(f"{prefix}-step"), part, f"{prefix}-alter", None, steps, semis)
    for note in out.iter("note"):  # printed accidentals no longer match (xml2abc trusts them): recompute
        for accidental in note.findall("accidental"):
            note.remove(accidental)
    return out
