"""Writing single pitches as ABC under a key signature (music21 cannot write ABC)."""

from __future__ import annotations

import music21

_ACCIDENTAL = {-2: "__", -1: "_", 0: "=", 1: "^", 2: "^^"}


def abc_pitch(pitch: music21.pitch.Pitch, sig: music21.key.KeySignature) -> str:
    """`^F`, `c'`, `B,`: an accidental only where the key signature does not already give the pitch."""
    alter = int(pitch.alter)
    implied = sig.accidentalByStep(pitch.step)
    implied_alter = int(implied.alter) if implied is not None else 0
    prefix = "" if alter == implied_alter else _ACCIDENTAL[alter]
    octave = pitch.octave if pitch.octave is not None else 4
    up, down = max(0, octave - 5), max(0, 4 - octave)
    letter = pitch.step.lower() + "'" * up if octave >= 5 else pitch.step + "," * down
    return prefix + letter
