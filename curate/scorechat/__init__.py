"""Chat about a tune whose checkable claims are checked: the ABC blocks an assistant writes (`abcblocks`),
the claims its prose makes about key, meter, form, bars and chords (`claims`), and the offline `template`
conversation written from the computed facts (`template`). The stage is curate/stages/score_chat.py.
"""
