"""ChatMusician's score tasks that need only the ABC text: compose from a key and meter, a title, a form,
or a first phrase and form; name the key, meter or form; continue a tune from its first bars."""

from __future__ import annotations

from collections.abc import Callable

from curate.release.score_tasks.task import Task, TaskExample
from curate.tune import Unusable
from curate.tune.abctext import bars, tune_text, without
from curate.tune.facts import TuneFacts

CONTINUE_BARS = 4  # bars given as the prompt of a continuation, and as the first phrase of compose_like
MIN_BARS_TO_CONTINUE = 8


def compose_key_meter(tune: TuneFacts) -> TaskExample:
    key, meter = tune.key, tune.meter
    if not key or not meter:
        raise Unusable("no_key" if not key else "no_meter")
    return TaskExample(
        f"Compose a tune in ABC notation in the key of {key} with meter {meter}.",
        "",
        tune_text(tune.header, tune.body),
        {"key": key, "meter": meter, "from": "K: and M: fields"},
    )


def compose_title(tune: TuneFacts) -> TaskExample:
    title = tune.row.get("title")
    if not title:
        raise Unusable("no_title")
    return TaskExample(
        f'Compose a tune in ABC notation titled "{title}".',
        "",
        tune_text(tune.header, tune.body),
        {"title": title, "from": "title column"},
    )


def _form(tune: TuneFacts) -> str:
    shape = tune.form
    if not shape or len(shape) < 2:
        raise Unusable("one_section" if shape else "no_form")
    return shape


FORM_HOW = "sections as letters, repeats written out (|: A :| |: B :| gives AABB), or the P: field"


def compose_form(tune: TuneFacts) -> TaskExample:
    shape, meter = _form(tune), tune.meter
    if not meter:
        raise Unusable("no_meter")
    return TaskExample(
        f"Compose a tune in ABC notation in {meter} time with the form {shape}.",
        "",
        tune_text(tune.header, tune.body),
        {"form": shape, "meter": meter, "form_from": FORM_HOW},
    )


def compose_like(tune: TuneFacts) -> TaskExample:
    """First phrase (the first bars) and the form given; the rest of the tune expected."""
    shape = _form(tune)
    measures = bars(tune.body)
    if len(measures) < MIN_BARS_TO_CONTINUE:
        raise Unusable("too_short", f"{len(measures)} bars")
    opening = "".join(measures[:CONTINUE_BARS]).strip()
    rest = "".join(measures[CONTINUE_BARS:]).strip()
    instruction = f"Here is the first phrase of a tune in ABC notation. Complete the tune so that its form is {shape}."
    return TaskExample(
        instruction,
        tune_text(without(tune.header, "P"), opening),
        rest,
        {"form": shape, "form_from": FORM_HOW, "phrase": f"first {CONTINUE_BARS} bars"},
    )


def _name(field: str, label: str, column: str) -> Task:
    def task(tune: TuneFacts) -> TaskExample:
        value = tune.field(field, column)
        if not value:
            raise Unusable(f"no_{label}")
        if not tune.body.strip():
            raise Unusable("no_music")
        # the asked-for field is left out of the header, or the answer would be in the question
        return TaskExample(
            f"What is the {label} of this tune?",
            tune_text(without(tune.header, field), tune.body),
            value,
            {label: value, "from": f"{field}: field"},
        )

    return task


def name_form(tune: TuneFacts) -> TaskExample:
    shape = _form(tune)
    return TaskExample(
        "What is the form of this tune? Answer with section letters.",
        tune_text(without(tune.header, "P"), tune.body),
        shape,
        {"form": shape, "form_from": FORM_HOW},
    )


def continue_tune(tune: TuneFacts) -> TaskExample:
    measures = bars(tune.body)
    if len(measures) < MIN_BARS_TO_CONTINUE:
        raise Unusable("too_short", f"{len(measures)} bars")
    opening = "".join(measures[:CONTINUE_BARS]).strip()
    rest = "".join(measures[CONTINUE_BARS:]).strip()
    instruction = f"Continue this tune in ABC notation from its first {CONTINUE_BARS} bars."
    return TaskExample(instruction, tune_text(tune.header, opening), rest, {"given": f"first {CONTINUE_BARS} bars"})


TASKS: dict[str, Callable[[TuneFacts], TaskExample]] = {
    "compose_key_meter": compose_key_meter,
    "compose_title": compose_title,
    "compose_form": compose_form,
    "compose_like": compose_like,
    "name_key": _name("K", "key", "key"),
    "name_meter": _name("M", "meter", "meter"),
    "name_form": name_form,
    "continue": continue_tune,
}
