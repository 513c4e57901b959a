"""`develop_motif`: write a tune that develops a given motif, the figure that recurs in this tune
(curate/tune/motif.py: 2-8 notes, exact or transposed, at least three times); where it occurs is
recorded in the row's conditions."""

from __future__ import annotations

from curate.release.score_tasks.task import TaskExample
from curate.tune import Unusable
from curate.tune.abctext import tune_text
from curate.tune.facts import TuneFacts
from curate.tune.motif import MIN_OCCURRENCES

MOTIF_HOW = (
    f"the longest figure of 2-8 consecutive notes (durations and intervals) that recurs, exactly or "
    f"transposed, at least {MIN_OCCURRENCES} times without overlapping in the written melody (abc2xml)"
)


def develop_motif(tune: TuneFacts) -> TaskExample:
    key, meter = tune.key, tune.meter
    if not key or not meter:
        raise Unusable("no_key" if not key else "no_meter")
    motif = tune.motif()
    figure = motif.abc(tune.unit, tune.melody().fifths)
    unit = tune.field("L", "unit_length") or "1/8"
    instruction = (
        f"Write a tune in ABC notation in the key of {key} with meter {meter} that develops this motif "
        f"(L:{unit}, K:{key}), repeating and transposing it: {figure}"
    )
    return TaskExample(
        instruction,
        "",
        tune_text(tune.header, tune.body),
        {
            "motif": figure,
            "notes": len(motif.notes),
            "occurrences": motif.describe(),
            "motif_from": MOTIF_HOW,
            "key": key,
            "meter": meter,
        },
    )
