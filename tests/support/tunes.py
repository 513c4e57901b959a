"""Tunes written for the score-task and score-chat tests: chords that fit the melody and chords that do
not, a recurring motif and none, and the conversations a model could write about them."""

from __future__ import annotations

import json

# D major reel, AABB; on the strong beats (beats 1 and 3) the melody sits on chord tones 15 times of 16
FITS = """X:1
T:Fits
M:4/4
L:1/8
K:D
|:"D"DFAF "G"GBAG|"D"FAdA "A"ceAc|"D"DFAF "G"GBAG|"A"FAEG "D"D4:|
|:"D"fdfa "G"gfed|"A"cABc "D"dcBA|"D"fdfa "G"gfed|"A"cAGE "D"D4:|
"""
# the same melody under E flat chords: 4 strong beats of 16 on chord tones
CLASHES = FITS.replace('"G"', '"Eb"').replace('"A"', '"Eb"').replace('"D"', '"Eb"').replace("T:Fits", "T:Clashes")
# a chord in ABC syntax that music21's harmony parser cannot read
UNREADABLE_CHORD = FITS.replace('"G"GBAG|"D"FAdA', '"Bb9sus4"GBAG|"D"FAdA', 1).replace("T:Fits", "T:Odd chord")
# DEFA (steps 2, 2, 3 semitones, four eighths) in bars 1-3: as written, up a fourth, up a fifth
MOTIF = """X:1
T:Motif
M:4/4
L:1/8
K:D
DEFA z4|GABd z4|ABce z4|d8|
"""
# no figure of 2+ notes recurs three times
NO_MOTIF = """X:1
T:No motif
M:4/4
L:1/8
K:D
D2 F4 A2|d6 c2|B8|
"""
# 6/8 jig in G with a pickup (strong beats: the two dotted quarters of each bar)
JIG = """X:1
T:Jig
M:6/8
L:1/8
K:G
D|"G"GAB "D"AGF|"G"G3 "C"E3|"G"DGB "D"A2F|"G"G3 G2:|
"""

VARIATION = "X:1\nM:4/4\nL:1/8\nK:D\n|:DFAF GBAG|FAdA BAFA|DFAF GBAG|FAEG D4:|"


def chat(key: str = "D major", meter: str = "4/4", variation: str = VARIATION, varied_key: str = "D major") -> str:
    """A conversation about FITS as a model would write it; arguments plant wrong claims or bad ABC."""
    return json.dumps({"turns": [
        {"role": "user", "content": "Tell me about this tune."},
        {"role": "assistant", "content": f"It is a reel in {key}, in {meter} time, and the form is AABB: two "
                                         "strains, each played twice."},
        {"role": "user", "content": "How long is it, and which chords does it use?"},
        {"role": "assistant", "content": 'The tune has 8 bars as written. The chords are "D", "G" and "A", and '
                                         "the strains close on the tonic."},
        {"role": "user", "content": "Write a variation."},
        {"role": "assistant", "content": f"Here is a simpler variation in {varied_key}, in 4/4 time:\n"
                                         f"```abc\n{variation}\n```"},
    ]})  # fmt: skip


RESTATED = json.dumps({"turns": [
    {"role": "user", "content": "What are the facts?"},
    {"role": "assistant", "content": "key: D major\nmeter: 4/4"},
    {"role": "user", "content": "And the form?"},
    {"role": "assistant", "content": "form: AABB (sections as letters, repeats written out)"},
]})  # fmt: skip
