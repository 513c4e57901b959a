"""Reasoning items: answers computed on hand-made cases by both parsers, and the independent check."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from curate.stage import RejectRow
from curate.theory.item import TuneContext, finish, verify
from curate.theory.kinds import KINDS
from curate.theory.kinds.cadence import Cadence
from curate.theory.kinds.chord import ChordQuality
from curate.theory.kinds.interval import IntervalKind
from curate.theory.music import parse_abc2xml, parse_music21

HANDMADE = Path(__file__).parent / "fixtures" / "theory" / "handmade.abc"
BOTH = pytest.mark.parametrize("parse", [parse_music21, parse_abc2xml], ids=["music21", "abc2xml"])

E_MINOR_ONE_SHARP = """X:1
M:6/8
L:1/8
K:G
|:E2B B2A|G2F E2D|E2B B2A|B3 e3:|
|:e2f g2e|d2B A2F|G2A B2G|^d3 e3:|
"""

D_DORIAN = """X:1
M:4/4
L:1/8
K:C
D2FA d2cA|G2EG c2AG|F2DF A2GE|D4 D4|
D2FA d2cA|G2EG c2AG|F2DF A2GE|D4 D4|
"""


def ctx(abc: str) -> TuneContext:
    return TuneContext.from_abc("score:test", abc)


def test_key_of_e_minor_tune_written_with_one_sharp() -> None:
    item = finish(KINDS["key"], ctx(E_MINOR_ONE_SHARP))
    assert item["options"][item["answer"]] == "E minor"
    assert set(item["options"].values()) >= {"G major", "E major"}  # relative and parallel as distractors
    assert "K:G\n" in item["abc_score"] and "K:Em" not in item["abc_score"]
    assert "ends on E" in item["analysis"]


def test_key_that_analysis_cannot_settle_is_rejected() -> None:
    with pytest.raises(RejectRow) as err:
        finish(KINDS["key"], ctx(D_DORIAN))
    assert err.value.reason in ("ambiguous_key", "signature_disagrees")


def test_meter_of_a_jig_is_six_eight_and_no_option_shares_its_bar_length() -> None:
    item = finish(KINDS["meter"], ctx(E_MINOR_ONE_SHARP))
    assert item["options"][item["answer"]] == "6/8"
    assert "3/4" not in item["options"].values()
    assert "M:" not in item["abc_score"]


@BOTH
def test_compound_interval(parse) -> None:  # noqa: ANN001
    score = parse("X:1\nL:1/4\nM:2/4\nK:D\nD f' |\n")  # D4 up to F#6 (key signature): a major seventeenth
    assert IntervalKind().render(IntervalKind().solve(score, {})) == "major seventeenth"
    score = parse("X:1\nL:1/4\nM:2/4\nK:C\nc, _e |\n")  # C3 to Eb4: minor tenth
    assert IntervalKind().render(IntervalKind().solve(score, {})) == "minor tenth"


@BOTH
def test_dominant_seventh_chord_with_key_signature_applied(parse) -> None:  # noqa: ANN001
    assert ChordQuality().solve(parse("X:1\nL:1/4\nM:4/4\nK:C\n[GBdf]4 |]\n"), {}) == "dominant seventh"
    # In F the B is flat: C E G Bb is V7 of F.
    assert ChordQuality().solve(parse("X:1\nL:1/4\nM:4/4\nK:F\n[CEGB]4 |]\n"), {}) == "dominant seventh"
    assert ChordQuality().solve(parse("X:1\nL:1/4\nM:4/4\nK:C\n[CEGB]4 |]\n"), {}) == "major seventh"


@BOTH
def test_perfect_and_imperfect_cadence(parse) -> None:  # noqa: ANN001
    key = {"key": "C major"}
    perfect = parse('X:1\nL:1/4\nM:4/4\nK:C\n"C"e d "F"c A|"G7"B d "C"c2|]\n')
    imperfect = parse('X:1\nL:1/4\nM:4/4\nK:C\n"C"e d "F"c A|"C"G c "G"B2|]\n')
    blocks = parse("X:1\nL:1/4\nM:4/4\nK:C\n[CEG]2 [FAc]2|[GBd]2 [CEGc]2|]\n")
    assert Cadence().solve(perfect, key) == "perfect cadence"
    assert Cadence().solve(imperfect, key) == "imperfect cadence"
    assert Cadence().solve(blocks, key) == "perfect cadence"


def test_melody_without_harmony_gives_no_cadence_item() -> None:
    with pytest.raises(RejectRow) as err:
        finish(KINDS["cadence"], ctx(E_MINOR_ONE_SHARP))
    assert err.value.reason == "no_harmony"


def test_cadence_item_from_handmade_tune_with_chord_symbols() -> None:
    tune = HANDMADE.read_text().split("X:")[1]
    item = finish(KINDS["cadence"], ctx("X:" + tune))
    assert item["options"][item["answer"]] == "perfect cadence"
    assert "E minor" in item["stem"]


def test_independent_check_catches_a_planted_wrong_answer() -> None:
    item = finish(KINDS["interval"], ctx(E_MINOR_ONE_SHARP))
    verify(item, KINDS["interval"])  # the real item passes
    for wrong in "ABCD":
        if wrong != item["answer"]:
            with pytest.raises(RejectRow) as err:
                verify(item | {"answer": wrong}, KINDS["interval"])
            assert err.value.reason == "check_disagrees"
    # A planted wrong option text (answer letter kept) is caught too.
    planted = {
        **item["options"],
        item["answer"]: "perfect fifth" if item["options"][item["answer"]] != "perfect fifth" else "minor sixth",
    }
    with pytest.raises(RejectRow):
        verify(item | {"options": planted}, KINDS["interval"])


def test_check_catches_an_excerpt_edited_after_drafting() -> None:
    item = finish(KINDS["key"], ctx(E_MINOR_ONE_SHARP))
    with pytest.raises(RejectRow):
        verify(item | {"abc_score": item["abc_score"].replace("K:G", "K:C").replace("^d3", "d3")}, KINDS["key"])


def test_every_kind_on_the_handmade_tunes_gives_four_distinct_options_and_an_analysis() -> None:
    made = []
    for index, tune in enumerate(HANDMADE.read_text().split("X:")[1:]):
        c = TuneContext.from_abc(f"score:{index}", "X:" + tune)
        for kind in KINDS.values():
            try:
                made.append(finish(kind, c))
            except RejectRow:
                continue
    assert {i["kind"] for i in made} >= {"key", "meter", "interval", "chord", "cadence", "degree", "bars"}
    for item in made:
        assert len({v.lower() for v in item["options"].values()}) == 4
        assert item["analysis"] and item["abc_score"].startswith("X:1")
        assert json.loads(item["params"]) is not None


def test_answer_letters_are_balanced_by_the_seeded_shuffle() -> None:
    letters = Counter(finish(KINDS["chord"], ctx(E_MINOR_ONE_SHARP), seed=s)["answer"] for s in range(80))
    assert set(letters) == set("ABCD")
    assert all(10 <= n <= 32 for n in letters.values()), letters


def test_items_are_deterministic() -> None:
    assert finish(KINDS["degree"], ctx(E_MINOR_ONE_SHARP)) == finish(KINDS["degree"], ctx(E_MINOR_ONE_SHARP))
