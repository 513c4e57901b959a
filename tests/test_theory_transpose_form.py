"""The transposed-bar and form kinds on hand-made tunes, answers worked out by hand, both parsers."""

from __future__ import annotations

import json

import music21
import pytest

from curate.stage import RejectRow
from curate.theory.item import TuneContext, finish
from curate.theory.kinds.form import Form, near_forms
from curate.theory.kinds.transpose import MOVES, Transpose, spell
from curate.theory.music import parse_abc2xml, parse_music21

BOTH = pytest.mark.parametrize("parse", [parse_music21, parse_abc2xml], ids=["music21", "abc2xml"])

# Only the first bar has four notes, so every seed transposes it: F#4 A4 D5 C#5 in D major.
ONE_BAR = "X:1\nM:4/4\nL:1/8\nK:D\nF2A2 d2c2|d8|A8|d8|]\n"
BY_HAND = {  # (interval, direction): (K: of the result, the bar written under it)
    ("M2", 1): ("E", "G2B2 e2d2"), ("m3", 1): ("F", "A2c2 f2e2"), ("P4", 1): ("G", "B2d2 g2f2"),
    ("P5", 1): ("A", "c2e2 a2g2"), ("M3", 1): ("F#", "A2c2 f2e2"), ("M2", -1): ("C", "E2G2 c2B2"),
    ("m3", -1): ("B", "D2F2 B2A2"), ("P4", -1): ("A", "C2E2 A2G2"), ("P5", -1): ("G", "B,2D2 G2F2"),
}  # fmt: skip

AABB = "X:1\nM:6/8\nL:1/8\nK:G\n|:E2B B2A|G2F E2D|E2B B2A|B3 e3:|\n|:e2f g2e|d2B A2F|G2A B2G|^d3 e3:|\n"
ENDINGS = ("X:1\nM:4/4\nL:1/8\nK:D\n|:D2FA d2fd|e2ce g2ec|D2FA d2fd|1 e2c2 d4:|2 e2c2 d2cB||\n"
           "|:A2FA A2FA|B2GB B2GB|A2FA A2FA|1 G2E2 D4:|2 G2E2 D2z2|]\n")  # fmt: skip
ABAC = ("X:1\nM:3/4\nL:1/8\nK:C\nC2E2G2|c4G2|E2D2C2|G6|e2d2c2|B4A2|G2F2E2|D6|\n"
        "C2E2G2|c4G2|E2D2C2|G6|A2B2c2|d4e2|f2e2d2|c6|]\n")  # fmt: skip
VARIED = "X:1\nM:4/4\nL:1/8\nK:C\nC2EG c2GE|D2FA d2AF|E2GB e2BG|c8|\nC2EG c2GE|D2FA d2AF|E2EB e2BG|C8|\n"
PICKUP = "X:1\nM:6/8\nL:1/8\nK:G\nD|:E2B B2A|G2F E2D|E2B B2A|B3 e2:|\n|:e2f g2e|d2B A2F|G2A B2G|^d3 e3:|\n"


def ctx(abc: str) -> TuneContext:
    return TuneContext.from_abc("score:test", abc)


def test_every_move_of_a_bar_in_d_major_matches_the_hand_written_transposition() -> None:
    seen = set()
    for seed in range(40):
        item = finish(Transpose(), ctx(ONE_BAR), seed)
        params = json.loads(item["params"])
        to, bar = BY_HAND[(params["interval"], params["direction"])]
        assert params["to"] == to and f"K:{to} (" in item["stem"]
        assert item["options"][item["answer"]] == bar
        assert item["abc_score"].endswith("K:D\nF2A2 d2c2 |\n")
        seen.add((params["interval"], params["direction"]))
    assert len(seen) >= 6  # the seed spreads the moves


def test_distractors_are_the_named_mistakes() -> None:
    found: set[str] = set()
    for seed in range(40):
        item = finish(Transpose(), ctx(ONE_BAR), seed)
        params = json.loads(item["params"])
        if (params["interval"], params["direction"]) == ("M2", 1):
            found |= {text for letter, text in item["options"].items() if letter != item["answer"]}
    mistakes = {
        "=G2_B2 _e2=d2",  # a minor second up: G Bb Eb D
        "E2=G2 =c2B2",  # a major second down: E G C B
        "G,2B,2 E2D2",  # right notes, an octave low
        "=G2B2 e2=d2",  # D major's sharps ignored (F A D C up a tone), = the letters moved in the old key
    }
    assert found <= mistakes and len(found) >= 3


def test_accidental_in_the_bar_is_written_on_every_later_note_of_its_letter() -> None:
    pitches = [music21.pitch.Pitch(p) for p in ("A#4", "A#4", "B4", "A4")]
    assert spell(pitches, music21.key.KeySignature(2)) == ["^A", "^A", "B", "=A"]


def test_key_with_explicit_accidentals_is_refused() -> None:
    with pytest.raises(RejectRow) as err:
        finish(Transpose(), ctx(ONE_BAR.replace("K:D", "K:D exp ^f ^c")))
    assert err.value.reason == "unsupported_key"


def test_moves_stay_within_six_sharps_or_flats() -> None:
    item = finish(Transpose(), ctx(ONE_BAR.replace("K:D", "K:F#").replace("F2A2 d2c2", "F2A2 c2e2")))
    key = json.loads(item["params"])["to"]
    assert abs(music21.key.Key(key.replace("b", "-")).sharps) <= 6
    assert len(MOVES) == 9


@BOTH
@pytest.mark.parametrize(("abc", "size", "form"), [(AABB, 4, "AABB"), (ENDINGS, 4, "AABB"), (ABAC, 4, "ABAC")])
def test_form_from_section_content(parse, abc: str, size: int, form: str) -> None:  # noqa: ANN001
    assert Form().solve(parse(abc), {"section_bars": size}) == form


def test_form_item_is_checked_through_abc2xml_and_has_one_mistake_distractors() -> None:
    item = finish(Form(), ctx(ABAC))
    assert item["options"][item["answer"]] == "ABAC" and "4-bar sections" in item["stem"]
    others = [v for k, v in item["options"].items() if k != item["answer"]]
    assert set(others) <= set(near_forms("ABAC")) and len(set(others)) == 3


@pytest.mark.parametrize(("abc", "reason"), [(VARIED, "ambiguous_form"), (PICKUP, "irregular_bars")])
def test_form_refuses_varied_repeats_and_pickups(abc: str, reason: str) -> None:
    with pytest.raises(RejectRow) as err:
        finish(Form(), ctx(abc))
    assert err.value.reason == reason


def test_near_forms_are_canonical_and_exclude_the_answer() -> None:
    forms = near_forms("AABB")
    assert "AABB" not in forms and {"ABAB", "AABA", "AAAB"} <= set(forms)
    assert all(f[0] == "A" for f in forms)
