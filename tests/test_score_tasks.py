"""The score tasks added for ChatMusician's full set: compose_chords, harmonize, develop_motif, compose_like,
on tunes written for the test; every condition computed from the tune and recorded."""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction

import pytest
from support.tunes import CLASHES, FITS, JIG, MOTIF, NO_MOTIF, UNREADABLE_CHORD

from curate.release.formats import examples_of
from curate.release.mixture import Component
from curate.release.score_tasks import TaskExample, try_tasks
from curate.tune import Unusable
from curate.tune.facts import TuneFacts
from curate.tune.harmony import written_chords
from curate.tune.melody import read_melody

NEW = ["compose_chords", "harmonize", "develop_motif", "compose_like"]


def made(abc: str, names: list[str] = NEW) -> dict[str, TaskExample | Unusable]:
    return dict(try_tasks({"id": "score:t", "abc": abc}, names))


def test_chords_that_fit_give_both_harmony_tasks_with_the_share_recorded() -> None:
    tasks = made(FITS)
    chords, harmonize = tasks["compose_chords"], tasks["harmonize"]
    assert isinstance(chords, TaskExample) and isinstance(harmonize, TaskExample)
    # bar 4 starts on F# under A (not a chord tone): 15 of 16 strong beats agree
    assert chords.conditions["chord_fit"] == 0.9375 and chords.conditions["strong_beats"] == 16
    assert chords.conditions["min_chord_fit"] == 0.7
    assert chords.input == "| D G | D A | D G | A D | D G | A D | D G | A D |"
    assert "key of D with meter 4/4" in chords.instruction
    assert chords.output == FITS.strip()
    assert '"' not in harmonize.input.split("K:D", 1)[1] and harmonize.output == FITS.strip()
    assert harmonize.conditions["chords"] == ["D", "G", "A"]


def test_chords_that_clash_or_do_not_parse_are_skipped_with_their_reason() -> None:
    tasks = made(CLASHES)
    for name in ("compose_chords", "harmonize"):
        skip = tasks[name]
        assert isinstance(skip, Unusable) and skip.reason == "chords_do_not_fit"
        assert skip.detail == "4/16 strong beats on chord tones"
    assert made(UNREADABLE_CHORD)["harmonize"].reason == "unparsable_chord"  # type: ignore[union-attr]
    assert made(MOTIF)["compose_chords"].reason == "no_chords"  # type: ignore[union-attr]


def test_a_lower_threshold_lets_clashing_chords_through() -> None:
    loose = dict(try_tasks({"id": "score:t", "abc": CLASHES}, ["harmonize"], min_chord_fit=0.2))
    assert isinstance(loose["harmonize"], TaskExample) and loose["harmonize"].conditions["chord_fit"] == 0.25


def test_strong_beats_follow_the_meter_and_a_pickup() -> None:
    melody = read_melody(JIG)
    # pickup bar (one eighth) has no strong beat; then two per 6/8 bar, 3/2 quarters apart
    assert melody.strong_beats()[:4] == [Fraction(1, 2), Fraction(2), Fraction(7, 2), Fraction(5)]
    assert written_chords(JIG.split("K:G", 1)[1]) == ["G", "D", "G", "C", "G", "D", "G"]
    assert written_chords('"4"D "D.C."E "Fine"F "^up"G "Bb7"A "D(Bm)"B "F#m7b5"c "G/B"d') == [
        "Bb7",
        "D(Bm)",
        "F#m7b5",
        "G/B",
    ]
    fit = TuneFacts({"abc": JIG}).chords()
    assert (fit.agreeing, fit.checked) == (8, 8)


def test_develop_motif_records_every_occurrence() -> None:
    task = made(MOTIF)["develop_motif"]
    assert isinstance(task, TaskExample)
    assert task.conditions["motif"] == "DEFA" and task.conditions["notes"] == 4
    occurrences = task.conditions["occurrences"]
    assert [(o["bar"], o["transposition"]) for o in occurrences] == [(1, 0), (2, 5), (3, 7)]
    assert "DEFA" in task.instruction and task.output == MOTIF.strip()
    skip = made(NO_MOTIF)["develop_motif"]
    assert isinstance(skip, Unusable) and skip.reason == "no_motif"


def test_compose_like_gives_the_first_phrase_and_the_form() -> None:
    task = made(FITS)["compose_like"]
    assert isinstance(task, TaskExample)
    assert "form is AABB" in task.instruction and task.conditions["form"] == "AABB"
    assert task.input.endswith('|"A"FAEG "D"D4:|') and task.output.startswith('|:"D"fdfa')
    assert made(MOTIF)["compose_like"].reason == "one_section"  # type: ignore[union-attr]


@pytest.mark.parametrize("per_row", [None, 2])
def test_release_examples_count_skips_per_task_and_reason(per_row: int | None) -> None:
    component = Component(table="scores", src="tunes", task="score_tasks", tasks_per_row=per_row)
    skipped: Counter[str] = Counter()
    examples = examples_of({"id": "score:m", "abc": MOTIF}, component, {}, seed=0, skipped=skipped)
    if per_row is None:
        assert {e.task for e in examples} == {"compose_key_meter", "name_key", "name_meter", "develop_motif"}
        assert skipped == Counter({"compose_title_no_title": 1, "compose_form_one_section": 1,
                                   "compose_like_one_section": 1, "name_form_one_section": 1,
                                   "continue_too_short": 1, "compose_chords_no_chords": 1,
                                   "harmonize_no_chords": 1})  # fmt: skip
    else:
        assert len(examples) == 2  # tried in seeded order until two apply; the rest are not tried
        assert sum(skipped.values()) < 7
    motif = [e for e in examples if e.task == "develop_motif"]
    for example in motif:
        assert json.loads(example.conditions or "{}")["occurrences"][0]["bar"] == 1
