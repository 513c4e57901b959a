"""The checks a score chat must pass before it is kept, each failing with a reject reason:

- `malformed_conversation`: turns must alternate user/assistant, start with the user, end with the
  assistant, hold text, and count `min_exchanges`..`max_exchanges` exchanges;
- `bad_abc`: an ABC block of an assistant turn does not read with abc2xml and abc2midi;
- `wrong_fact`: a claim (curate/scorechat/claims.py) differs from the computed fact, or a variation's
  inner bars fill the meter its M: field states less often than the tune's own (at most 75% needed);
- `restates_prompt`: every assistant turn only repeats the prompt (its word trigrams are found in the
  tune, facts and user turns) or gives back the tune's own ABC as a variation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from curate.scorechat.abcblocks import read_problem, split_abc
from curate.scorechat.claims import Claim, block_key_meter, key_and_meter_claims, tune_claims
from curate.stage import RejectRow
from curate.tune import Unusable
from curate.tune.abctext import split_header
from curate.tune.melody import Melody, read_melody

_WORD = re.compile(r"[a-z0-9#/]+")
MIN_FILLED_BARS = 0.75  # a variation's inner bars that must fill its meter


@dataclass
class Checked:
    claims: list[dict[str, Any]] = field(default_factory=list)
    abc_blocks: int = 0


def check_conversation(
    turns: list[tuple[str, str]],
    abc: str,
    facts: dict[str, Any],
    prompt_text: str,
    min_exchanges: int,
    max_exchanges: int,
    restate_share: float,
) -> Checked:
    """What was checked; raises `RejectRow` at the first failure."""
    _structure(turns, min_exchanges, max_exchanges)
    checked = Checked()
    context = _trigrams(prompt_text + "\n" + "\n".join(c for r, c in turns if r == "user"))
    tune_music = _music(abc)
    restating = 0
    for index, (role, content) in enumerate(turns):
        if role != "assistant":
            continue
        blocks, prose = split_abc(content)
        for block in blocks:
            problem = read_problem(block)
            if problem:
                raise RejectRow("bad_abc", f"turn {index + 1}: {problem}")
        checked.abc_blocks += len(blocks)
        claims = _variation_claims(index, prose, blocks, abc) if blocks else tune_claims(prose, facts)
        for claim in claims:
            checked.claims.append({"turn": index + 1, **claim.as_dict()})
            if not claim.ok:
                raise RejectRow(
                    "wrong_fact", f"turn {index + 1}: {claim.kind} claim {claim.text!r}; computed: {claim.fact}"
                )
        copies = blocks and all(_music(b) == tune_music for b in blocks)
        restating += bool(copies or (not blocks and _restates(prose, context, restate_share)))
    if restating == sum(1 for r, _ in turns if r == "assistant"):
        raise RejectRow("restates_prompt", "every assistant turn repeats the prompt")
    return checked


def _structure(turns: list[tuple[str, str]], min_exchanges: int, max_exchanges: int) -> None:
    roles = [r for r, _ in turns]
    expected = ["user", "assistant"] * (len(turns) // 2)
    if roles != expected or len(turns) % 2:
        raise RejectRow("malformed_conversation", f"roles {roles}: user and assistant must alternate, user first")
    if not min_exchanges <= len(turns) // 2 <= max_exchanges:
        raise RejectRow(
            "malformed_conversation", f"{len(turns) // 2} exchanges, allowed {min_exchanges}-{max_exchanges}"
        )
    empty = [i + 1 for i, (_, c) in enumerate(turns) if not c.strip()]
    if empty:
        raise RejectRow("malformed_conversation", f"empty turns {empty}")


def _variation_claims(index: int, prose: str, blocks: list[str], tune_abc: str) -> list[Claim]:
    """Key and meter claims of a turn that writes ABC, against its (first) block. Its inner bars must fill its
    M: as often as the tune's own do (at most MIN_FILLED_BARS of them: folk tunes write irregular bars)."""
    key, meter = block_key_meter(blocks[0])
    try:
        filled = _filled(read_melody(blocks[0]))
    except Unusable as err:
        raise RejectRow("bad_abc", f"turn {index + 1}: {err}") from err
    try:
        needed = min(MIN_FILLED_BARS, _filled(read_melody(tune_abc)))
    except Unusable:
        needed = MIN_FILLED_BARS  # the tune itself does not read: hold the variation to the plain rule
    if filled < needed:
        raise RejectRow("wrong_fact", f"turn {index + 1}: {filled:.0%} of the inner bars fill M:{meter}, "
                                     f"the tune's own fill {needed:.0%}")  # fmt: skip
    return key_and_meter_claims(prose, key, meter)


def _filled(melody: Melody) -> float:
    inner = melody.bar_lengths[1:-1]
    return sum(length == melody.bar_length for length in inner) / len(inner) if inner else 1.0


def _music(abc: str) -> str:
    return re.sub(r"\s+", "", split_header(abc)[1])


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _restates(prose: str, context: set[tuple[str, ...]], share: float) -> bool:
    grams = _trigrams(prose)
    if not grams:
        return True  # nothing said beyond ABC that was not there
    return len(grams & context) >= share * len(grams)
