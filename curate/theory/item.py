"""What every item kind shares: the tune context, drafts, option shuffling and the independent check.

A kind (one module under `curate/theory/kinds/`) drafts an item from a tune with music21's ABC reader
(path 1): an ABC excerpt, a stem, the parameters its answer depends on, the answer and three
distractors. `finish` shuffles the options with a seed from the item id, then recomputes the answer
from the item's own `abc_score` through abc2xml + music21 (path 2): exactly one option may match the
recomputed value, and it must be the lettered answer. Anything else is a `RejectRow` with its reason.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

import music21

from curate.abc.bars import Bar, Tune, parse_tune, split_bars
from curate.hashing import canonical_json, digest, stable_id
from curate.stage import RejectRow
from curate.theory.format import LETTERS, distinct_options
from curate.theory.music import Unreadable, parse_abc2xml, parse_music21

GENERATOR_VERSION = "1"
CHECKED_BY = "abc2xml+music21"
INSTRUCTION = "Read the following question, then choose the correct answer from the four options."


@dataclass
class Draft:
    abc_score: str
    stem: str
    params: dict[str, Any]
    answer: str
    distractors: list[str]
    analysis: str


@dataclass
class TuneContext:
    """One score row, read once and shared by every kind."""

    score_id: str
    abc: str
    tune: Tune
    score: music21.stream.Score | None  # path 1 parse of the whole tune (None: unreadable)
    parse_error: str = ""
    _bars: list[Bar] | None = field(default=None, repr=False)

    @classmethod
    def from_abc(cls, score_id: str, abc: str) -> TuneContext:
        tune = parse_tune(abc)
        try:
            return cls(score_id, abc, tune, parse_music21(abc))
        except Unreadable as err:
            return cls(score_id, abc, tune, None, str(err))

    def require_score(self) -> music21.stream.Score:
        if self.score is None:
            raise RejectRow("unreadable", self.parse_error)
        return self.score

    def field(self, letter: str) -> str | None:
        return self.tune.field(letter)

    def bars(self) -> list[Bar]:
        """Bars of the single voice; tunes with several voices or inline K/M/L changes are refused."""
        if self._bars is None:
            if len(self.tune.bodies) != 1:
                raise RejectRow("multi_voice", f"{len(self.tune.bodies)} voices")
            body = next(iter(self.tune.bodies.values()))
            if re.search(r"\[[KLMV]:", body):
                raise RejectRow("inline_field", "the tune changes key, meter, unit or voice inside the music")
            self._bars = [b for b in split_bars(body) if not b.empty]
        return self._bars

    def header(self, *letters: str, replace: dict[str, str] | None = None) -> str:
        """`X:1` and the named header fields, in that order (L: made explicit when missing)."""
        replace = replace or {}
        lines = ["X:1"]
        for letter in letters:
            value = replace.get(letter, self.field(letter))
            if letter == "L" and value is None:
                value = default_unit(self.field("M"))
            if value is not None:
                lines.append(f"{letter}:{value}")
        return "\n".join(lines) + "\n"


def default_unit(meter: str | None) -> str:
    """ABC's default unit length: 1/16 below a 3/4 bar, else 1/8."""
    if not meter or meter in ("none",):
        return "1/8"
    if meter in ("C", "C|"):
        return "1/8"
    try:
        num, den = (int(x) for x in meter.split("/"))
    except ValueError:
        return "1/8"
    return "1/16" if num / den < 0.75 else "1/8"


_BAR_EDGE = re.compile(r"^[\s:|\[\]\d,.-]*|[\s:|\[\]\d,.-]*$")


def clean_bar(text: str) -> str:
    """A bar's music without its barlines, repeat signs and ending numbers."""
    inner = text.strip()
    inner = re.sub(r"^(?:\|[:\]]*|:+\|?|\[\d+|\d+)+", "", inner)
    inner = re.sub(r"(?::*\[?\|[\]|:]*(?:\[?\d+(?:[,-]\d+)*)?|::)$", "", inner)
    return inner.strip()


def excerpt(ctx: TuneContext, bars: list[Bar], *letters: str, replace: dict[str, str] | None = None) -> str:
    music = " | ".join(clean_bar(b.text) for b in bars)
    return ctx.header(*letters, replace=replace) + music + " |\n"


class Kind:
    """One kind of reasoning item. Subclasses set `name` and implement `draft` and `solve`."""

    name: ClassVar[str]
    needs_key: ClassVar[bool] = False

    def draft(self, ctx: TuneContext, rng: random.Random) -> Draft:
        raise NotImplementedError

    def solve(self, score: music21.stream.Score, params: dict[str, Any]) -> Any:
        """The answer's value, computed from a parsed `abc_score` (raise RejectRow when it cannot be settled)."""
        raise NotImplementedError

    def render(self, value: Any) -> str:
        return str(value)

    def matches(self, value: Any, option: str) -> bool:
        return self.render(value) == option

    def solve_path1(self, abc_score: str, params: dict[str, Any]) -> Any:
        try:
            return self.solve(parse_music21(abc_score), params)
        except Unreadable as err:
            raise RejectRow("unreadable", str(err)) from err


def item_id(parent_id: str, kind: str, params: dict[str, Any]) -> str:
    return stable_id("theory", parent_id, kind, params)


def finish(kind: Kind, ctx: TuneContext, seed: int = 0, dev_fraction: float = 0.0) -> dict[str, Any]:
    """Draft, shuffle and check one item; raises RejectRow with the reason it was refused."""
    rng = random.Random(digest(ctx.score_id, kind.name, seed))
    draft = kind.draft(ctx, rng)
    new_id = item_id(ctx.score_id, kind.name, draft.params)
    texts = [draft.answer, *draft.distractors]
    if len(texts) != 4:
        raise RejectRow("too_few_options", f"{len(texts)} options")
    random.Random(digest(new_id, seed, "shuffle")).shuffle(texts)
    options = dict(zip(LETTERS, texts, strict=True))
    if not distinct_options(options):
        raise RejectRow("duplicate_options", canonical_json(options))
    item = {
        "id": new_id,
        "parent_id": ctx.score_id,
        "instruction": INSTRUCTION,
        "stem": draft.stem,
        "options": options,
        "subject": "reasoning",
        "answer": LETTERS[texts.index(draft.answer)],
        "split": split_for(new_id, dev_fraction),
        "abc_score": draft.abc_score,
        "analysis": draft.analysis,
        "kind": kind.name,
        "params": canonical_json(draft.params),
        "checked_by": CHECKED_BY,
        "generator_version": GENERATOR_VERSION,
    }
    verify(item, kind)
    return item


def split_for(item: str, dev_fraction: float) -> str:
    """`dev` (few-shot examples) for a hashed share of the items, else `test`."""
    return "dev" if int(digest(item, "split")[:8], 16) / 0xFFFFFFFF < dev_fraction else "test"


def verify(item: dict[str, Any], kind: Kind) -> None:
    """Path 2: recompute from the item's own abc_score; exactly the lettered option must match."""
    import json

    try:
        score = parse_abc2xml(item["abc_score"])
    except Unreadable as err:
        raise RejectRow("check_unreadable", str(err)) from err
    try:
        value = kind.solve(score, json.loads(item["params"]))
    except RejectRow as err:
        raise RejectRow("check_unsettled", err.detail or err.reason) from err
    matching = [letter for letter in LETTERS if kind.matches(value, item["options"][letter])]
    if matching != [item["answer"]]:
        raise RejectRow(
            "check_disagrees",
            f"abc2xml path gives {kind.render(value)!r} (options {matching or 'none'}), item says {item['answer']}",
        )
