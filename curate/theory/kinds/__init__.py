"""One module per item kind; `KINDS` maps a kind's name to an instance."""

from __future__ import annotations

from curate.theory.item import Kind
from curate.theory.kinds.bars import Bars
from curate.theory.kinds.cadence import Cadence
from curate.theory.kinds.chord import ChordQuality
from curate.theory.kinds.degree import Degree
from curate.theory.kinds.form import Form
from curate.theory.kinds.interval import IntervalKind
from curate.theory.kinds.key import KeyKind
from curate.theory.kinds.meter import Meter
from curate.theory.kinds.transpose import Transpose

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (KeyKind(), Meter(), IntervalKind(), ChordQuality(), Cadence(), Degree(), Bars(), Transpose(), Form())
}
