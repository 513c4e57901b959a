"""Harmony tasks: compose a melody over the tune's own chord progression (`compose_chords`), or add chord
symbols to its melody (`harmonize`). Only for tunes whose chord symbols music21's harmony parser reads and
whose chord tones agree with the melody on at least `min_fit` of the strong beats (curate/tune/harmony.py),
so the examples teach harmony that fits; the share is recorded in the row's conditions."""

from __future__ import annotations

from typing import Any

from curate.release.score_tasks.task import TaskExample
from curate.tune import Unusable
from curate.tune.abctext import tune_text
from curate.tune.facts import TuneFacts
from curate.tune.harmony import ChordFit, without_chords

FIT_HOW = (
    "strong beats (downbeat; bar midpoint for an even number of beats) whose sounding melody note is "
    "a tone of the sounding chord symbol (music21 harmony parser), melody and chord positions from abc2xml"
)


def fitting_chords(tune: TuneFacts, min_fit: float) -> tuple[ChordFit, dict[str, Any]]:
    fit = tune.chords()
    conditions = {
        "chord_fit": round(fit.share, 4),
        "strong_beats": fit.checked,
        "min_chord_fit": min_fit,
        "fit_from": FIT_HOW,
    }
    if fit.share < min_fit:
        raise Unusable("chords_do_not_fit", f"{fit.agreeing}/{fit.checked} strong beats on chord tones")
    return fit, conditions


def compose_chords(tune: TuneFacts, min_fit: float) -> TaskExample:
    fit, conditions = fitting_chords(tune, min_fit)
    key, meter = tune.key, tune.meter
    if not key or not meter:
        raise Unusable("no_key" if not key else "no_meter")
    progression = fit.progression()
    instruction = (
        f"Compose a melody in ABC notation in the key of {key} with meter {meter} over this chord "
        "progression (one entry per bar), writing the chord symbols above the melody."
    )
    return TaskExample(
        instruction,
        progression,
        tune_text(tune.header, tune.body),
        {
            **conditions,
            "progression": progression,
            "key": key,
            "meter": meter,
            "progression_from": "the tune's chord symbols per written bar",
        },
    )


def harmonize(tune: TuneFacts, min_fit: float) -> TaskExample:
    fit, conditions = fitting_chords(tune, min_fit)
    bare = without_chords(tune.body)
    instruction = "Harmonize this melody: add chord symbols (in double quotes, ABC notation) above it."
    return TaskExample(
        instruction,
        tune_text(tune.header, bare),
        tune_text(tune.header, tune.body),
        {**conditions, "chords": list(dict.fromkeys(fit.figures))},
    )
