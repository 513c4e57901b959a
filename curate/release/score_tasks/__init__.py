"""ChatMusician-style instruction tasks built from a tune of the scores table, one module per family:
`plain` (key, meter, title, form, first phrase; naming; continuation: the ABC text alone), `harmony`
(compose over the tune's chords, harmonize its melody) and `motif` (develop its recurring figure).

Every condition an instruction states is computed from the tune (curate/tune/) and recorded with how
it was found. A task that does not apply raises `Unusable` with a reason, which the release counts.
Tasks are tried lazily in a given order until enough apply, so a tune pays for abc2xml only when a
task that needs the melody is tried.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator

from curate.release.mixture import MIN_CHORD_FIT
from curate.release.score_tasks import harmony, motif, plain
from curate.release.score_tasks.task import Task, TaskExample
from curate.tune import Unusable
from curate.tune.facts import TuneFacts


def tasks(min_chord_fit: float = MIN_CHORD_FIT) -> dict[str, Task]:
    return {
        **plain.TASKS,
        "compose_chords": functools.partial(harmony.compose_chords, min_fit=min_chord_fit),
        "harmonize": functools.partial(harmony.harmonize, min_fit=min_chord_fit),
        "develop_motif": motif.develop_motif,
    }


ALL_TASKS: tuple[str, ...] = tuple(tasks())


def try_tasks(
    row: dict, names: Iterable[str], min_chord_fit: float = MIN_CHORD_FIT
) -> Iterator[tuple[str, TaskExample | Unusable]]:
    """(task, example or the reason it does not apply) for each name, in the given order; one analysis per row."""
    table = tasks(min_chord_fit)
    tune = TuneFacts(row)
    for name in names:
        try:
            yield name, table[name](tune)
        except Unusable as skip:
            yield name, skip


def score_examples(
    row: dict, names: Iterable[str], min_chord_fit: float = MIN_CHORD_FIT
) -> list[tuple[str, TaskExample]]:
    """(task, example) for each task that applies to the tune in `row`."""
    return [(n, e) for n, e in try_tasks(row, names, min_chord_fit) if isinstance(e, TaskExample)]
